import type { Module } from '../../context.ts';
import { createWebhooksService } from './service.ts';
import { registerRoutes } from './routes.ts';

export const webhooksModule: Module = {
  name: 'webhooks',
  async register(ctx) {
    ctx.services.webhooks = createWebhooksService(ctx);
    // Credentials still in a stored URL (before migration 0012) are sealed before any use.
    await ctx.services.webhooks.sealUrlCredentials();
    await ctx.services.webhooks.reload();
  },
  routes: registerRoutes,
  async stop(ctx) {
    // Before the database closes: in-flight attempts are recorded, queued deliveries stored.
    await ctx.services.webhooks.stop();
  },
};
