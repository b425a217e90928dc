import type { AppContext, Module } from '../../context.ts';
import { createSmartChargingService } from './service.ts';
import { registerRoutes } from './routes.ts';
import { registerOcpp201 } from './ocpp201.ts';

// Per app: a process may run several (tests do).
const subscriptions = new WeakMap<AppContext, () => void>();

export const smartChargingModule: Module = {
  name: 'smartcharging',
  register(ctx) {
    const service = createSmartChargingService(ctx);
    ctx.services.smartCharging = service;
    registerOcpp201(ctx);
    const unsubscribe = ctx.bus.subscribe((e) => service.handleEvent(e));
    // stations registers first (app.ts): its sendCommand is the one path commands take.
    const unobserve = service.observeCommands(ctx.services.stations);
    subscriptions.set(ctx, () => {
      unsubscribe();
      unobserve();
    });
  },
  routes: registerRoutes,
  async stop(ctx) {
    subscriptions.get(ctx)?.();
    subscriptions.delete(ctx);
    await ctx.services.smartCharging.whenIdle();
  },
};
