// `plugboard simulate`: one simulated charger runs a whole charging session against a running
// Plugboard and prints what it was told, so an installer can check a setup end to end.
import type WebSocket from 'ws';
import { SimulatedCharger } from './charger.ts';

export async function runSimulation(opts: { url: string; stationId: string; password?: string; idTag: string; wsOptions?: WebSocket.ClientOptions }): Promise<number> {
  const cp = new SimulatedCharger({ url: opts.url, stationId: opts.stationId, password: opts.password, wsOptions: opts.wsOptions });
  const step = (what: string, result: unknown) => console.log(`${what.padEnd(22)} ${JSON.stringify(result)}`);
  try {
    await cp.connect();
    step('connected', { protocol: cp.protocol });
    const boot = await cp.boot({ chargePointSerialNumber: opts.stationId });
    step('BootNotification', boot);
    if (boot.status !== 'Accepted') {
      console.log(`the central system answered ${boot.status}: accept the station (plugboard stations accept ${opts.stationId}) and run again`);
      return 1;
    }
    step('StatusNotification', await cp.status(1, 'Available'));
    step('Authorize', await cp.authorize(opts.idTag));
    step('StatusNotification', await cp.status(1, 'Preparing'));
    const start = await cp.startTransaction(1, opts.idTag, 1000);
    step('StartTransaction', start);
    step('MeterValues', await cp.meterValues(1, start.transactionId, 1500));
    step('StopTransaction', await cp.stopTransaction(start.transactionId, 2000, { idTag: opts.idTag, reason: 'Local' }));
    step('StatusNotification', await cp.status(1, 'Available'));
    return 0;
  } catch (err) {
    console.error(`simulation failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await cp.close();
  }
}
