import type { AppContext } from '../../context.ts';

export function registerOcpp16(ctx: AppContext): void {
  ctx.ocpp16.on('Authorize', async (req, session) => ({
    idTagInfo: await ctx.services.authorization.authorize(req.idTag, { checkConcurrency: true, presentedBy: session.stationId }),
  }));
}
