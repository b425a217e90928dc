import type { Module } from '../../context.ts';
import { createEventsService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const eventsModule: Module = {
  name: 'events',
  register(ctx) {
    ctx.services.events = createEventsService(ctx);
  },
  routes: registerRoutes,
  stop(ctx) {
    ctx.services.events.stop();
  },
};
