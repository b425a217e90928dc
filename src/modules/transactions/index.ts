import type { Module } from '../../context.ts';
import { createTransactionsService } from './service.ts';
import { registerOcpp16 } from './ocpp16.ts';
import { registerOcpp201 } from './ocpp201.ts';
import { registerRoutes } from './routes.ts';

export const transactionsModule: Module = {
  name: 'transactions',
  register(ctx) {
    ctx.services.transactions = createTransactionsService(ctx);
    registerOcpp16(ctx);
    registerOcpp201(ctx);
  },
  routes: registerRoutes,
};
