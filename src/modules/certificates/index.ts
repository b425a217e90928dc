import type { Module } from '../../context.ts';
import { createCertificatesService } from './service.ts';

export const certificatesModule: Module = {
  name: 'certificates',
  register(ctx) {
    ctx.services.certificates = createCertificatesService(ctx);
  },
};
