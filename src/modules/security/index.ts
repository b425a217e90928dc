import type { Module } from '../../context.ts';
import { createSecurityService } from './service.ts';
import { registerOcpp16 } from './ocpp16.ts';
import { registerOcpp201 } from './ocpp201.ts';
import { registerRoutes } from './routes.ts';

export const securityModule: Module = {
  name: 'security',
  register(ctx) {
    ctx.services.security = createSecurityService(ctx);
    ctx.services.security.startPruning();
    registerOcpp16(ctx);
    registerOcpp201(ctx);
  },
  routes: registerRoutes,
  stop(ctx) {
    ctx.services.security.stop();
  },
};
