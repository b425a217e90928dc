// The device model's 2.0.1 handlers: NotifyReport (B07/B08), answered once its part is stored.
import type { AppContext } from '../../context.ts';

export function registerOcpp201(ctx: AppContext): void {
  ctx.ocpp201.on('NotifyReport', async (req, session) => {
    await ctx.services.deviceModel.notifyReport(session.stationId, req);
    return {};
  });
}
