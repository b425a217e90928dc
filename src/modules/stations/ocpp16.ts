// OCPP 1.6 handlers of the stations module: translate payload -> service call -> response.
import type { AppContext } from '../../context.ts';
import type { IntentTranslation } from './service.ts';
import type { AvailabilityIntent, ResetIntent, UnlockIntent } from './intents.ts';

export function registerOcpp16(ctx: AppContext): void {
  const stations = () => ctx.services.stations;

  ctx.ocpp16.on('BootNotification', (req, session) => stations().boot(session.stationId, req));

  ctx.ocpp16.on('Heartbeat', (_req, session) => stations().heartbeat(session.stationId));

  ctx.ocpp16.on('StatusNotification', async (req, session) => {
    await stations().statusNotification(session.stationId, req);
    return {};
  });

  ctx.ocpp16.on('DataTransfer', (req, session) => stations().dataTransfer(session.stationId, req));
}

// Intent translations (ADR 0014): Plugboard's terms -> 1.6 payloads, answers read back.
export const intents16 = {
  reset: (i: ResetIntent): IntentTranslation<{ status: string }> => ({
    action: 'Reset',
    payload: { type: i.when === 'idle' ? 'Soft' : 'Hard' },
    result: (r: { status: string }) => ({ status: r.status }),
  }),
  changeAvailability: (i: AvailabilityIntent): IntentTranslation<{ status: string }> => ({
    action: 'ChangeAvailability',
    payload: { connectorId: i.evseId ?? 0, type: i.operative ? 'Operative' : 'Inoperative' },
    result: (r: { status: string }) => ({ status: r.status }),
  }),
  unlock: (i: UnlockIntent): IntentTranslation<{ status: string }> => ({
    action: 'UnlockConnector',
    payload: { connectorId: i.evseId },
    result: (r: { status: string }) => ({ status: r.status }),
  }),
};
