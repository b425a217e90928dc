import type { Module } from '../../context.ts';
import { createSecurityService } from './service.ts';

export const securityModule: Module = {
  name: 'security',
  register(ctx) {
    ctx.services.security = createSecurityService(ctx);
  },
};
