import type { Module } from '../../context.ts';
import { createCommandsService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const commandsModule: Module = {
  name: 'commands',
  register(ctx) {
    ctx.services.commands = createCommandsService(ctx);
  },
  routes: registerRoutes,
};
