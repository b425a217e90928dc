import type { Module } from '../../context.ts';
import { createDeviceModelService } from './service.ts';
import { registerOcpp201 } from './ocpp201.ts';
import { registerRoutes } from './routes.ts';

export const deviceModelModule: Module = {
  name: 'devicemodel',
  register(ctx) {
    ctx.services.deviceModel = createDeviceModelService(ctx);
    registerOcpp201(ctx);
  },
  routes: registerRoutes,
};
