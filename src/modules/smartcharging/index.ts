import type { AppContext, Module } from '../../context.ts';
import { createSmartChargingService } from './service.ts';
import { registerRoutes } from './routes.ts';

// Per app: a process may run several (tests do).
const subscriptions = new WeakMap<AppContext, () => void>();

export const smartChargingModule: Module = {
  name: 'smartcharging',
  register(ctx) {
    const service = createSmartChargingService(ctx);
    ctx.services.smartCharging = service;
    subscriptions.set(ctx, ctx.bus.subscribe((e) => service.handleEvent(e)));
  },
  routes: registerRoutes,
  async stop(ctx) {
    subscriptions.get(ctx)?.();
    subscriptions.delete(ctx);
    await ctx.services.smartCharging.whenIdle();
  },
};
