import type { Module } from '../../context.ts';
import { createMessageLogService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const messageLogModule: Module = {
  name: 'messagelog',
  register(ctx) {
    ctx.services.messageLog = createMessageLogService(ctx);
    ctx.services.messageLog.startPruning();
  },
  routes: registerRoutes,
  stop(ctx) {
    ctx.services.messageLog.stop();
  },
};
