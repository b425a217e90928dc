import type { Module } from '../../context.ts';
import { createStationsService } from './service.ts';
import { registerOcpp16 } from './ocpp16.ts';
import { registerRoutes } from './routes.ts';

export const stationsModule: Module = {
  name: 'stations',
  register(ctx) {
    ctx.services.stations = createStationsService(ctx);
    ctx.ocpp16.setGate((session, action) => ctx.services.stations.gate(session.stationId, action));
    registerOcpp16(ctx);
  },
  routes: registerRoutes,
  stop(ctx) {
    return ctx.services.stations.stop();
  },
};
