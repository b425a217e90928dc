import type { AppContext } from '../../context.ts';

export function registerOcpp16(ctx: AppContext): void {
  const firmware = () => ctx.services.firmware;

  // Both notifications are answered {} whatever happens to the record (§6.23, §6.27: the
  // .conf has no fields, so there is nothing to refuse): a failed write is logged, and a
  // CALLERROR would only make the charger send it again.
  ctx.ocpp16.on('FirmwareStatusNotification', async (req, session) => {
    try {
      await firmware().updates.statusNotification(session.stationId, req.status);
    } catch (err) {
      session.log.error({ err, stationId: session.stationId, status: req.status }, 'recording a FirmwareStatusNotification failed');
    }
    return {};
  });

  // Security Whitepaper: the signed update's progress, with the requestId of SignedUpdateFirmware.
  ctx.ocpp16.on('SignedFirmwareStatusNotification', async (req, session) => {
    try {
      await firmware().updates.signedStatusNotification(session.stationId, req.status, req.requestId);
    } catch (err) {
      session.log.error({ err, stationId: session.stationId, status: req.status, requestId: req.requestId }, 'recording a SignedFirmwareStatusNotification failed');
    }
    return {};
  });

  ctx.ocpp16.on('LogStatusNotification', async (req, session) => {
    try {
      const linked = await firmware().diagnostics.logStatusNotification(session.stationId, req.status, req.requestId);
      if (!linked) session.log.info({ stationId: session.stationId, status: req.status, requestId: req.requestId ?? null }, 'LogStatusNotification for no GetLog request of ours: not stored');
    } catch (err) {
      session.log.error({ err, stationId: session.stationId, status: req.status, requestId: req.requestId }, 'recording a LogStatusNotification failed');
    }
    return {};
  });

  ctx.ocpp16.on('DiagnosticsStatusNotification', async (req, session) => {
    try {
      await firmware().diagnostics.statusNotification(session.stationId, req.status);
    } catch (err) {
      session.log.error({ err, stationId: session.stationId, status: req.status }, 'recording a DiagnosticsStatusNotification failed');
    }
    return {};
  });
}
