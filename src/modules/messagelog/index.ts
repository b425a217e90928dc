import type { Module } from '../../context.ts';
import { createMessageLogService } from './service.ts';

export const messageLogModule: Module = {
  name: 'messagelog',
  register(ctx) {
    ctx.services.messageLog = createMessageLogService(ctx);
    ctx.services.messageLog.startPruning();
  },
  stop(ctx) {
    ctx.services.messageLog.stop();
  },
};
