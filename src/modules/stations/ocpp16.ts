// OCPP 1.6 handlers of the stations module: translate payload -> service call -> response.
import type { AppContext } from '../../context.ts';

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
