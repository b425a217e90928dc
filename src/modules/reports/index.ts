import type { Module } from '../../context.ts';
import { registerRoutes } from './routes.ts';

/** Exports built from the other modules' services; it owns no tables. */
export const reportsModule: Module = {
  name: 'reports',
  register() {},
  routes: registerRoutes,
};
