import type { Module } from '../../context.ts';
import { createStationsService } from './service.ts';
import { registerOcpp16 } from './ocpp16.ts';
import { registerOcpp201 } from './ocpp201.ts';
import { registerRoutes } from './routes.ts';
import { createCredentialFlows } from './rotation.ts';
import { registerCredentialFlowRoutes } from './rotation-routes.ts';

export const stationsModule: Module = {
  name: 'stations',
  register(ctx) {
    ctx.services.stations = createStationsService(ctx);
    ctx.services.credentialFlows = createCredentialFlows(ctx);
    ctx.ocpp16.setGate((session, action) => ctx.services.stations.gate(session.stationId, action));
    ctx.ocpp201.setGate((session, action) => ctx.services.stations.gate(session.stationId, action));
    registerOcpp16(ctx);
    registerOcpp201(ctx);
  },
  routes(api, ctx) {
    registerRoutes(api, ctx);
    registerCredentialFlowRoutes(api, ctx);
  },
  stop(ctx) {
    return ctx.services.stations.stop();
  },
};
