import type { AppContext, Module } from '../../context.ts';
import { createLocalAuthService } from './service.ts';
import { registerRoutes } from './routes.ts';

const unobserve = new WeakMap<AppContext, () => void>();

export const localAuthModule: Module = {
  name: 'localauth',
  register(ctx) {
    ctx.services.localAuth = createLocalAuthService(ctx);
    // stations registers first (app.ts): its sendCommand is the one path commands take.
    unobserve.set(ctx, ctx.services.localAuth.observeCommands(ctx.services.stations));
    ctx.services.localAuth.start();
  },
  routes: registerRoutes,
  stop(ctx) {
    unobserve.get(ctx)?.();
    unobserve.delete(ctx);
    return ctx.services.localAuth.stop();
  },
};
