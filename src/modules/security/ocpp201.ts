// The security module's 2.0.1 handlers: SecurityEventNotification (A04), recorded through the
// same service, store and bus event as 1.6, with 2.0.1's critical list.
import type { AppContext } from '../../context.ts';
import { isCriticalSecurityEvent201 } from './critical.ts';

export function registerOcpp201(ctx: AppContext): void {
  // Answered {} once the event is committed (A04.FR.03); a failed write is a CALLERROR, so the
  // station keeps the event and sends it again.
  ctx.ocpp201.on('SecurityEventNotification', async (req, session) => {
    await ctx.services.security.record({
      stationId: session.stationId,
      type: req.type,
      source: 'station',
      at: req.timestamp,
      ...(req.techInfo === undefined ? {} : { techInfo: req.techInfo }),
      critical: isCriticalSecurityEvent201(req.type),
    });
    return {};
  });
}
