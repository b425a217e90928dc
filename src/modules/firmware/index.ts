import type { Module } from '../../context.ts';
import { createFirmwareService } from './service.ts';
import { registerOcpp16 } from './ocpp16.ts';
import { registerOcpp201 } from './ocpp201.ts';
import { registerRoutes } from './routes.ts';

export const firmwareModule: Module = {
  name: 'firmware',
  register(ctx) {
    ctx.services.firmware = createFirmwareService(ctx);
    registerOcpp16(ctx);
    registerOcpp201(ctx);
  },
  routes: registerRoutes,
  stop(ctx) {
    return ctx.services.firmware.stop();
  },
};
