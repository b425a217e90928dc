import type { Module } from '../../context.ts';
import { createTlsService } from './service.ts';

export const tlsModule: Module = {
  name: 'tls',
  register(ctx) {
    ctx.services.tls = createTlsService(ctx);
  },
  stop(ctx) {
    ctx.services.tls.stop();
  },
};
