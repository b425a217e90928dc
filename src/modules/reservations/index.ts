import type { AppContext, Module } from '../../context.ts';
import { createReservationsService } from './service.ts';
import { registerRoutes } from './routes.ts';

const unobserve = new WeakMap<AppContext, () => void>();

export const reservationsModule: Module = {
  name: 'reservations',
  register(ctx) {
    ctx.services.reservations = createReservationsService(ctx);
    // stations registers first (app.ts): its sendCommand is the one path commands take.
    unobserve.set(ctx, ctx.services.reservations.observeCommands(ctx.services.stations));
    ctx.services.reservations.start();
  },
  routes: registerRoutes,
  stop(ctx) {
    unobserve.get(ctx)?.();
    unobserve.delete(ctx);
    return ctx.services.reservations.stop();
  },
};
