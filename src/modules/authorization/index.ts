import type { Module } from '../../context.ts';
import { createAuthorizationService } from './service.ts';
import { registerOcpp16 } from './ocpp16.ts';
import { registerOcpp201 } from './ocpp201.ts';
import { registerRoutes } from './routes.ts';

export const authorizationModule: Module = {
  name: 'authorization',
  register(ctx) {
    ctx.services.authorization = createAuthorizationService(ctx);
    registerOcpp16(ctx);
    registerOcpp201(ctx);
  },
  routes: registerRoutes,
  stop(ctx) {
    return ctx.services.authorization.stop();
  },
};
