// OCPP 2.0.1 handlers of the stations module: translate payload -> the same service calls as 1.6 -> response.
import type { AppContext } from '../../context.ts';
import type { IntentTranslation } from './service.ts';
import type { AvailabilityIntent, ResetIntent, UnlockIntent } from './intents.ts';

export function registerOcpp201(ctx: AppContext): void {
  const stations = () => ctx.services.stations;

  // The registration rules (Accepted/Pending/Rejected and the interval) are the service's, as for 1.6.
  ctx.ocpp201.on('BootNotification', (req, session) => {
    const cs = req.chargingStation;
    return stations().boot(session.stationId, {
      chargePointVendor: cs.vendorName,
      chargePointModel: cs.model,
      chargePointSerialNumber: cs.serialNumber,
      firmwareVersion: cs.firmwareVersion,
      iccid: cs.modem?.iccid,
      imsi: cs.modem?.imsi,
      reason: req.reason,
    });
  });

  ctx.ocpp201.on('Heartbeat', (_req, session) => stations().heartbeat(session.stationId));

  // A 2.0.1 EVSE n with connector c is stored where a 1.6 connector n is (ADR 0014: 1.6 connector n = EVSE n, connector 1).
  ctx.ocpp201.on('StatusNotification', async (req, session) => {
    await stations().statusNotification(session.stationId, {
      connectorId: req.evseId,
      status: req.connectorStatus,
      errorCode: 'NoError',
      timestamp: req.timestamp,
    });
    return {};
  });
}

// Intent translations (ADR 0014): Plugboard's terms -> 2.0.1 payloads, answers read back.
export const intents201 = {
  reset: (i: ResetIntent): IntentTranslation<{ status: string }> => ({
    action: 'Reset',
    payload: { type: i.when === 'idle' ? 'OnIdle' : 'Immediate', ...(i.evseId ? { evseId: i.evseId } : {}) },
    result: (r: { status: string }) => ({ status: r.status }),
  }),
  changeAvailability: (i: AvailabilityIntent): IntentTranslation<{ status: string }> => ({
    action: 'ChangeAvailability',
    payload: {
      operationalStatus: i.operative ? 'Operative' : 'Inoperative',
      ...(i.evseId ? { evse: { id: i.evseId, ...(i.connectorId !== undefined ? { connectorId: i.connectorId } : {}) } } : {}),
    },
    result: (r: { status: string }) => ({ status: r.status }),
  }),
  unlock: (i: UnlockIntent): IntentTranslation<{ status: string }> => ({
    action: 'UnlockConnector',
    payload: { evseId: i.evseId, connectorId: i.connectorId ?? 1 },
    result: (r: { status: string }) => ({ status: r.status }),
  }),
};
