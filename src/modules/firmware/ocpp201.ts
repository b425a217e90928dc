// The firmware module's 2.0.1 handlers and translations: UpdateFirmware (L01-L03, signed or not,
// always with a requestId), FirmwareStatusNotification (with the requestId it belongs to) and
// LogStatusNotification (N01). The service is the 1.6 one: same records, routes and campaigns.
import type { AppContext } from '../../context.ts';
import type { CsmsToStation201 } from '../../protocol/ocpp201.ts';
import type { IntentTranslation } from '../stations/service.ts';
import type { LogUploadStatus } from './diagnostics.ts';

/** UpdateFirmware 2.0.1; the answer is its status (Accepted, Rejected, AcceptedCanceled, InvalidCertificate, RevokedCertificate). */
export function firmwareIntent201(payload: CsmsToStation201['UpdateFirmware']['req']): IntentTranslation<string> {
  return { action: 'UpdateFirmware', payload, result: (r: CsmsToStation201['UpdateFirmware']['res']) => r.status };
}

export function registerOcpp201(ctx: AppContext): void {
  const firmware = () => ctx.services.firmware;

  // Answered {} whatever happens to the record (the response has no fields): a failed write is
  // logged, and a CALLERROR would only make the station send it again.
  ctx.ocpp201.on('FirmwareStatusNotification', async (req, session) => {
    try {
      await firmware().updates.statusNotification201(session.stationId, req.status, req.requestId);
    } catch (err) {
      session.log.error({ err, stationId: session.stationId, status: req.status, requestId: req.requestId }, 'recording a FirmwareStatusNotification failed');
    }
    return {};
  });

  ctx.ocpp201.on('LogStatusNotification', async (req, session) => {
    try {
      const linked = await firmware().diagnostics.logStatusNotification(session.stationId, req.status as LogUploadStatus, req.requestId);
      if (!linked) session.log.info({ stationId: session.stationId, status: req.status, requestId: req.requestId ?? null }, 'LogStatusNotification for no GetLog request of ours: not stored');
    } catch (err) {
      session.log.error({ err, stationId: session.stationId, status: req.status, requestId: req.requestId }, 'recording a LogStatusNotification failed');
    }
    return {};
  });
}
