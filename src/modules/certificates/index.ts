import type { AppContext, Module } from '../../context.ts';
import { createCertificatesService } from './service.ts';
import { registerOcpp16 } from './ocpp16.ts';
import { registerRoutes } from './routes.ts';

const unobserve = new WeakMap<AppContext, () => void>();

export const certificatesModule: Module = {
  name: 'certificates',
  async register(ctx) {
    ctx.services.certificates = createCertificatesService(ctx);
    // stations registers first (app.ts): its sendCommand is the one path commands take.
    unobserve.set(ctx, registerOcpp16(ctx));
    await ctx.services.certificates.start();
  },
  routes: registerRoutes,
  async stop(ctx) {
    unobserve.get(ctx)?.();
    unobserve.delete(ctx);
    await ctx.services.certificates.stop();
  },
};
