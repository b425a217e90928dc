import type { AppContext } from '../../context.ts';

export function registerOcpp16(ctx: AppContext): void {
  ctx.ocpp16.on('Authorize', async (req) => ({
    idTagInfo: await ctx.services.authorization.authorize(req.idTag, { checkConcurrency: true }),
  }));
}
