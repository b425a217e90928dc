// Shared by the simulator suites: a fleet against a test app that is stopped with the test,
// and the database reads an operator would make.
import type { TestContext } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { createFleet, type Fleet, type FleetOptions } from '../../src/simulator/fleet.ts';
import type { SimEvent } from '../../src/simulator/types.ts';

/** Fast timings for tests: short sessions, 1 s samples, quick reboots and reconnects. */
export const FAST: Partial<FleetOptions> = {
  sampleIntervalSeconds: 1,
  sessionSeconds: { min: 1.5, max: 2.5 },
  pauseSeconds: { min: 0.2, max: 0.8 },
  rampPerSecond: 0,
  rebootDelayMs: 200,
  reconnectDelayMs: { min: 100, max: 1000 },
  // The charger's own CALLs wait 60 s, as everywhere in the tests: CI on PostgreSQL, on a machine
  // busy with other work, saw StatusNotification and StartTransaction answers take over 10 s and
  // the fleet count them as errors (and the sessions they belonged to go missing).
  callTimeoutMs: 60_000,
};

export interface TestFleet extends Fleet {
  events: SimEvent[];
}

export function testFleet(t: TestContext, app: TestApp, opts: Partial<FleetOptions> = {}): TestFleet {
  const events: SimEvent[] = [];
  const fleet = createFleet({ url: app.ocppUrl(), ...FAST, ...opts, onEvent: (e) => events.push(e) });
  t.after(() => fleet.stop({ endTransactions: false, timeoutMs: 1000 }));
  return Object.assign(fleet, { events });
}

export function transactions(app: TestApp, stationId?: string) {
  let q = app.ctx.db.kysely.selectFrom('transactions').selectAll();
  if (stationId) q = q.where('station_id', '=', stationId);
  return q.orderBy('id').execute();
}

export function meterValues(app: TestApp, transactionId: number) {
  return app.ctx.db.kysely.selectFrom('meter_values').selectAll().where('transaction_id', '=', transactionId).orderBy('id').execute();
}

/** The frames a station sent (direction in) or was sent, oldest first; CALLs only unless `all`. */
export async function frames(app: TestApp, stationId: string, opts: { direction?: 'in' | 'out'; action?: string; all?: boolean } = {}) {
  let q = app.ctx.db.kysely.selectFrom('message_log').selectAll().where('station_id', '=', stationId);
  if (opts.direction) q = q.where('direction', '=', opts.direction);
  if (opts.action) q = q.where('action', '=', opts.action);
  if (!opts.all) q = q.where('message_type', '=', 2);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.frame)[3] as any }));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
