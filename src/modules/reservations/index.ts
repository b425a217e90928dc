import type { Module } from '../../context.ts';
import { createReservationsService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const reservationsModule: Module = {
  name: 'reservations',
  register(ctx) {
    ctx.services.reservations = createReservationsService(ctx);
    ctx.services.reservations.start();
  },
  routes: registerRoutes,
  stop(ctx) {
    return ctx.services.reservations.stop();
  },
};
