// "A CALLRESULT for StartTransaction, StopTransaction or MeterValues is sent only after its
// data is committed. A crash never loses what a charger was told was stored." (DESIGN.md)
//
// The real server runs as a child process (`node src/main.ts serve`); 20 chargers fire a burst
// of transactions at it and the process is SIGKILLed mid-burst, with no chance to flush or
// close anything. The database is then opened from this process: every answer a charger
// received must be backed by a stored row. Runs on SQLite, or on PostgreSQL with DATABASE_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedCharger } from '../../src/simulator/charger.ts';
import { isolatedDatabase, type IsolatedDatabase } from '../fixtures/database.ts';
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';

const CHARGERS = 20;
const TX_PER_CHARGER = 40;
const TOTAL = CHARGERS * TX_PER_CHARGER;
/** acknowledged answers after which the server is killed: well inside the burst */
const KILL_AFTER = 300;
const BASE_TIME = Date.parse('2025-06-01T08:00:00.000Z');
const REASONS = ['Local', 'Remote', 'EVDisconnected', 'PowerLoss'] as const;

function serverEnv(db: IsolatedDatabase): Record<string, string> {
  // Every idTag is Accepted and may run many transactions at once, so that all 800 are
  // ordinary sessions rather than refusals.
  return { ...db.env(), PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'true', PLUGBOARD_ALLOW_CONCURRENT_TX: 'true' };
}

async function startServer(t: { after(fn: () => unknown): void }, db: IsolatedDatabase): Promise<ServerProcess> {
  const server = await startServerProcess({ env: serverEnv(db) });
  t.after(() => server.kill('SIGKILL'));
  return server;
}

async function connectFleet(server: ServerProcess): Promise<SimulatedCharger[]> {
  return Promise.all(
    Array.from({ length: CHARGERS }, async (_, i) => {
      const cp = new SimulatedCharger({ url: server.ocppUrl, stationId: `DUR-${String(i).padStart(2, '0')}`, callTimeoutMs: 60_000 });
      await cp.connect();
      const boot = await cp.boot();
      assert.equal(boot.status, 'Accepted');
      return cp;
    }),
  );
}

interface StartSpec {
  stationId: string;
  connectorId: number;
  idTag: string;
  meterStart: number;
  timestamp: string;
}

/** The n-th session of a charger: a distinct start key (OCPP 1.6 §4.8 retries match on it). */
function startSpec(stationId: string, n: number): StartSpec {
  return {
    stationId,
    connectorId: (n % 4) + 1,
    idTag: `TAG-${n % 7}`,
    meterStart: 1_000_000 + n * 1000,
    timestamp: new Date(BASE_TIME + n * 60_000).toISOString(),
  };
}

interface StopSpec {
  transactionId: number;
  meterStop: number;
  timestamp: string;
  reason: (typeof REASONS)[number];
  /** a few stops carry their transaction's meter values (OCPP 1.6 §6.52 transactionData) */
  transactionData?: Array<{ timestamp: string; sampledValue: Array<{ value: string }> }>;
}

function stopSpec(start: StartSpec, transactionId: number, n: number): StopSpec {
  const spec: StopSpec = {
    transactionId,
    meterStop: start.meterStart + 500 + n,
    timestamp: new Date(Date.parse(start.timestamp) + 30 * 60_000).toISOString(),
    reason: REASONS[n % REASONS.length],
  };
  if (n % 5 === 0) spec.transactionData = [{ timestamp: start.timestamp, sampledValue: [{ value: String(start.meterStart) }] }];
  return spec;
}

function sendStart(cp: SimulatedCharger, s: StartSpec): Promise<{ transactionId: number; idTagInfo: { status: string } }> {
  return cp.startTransaction(s.connectorId, s.idTag, s.meterStart, s.timestamp);
}

function sendStop(cp: SimulatedCharger, s: StopSpec): Promise<unknown> {
  return cp.call('StopTransaction', s);
}

/**
 * Fires every request at once (each charger pipelines its share; the server handles a
 * charger's CALLs in order) and SIGKILLs the server as soon as killAfter answers came back.
 * Returns the indexes of the requests whose CALLRESULT arrived, with their payloads.
 */
async function burstAndKill<T>(server: ServerProcess, requests: Array<() => Promise<T>>, killAfter: number): Promise<Map<number, T>> {
  const acknowledged = new Map<number, T>();
  let killed = false;
  await Promise.allSettled(
    requests.map((send, i) =>
      send().then((payload) => {
        acknowledged.set(i, payload);
        if (!killed && acknowledged.size >= killAfter) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }),
    ),
  );
  const exit = await server.exited;
  assert.equal(exit.signal, 'SIGKILL', 'the server was killed, not stopped');
  return acknowledged;
}

test('SIGKILL during a burst of StartTransactions: every transactionId handed out exists', async (t) => {
  const db = await isolatedDatabase();
  t.after(() => db.drop());
  const server = await startServer(t, db);
  const chargers = await connectFleet(server);

  const specs: StartSpec[] = [];
  const requests: Array<() => Promise<{ transactionId: number; idTagInfo: { status: string } }>> = [];
  for (let n = 0; n < TX_PER_CHARGER; n++) {
    for (const cp of chargers) {
      const spec = startSpec(cp.stationId, n);
      specs.push(spec);
      requests.push(() => sendStart(cp, spec));
    }
  }
  const acked = await burstAndKill(server, requests, KILL_AFTER);
  assert.ok(acked.size >= KILL_AFTER, `${acked.size} acknowledged`);
  assert.ok(acked.size < TOTAL, `the kill came mid-burst (${acked.size} of ${TOTAL} acknowledged)`);

  const reopened = await db.open();
  t.after(() => reopened.close());
  const rows = await reopened.kysely.selectFrom('transactions').selectAll().execute();
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const ids = new Set<number>();
  for (const [i, answer] of acked) {
    const spec = specs[i];
    assert.equal(answer.idTagInfo.status, 'Accepted');
    assert.ok(!ids.has(answer.transactionId), `transactionId ${answer.transactionId} was handed out twice`);
    ids.add(answer.transactionId);
    const row = byId.get(answer.transactionId);
    assert.ok(row, `transaction ${answer.transactionId} (${spec.stationId} #${i}) was acknowledged but is not stored`);
    assert.equal(row.station_id, spec.stationId);
    assert.equal(row.connector_id, spec.connectorId);
    assert.equal(row.id_tag, spec.idTag);
    assert.equal(Number(row.meter_start), spec.meterStart);
    assert.equal(row.start_timestamp, spec.timestamp);
    // open, or closed by the next start on its connector (one open transaction per connector)
    if (row.stop_timestamp !== null) assert.equal(row.stop_reason, 'closed by new transaction on connector');
  }
});

test('SIGKILL during a burst of StopTransactions: every acknowledged stop is stored; after a restart the retries complete the rest exactly once', async (t) => {
  const db = await isolatedDatabase();
  t.after(() => db.drop());
  let server = await startServer(t, db);
  let chargers = await connectFleet(server);

  // Every charger starts its sessions first, all acknowledged (pipelined, no kill).
  const starts = chargers.flatMap((cp) => Array.from({ length: TX_PER_CHARGER }, (_, n) => ({ cp, spec: startSpec(cp.stationId, n), n })));
  const startAnswers = await Promise.all(starts.map(({ cp, spec }) => sendStart(cp, spec)));
  const stops = starts.map(({ cp, spec, n }, i) => ({ stationIndex: chargers.indexOf(cp), spec: stopSpec(spec, startAnswers[i].transactionId, n), start: spec }));
  assert.equal(new Set(stops.map((s) => s.spec.transactionId)).size, TOTAL, 'distinct transactionIds');

  // Interleave the chargers, as a real burst would: charger 0's first stop, charger 1's first, ...
  const order = [...stops.keys()].sort((a, b) => (a % TX_PER_CHARGER) - (b % TX_PER_CHARGER) || a - b);
  const acked = await burstAndKill(
    server,
    order.map((i) => () => sendStop(chargers[stops[i].stationIndex], stops[i].spec)),
    KILL_AFTER,
  );
  assert.ok(acked.size >= KILL_AFTER, `${acked.size} acknowledged`);
  assert.ok(acked.size < TOTAL, `the kill came mid-burst (${acked.size} of ${TOTAL} acknowledged)`);
  const ackedStops = [...acked.keys()].map((k) => stops[order[k]]);
  for (const answer of acked.values()) assert.deepEqual(answer, {}, 'StopTransaction.conf without idTag has no idTagInfo');

  {
    const reopened = await db.open();
    const rows = await reopened.kysely.selectFrom('transactions').selectAll().execute();
    await reopened.close();
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    for (const { spec } of ackedStops) {
      const row = byId.get(spec.transactionId);
      assert.ok(row, `transaction ${spec.transactionId} missing`);
      assert.equal(Number(row.meter_stop), spec.meterStop, `transaction ${spec.transactionId}: acknowledged stop lost`);
      assert.equal(row.stop_timestamp, spec.timestamp);
      assert.equal(row.stop_reason, spec.reason);
    }
    const stoppedInDb = rows.filter((r) => r.stop_timestamp !== null).length;
    assert.ok(stoppedInDb >= acked.size, `${stoppedInDb} stopped rows for ${acked.size} acknowledged stops`);
  }

  // OCPP 1.6 §4.10 / §3.1.4: the chargers keep every unacknowledged stop and resend it once
  // the central system is back. They resend the acknowledged ones too, as a charger that
  // lost its own state might: a retry must change nothing.
  server = await startServer(t, db);
  chargers = await connectFleet(server);
  const retried = await Promise.all(stops.map((s) => sendStop(chargers[s.stationIndex], s.spec)));
  for (const r of retried) assert.deepEqual(r, {});

  const reopened = await db.open();
  t.after(() => reopened.close());
  const rows = await reopened.kysely.selectFrom('transactions').selectAll().execute();
  assert.equal(rows.length, TOTAL);
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const { spec } of stops) {
    const row = byId.get(spec.transactionId)!;
    assert.equal(Number(row.meter_stop), spec.meterStop);
    assert.equal(row.stop_timestamp, spec.timestamp);
    assert.equal(row.stop_reason, spec.reason);
  }
  const orphans = await reopened.kysely.selectFrom('orphan_stops').selectAll().execute();
  assert.equal(orphans.length, 0, 'no stop was mistaken for an unknown transaction');
  // transactionData is stored once per transaction, however often its stop was sent.
  const stopValues = await reopened.kysely.selectFrom('meter_values').select(['transaction_id']).where('source', '=', 'StopTransaction').execute();
  const withData = stops.filter((s) => s.spec.transactionData).length;
  assert.equal(stopValues.length, withData);
  assert.equal(new Set(stopValues.map((v) => Number(v.transaction_id))).size, withData);

  await server.kill('SIGTERM');
});

test('SIGKILL during a burst of MeterValues: every acknowledged sample is stored, with its transaction', async (t) => {
  const db = await isolatedDatabase();
  t.after(() => db.drop());
  const server = await startServer(t, db);
  const chargers = await connectFleet(server);
  const txIds = await Promise.all(chargers.map(async (cp) => (await sendStart(cp, startSpec(cp.stationId, 0))).transactionId));

  // Besides the energy register, each MeterValues carries a power sample whose value names it
  // (charger index * 1e6 + n), so a stored row proves which request landed.
  const sent: Array<{ charger: number; value: string }> = [];
  const requests: Array<() => Promise<unknown>> = [];
  for (let n = 0; n < TX_PER_CHARGER; n++) {
    chargers.forEach((cp, c) => {
      const value = String(c * 1_000_000 + n);
      sent.push({ charger: c, value });
      const sampledValue = [
        { value: String(1_000_000 + n), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
        { value, measurand: 'Power.Active.Import', unit: 'W' },
      ];
      const payload = { connectorId: 1, transactionId: txIds[c], meterValue: [{ timestamp: new Date(BASE_TIME + n * 1000).toISOString(), sampledValue }] };
      requests.push(() => cp.call('MeterValues', payload));
    });
  }
  const acked = await burstAndKill(server, requests, KILL_AFTER);
  assert.ok(acked.size >= KILL_AFTER, `${acked.size} acknowledged`);
  assert.ok(acked.size < TOTAL, `the kill came mid-burst (${acked.size} of ${TOTAL} acknowledged)`);

  const reopened = await db.open();
  t.after(() => reopened.close());
  const rows = await reopened.kysely
    .selectFrom('meter_values')
    .select(['station_id', 'value', 'transaction_id'])
    .where('measurand', '=', 'Power.Active.Import')
    .execute();
  const stored = new Set(rows.map((r) => `${r.station_id}|${r.value}|${Number(r.transaction_id)}`));
  for (const i of acked.keys()) {
    const { charger, value } = sent[i];
    const stationId = chargers[charger].stationId;
    assert.ok(stored.has(`${stationId}|${value}|${txIds[charger]}`), `MeterValues ${stationId} value ${value} was acknowledged but is not stored`);
  }
  assert.ok(rows.length >= acked.size);
});
