import type { Module } from '../../context.ts';
import { createApiKeysService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const apiKeysModule: Module = {
  name: 'apikeys',
  register(ctx) {
    ctx.services.apiKeys = createApiKeysService(ctx);
  },
  routes: registerRoutes,
};
