import type { Module } from '../../context.ts';
import { createTriggerService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const triggerModule: Module = {
  name: 'trigger',
  register(ctx) {
    ctx.services.trigger = createTriggerService(ctx);
  },
  routes: registerRoutes,
};
