// Many simulated chargers at once, opened with bounded concurrency so that the client side
// does not turn the benchmark into a SYN flood of its own.
import { SimulatedCharger } from '../../src/simulator/charger.ts';

export interface FleetOptions {
  url: string;
  count: number;
  prefix: string;
  /** connects in flight at once */
  concurrency?: number;
  /** send a BootNotification right after connecting */
  boot?: boolean;
  callTimeoutMs?: number;
}

export async function openFleet(opts: FleetOptions): Promise<SimulatedCharger[]> {
  const chargers: SimulatedCharger[] = new Array(opts.count);
  let next = 0;
  const worker = async () => {
    while (next < opts.count) {
      const i = next++;
      const cp = new SimulatedCharger({ url: opts.url, stationId: `${opts.prefix}${String(i).padStart(6, '0')}`, callTimeoutMs: opts.callTimeoutMs ?? 60_000 });
      await cp.connect();
      if (opts.boot !== false) {
        const boot = await cp.boot();
        if (boot.status !== 'Accepted') throw new Error(`${cp.stationId}: BootNotification ${boot.status}`);
      }
      chargers[i] = cp;
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 100, opts.count) }, worker));
  return chargers;
}

export async function closeFleet(chargers: SimulatedCharger[]): Promise<void> {
  // terminate(), not a close handshake: the server is usually about to be stopped anyway.
  for (const cp of chargers) cp?.ws?.terminate();
}
