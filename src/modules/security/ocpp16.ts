import type { AppContext } from '../../context.ts';
import { isCriticalSecurityEvent16 } from './critical.ts';

export function registerOcpp16(ctx: AppContext): void {
  // SecurityEventNotification (Security Whitepaper §3.4): answered {} once the event is
  // committed. A failed write is a CALLERROR, so the station keeps the event and sends it again
  // (it queues security events until they are confirmed).
  ctx.ocpp16.on('SecurityEventNotification', async (req, session) => {
    await ctx.services.security.record({
      stationId: session.stationId,
      type: req.type,
      source: 'station',
      at: req.timestamp,
      ...(req.techInfo === undefined ? {} : { techInfo: req.techInfo }),
      critical: isCriticalSecurityEvent16(req.type),
    });
    return {};
  });
}
