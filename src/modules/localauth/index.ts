import type { Module } from '../../context.ts';
import { createLocalAuthService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const localAuthModule: Module = {
  name: 'localauth',
  register(ctx) {
    ctx.services.localAuth = createLocalAuthService(ctx);
    ctx.services.localAuth.start();
  },
  routes: registerRoutes,
  stop(ctx) {
    return ctx.services.localAuth.stop();
  },
};
