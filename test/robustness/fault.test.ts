// The central system dies under load and comes back (DESIGN.md: "a crash never loses what a
// charger was told was stored"; "a charger that reconnects replaces its old connection
// cleanly"). The real server runs as a child process (`node src/main.ts serve`); 50 stations
// run charging sessions with meter values against it as fast as it answers, and it is
// SIGKILLed in the middle. Then:
//   - every BootNotification, StatusNotification, StartTransaction, MeterValues and
//     StopTransaction a station got a CALLRESULT for is in the database, read before restarting;
//   - the server restarts on the same database and port, the stations reconnect on their own,
//     resend the transaction message that was in flight (OCPP 1.6 §4.10: transaction-related
//     messages are delivered, in order, once the central system is back), stop the session
//     that was running, and complete a new one;
//   - no transaction is left open, none was created twice, no stop was mistaken for an orphan.
// Runs on SQLite, or on PostgreSQL when DATABASE_URL is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedCharger } from '../../src/simulator/charger.ts';
import { isolatedDatabase, type IsolatedDatabase } from '../fixtures/database.ts';
import { freePort } from '../fixtures/free-port.ts';
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import type { Db } from '../../src/db/index.ts';

const STATIONS = 50;
const SAMPLES_PER_SESSION = 4;
/** acknowledged messages (of every kind) after which the server is killed */
const KILL_AFTER = 1_500;
const RECONNECT_DEADLINE_MS = 60_000;

const iso = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StartSpec {
  connectorId: number;
  idTag: string;
  meterStart: number;
  timestamp: string;
}

interface StopSpec {
  transactionId: number;
  meterStop: number;
  timestamp: string;
  reason: 'Local' | 'PowerLoss';
  idTag: string;
}

interface Sample {
  transactionId: number;
  /** the Power.Active.Import value, unique across the fleet: it names the MeterValues request */
  marker: string;
  energyWh: number;
  timestamp: string;
}

/** A transaction-related message (OCPP 1.6 §4.10): kept until acknowledged, resent after a reconnect. */
type TxMessage = { kind: 'start'; spec: StartSpec } | { kind: 'meter'; sample: Sample } | { kind: 'stop'; spec: StopSpec };

class Offline extends Error {}

/**
 * A station that keeps a journal of what the central system acknowledged, and a queue of the
 * transaction message it had in flight when the connection died, as a charger must.
 */
class Station {
  readonly stationId: string;
  readonly index: number;
  readonly idTag: string;
  cp: SimulatedCharger | null = null;
  readonly acked = {
    boots: 0,
    statuses: [] as Array<{ connectorId: number; status: string; info: string }>,
    starts: [] as Array<{ spec: StartSpec; transactionId: number }>,
    samples: [] as Sample[],
    stops: [] as StopSpec[],
  };
  /** unacknowledged transaction messages, oldest first */
  readonly queue: TxMessage[] = [];
  open: { transactionId: number } | null = null;
  /** a transaction message is sent and its answer has not come yet */
  txInFlight = false;
  #meterWh: number;
  #seq = 0;

  constructor(index: number) {
    this.index = index;
    this.stationId = `FAULT-${String(index).padStart(2, '0')}`;
    this.idTag = `FT-${index}`;
    this.#meterWh = 1_000_000 * (index + 1);
  }

  async connect(url: string): Promise<void> {
    this.cp = new SimulatedCharger({ url, stationId: this.stationId, callTimeoutMs: 30_000 });
    await this.cp.connect();
    const boot = await this.cp.boot({ chargePointSerialNumber: `SN-${this.stationId}` });
    assert.equal(boot.status, 'Accepted', `${this.stationId} boot`);
    this.acked.boots++;
  }

  /** Retries until the central system is back, the way a charger does after losing it. */
  async reconnect(url: string): Promise<number> {
    const deadline = Date.now() + RECONNECT_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connect(url);
        return attempt;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`${this.stationId} could not reconnect: ${(err as Error).message}`, { cause: err });
        await sleep(100 + ((this.index * 37 + attempt * 11) % 150));
      }
    }
  }

  async #call(action: string, payload: unknown): Promise<any> {
    try {
      return await this.cp!.call(action, payload);
    } catch (err) {
      if (err instanceof Error && /connection closed|not connected|timed out/.test(err.message)) throw new Offline(err.message);
      throw err;
    }
  }

  async status(connectorId: number, status: string): Promise<void> {
    const info = `${this.stationId}#${++this.#seq}`;
    await this.#call('StatusNotification', { connectorId, status, errorCode: 'NoError', timestamp: iso(), info });
    this.acked.statuses.push({ connectorId, status, info });
  }

  /** Sends a transaction message; if the connection dies first, it stays queued for the resend. */
  async send(msg: TxMessage): Promise<void> {
    let answer: any;
    this.txInFlight = true;
    try {
      if (msg.kind === 'start') answer = await this.#call('StartTransaction', msg.spec);
      else if (msg.kind === 'stop') answer = await this.#call('StopTransaction', msg.spec);
      else answer = await this.#call('MeterValues', meterValuesPayload(msg.sample));
    } catch (err) {
      if (err instanceof Offline) this.queue.push(msg);
      throw err;
    } finally {
      this.txInFlight = false;
    }
    if (msg.kind === 'start') {
      assert.equal(answer.idTagInfo.status, 'Accepted', `${this.stationId} start: ${JSON.stringify(answer)}`);
      this.acked.starts.push({ spec: msg.spec, transactionId: answer.transactionId });
      this.open = { transactionId: answer.transactionId };
    } else if (msg.kind === 'stop') {
      assert.deepEqual(answer, { idTagInfo: { status: 'Accepted' } }, `${this.stationId} stop`);
      this.acked.stops.push(msg.spec);
      if (this.open?.transactionId === msg.spec.transactionId) this.open = null;
    } else {
      assert.deepEqual(answer, {});
      this.acked.samples.push(msg.sample);
    }
  }

  sample(transactionId: number): Sample {
    this.#meterWh += 125;
    return { transactionId, marker: String(this.index * 1_000_000 + ++this.#seq), energyWh: this.#meterWh, timestamp: iso() };
  }

  stopSpec(transactionId: number, reason: StopSpec['reason']): StopSpec {
    this.#meterWh += 10;
    return { transactionId, meterStop: this.#meterWh, timestamp: iso(), reason, idTag: this.idTag };
  }

  /** One charging session: Preparing, Start, Charging, meter values, Stop, Finishing, Available. */
  async session(samples = SAMPLES_PER_SESSION): Promise<void> {
    await this.status(1, 'Preparing');
    await this.send({ kind: 'start', spec: { connectorId: 1, idTag: this.idTag, meterStart: this.#meterWh, timestamp: iso() } });
    const transactionId = this.open!.transactionId;
    await this.status(1, 'Charging');
    for (let i = 0; i < samples; i++) await this.send({ kind: 'meter', sample: this.sample(transactionId) });
    await this.send({ kind: 'stop', spec: this.stopSpec(transactionId, 'Local') });
    await this.status(1, 'Finishing');
    await this.status(1, 'Available');
  }

  /** Sessions until the connection dies; returns why it stopped. */
  async runUntilOffline(): Promise<string> {
    await sleep(this.index % 25);
    try {
      for (;;) await this.session();
    } catch (err) {
      if (err instanceof Offline) return err.message;
      throw err;
    }
  }

  /**
   * After reconnecting: the queued message goes first (a retried StartTransaction gets its
   * transactionId, possibly of a row the crash already committed), then the session that was
   * running is stopped, then a new session runs start to finish.
   */
  async resume(): Promise<void> {
    while (this.queue.length > 0) {
      const msg = this.queue.shift()!;
      await this.send(msg);
    }
    if (this.open) await this.send({ kind: 'stop', spec: this.stopSpec(this.open.transactionId, 'PowerLoss') });
    await this.status(1, 'Available');
    await this.session(2);
  }
}

function meterValuesPayload(s: Sample) {
  return {
    connectorId: 1,
    transactionId: s.transactionId,
    meterValue: [
      {
        timestamp: s.timestamp,
        sampledValue: [
          { value: String(s.energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
          { value: s.marker, measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
        ],
      },
    ],
  };
}

const acknowledged = (stations: Station[]) =>
  stations.reduce((n, s) => n + s.acked.boots + s.acked.statuses.length + s.acked.starts.length + s.acked.samples.length + s.acked.stops.length, 0);

/** Every acknowledged message of every station is in the database. */
async function assertAcknowledgedStored(db: Db, stations: Station[], when: string): Promise<void> {
  const k = db.kysely;
  const ids = stations.map((s) => s.stationId);
  const stationRows = await k.selectFrom('stations').select(['id', 'charge_point_serial', 'last_boot_at']).where('id', 'in', ids).execute();
  const txRows = await k.selectFrom('transactions').selectAll().where('station_id', 'in', ids).execute();
  const history = await k.selectFrom('status_history').select(['station_id', 'connector_id', 'status', 'info']).where('station_id', 'in', ids).execute();
  const samples = await k
    .selectFrom('meter_values')
    .select(['station_id', 'value', 'transaction_id'])
    .where('station_id', 'in', ids)
    .where('measurand', '=', 'Power.Active.Import')
    .execute();

  const stationById = new Map(stationRows.map((r) => [r.id, r]));
  const txById = new Map(txRows.map((r) => [Number(r.id), r]));
  const statusKeys = new Set(history.map((h) => `${h.station_id}|${h.connector_id}|${h.status}|${h.info}`));
  const sampleKeys = new Set(samples.map((v) => `${v.station_id}|${v.value}|${Number(v.transaction_id)}`));
  const missing: string[] = [];
  for (const s of stations) {
    const station = stationById.get(s.stationId);
    if (s.acked.boots > 0 && (station?.charge_point_serial !== `SN-${s.stationId}` || !station?.last_boot_at)) missing.push(`${s.stationId}: BootNotification`);
    for (const st of s.acked.statuses) {
      if (!statusKeys.has(`${s.stationId}|${st.connectorId}|${st.status}|${st.info}`)) missing.push(`${s.stationId}: StatusNotification ${st.status} ${st.info}`);
    }
    for (const { spec, transactionId } of s.acked.starts) {
      const row = txById.get(transactionId);
      if (!row) missing.push(`${s.stationId}: StartTransaction -> ${transactionId} (no row)`);
      else {
        assert.deepEqual(
          [row.station_id, row.connector_id, row.id_tag, Number(row.meter_start), row.start_timestamp],
          [s.stationId, spec.connectorId, spec.idTag, spec.meterStart, spec.timestamp],
          `${when}: transaction ${transactionId} as started`,
        );
      }
    }
    for (const sample of s.acked.samples) {
      if (!sampleKeys.has(`${s.stationId}|${sample.marker}|${sample.transactionId}`)) missing.push(`${s.stationId}: MeterValues ${sample.marker} of transaction ${sample.transactionId}`);
    }
    for (const stop of s.acked.stops) {
      const row = txById.get(stop.transactionId);
      if (!row || row.stop_timestamp === null) missing.push(`${s.stationId}: StopTransaction of ${stop.transactionId}`);
      else {
        assert.deepEqual(
          [Number(row.meter_stop), row.stop_timestamp, row.stop_reason],
          [stop.meterStop, stop.timestamp, stop.reason],
          `${when}: transaction ${stop.transactionId} as stopped`,
        );
      }
    }
  }
  assert.deepEqual(missing.slice(0, 20), [], `${when}: ${missing.length} acknowledged messages are not in the database`);
}

async function startServer(t: { after(fn: () => unknown): void }, db: IsolatedDatabase, ocppPort: number): Promise<ServerProcess> {
  // Chargers come back to the address they know: the same OCPP port after the restart.
  // Every idTag is Accepted (free-charging mode), so each session is an ordinary one.
  const server = await startServerProcess({
    env: { ...db.env(), PLUGBOARD_OCPP_PORT: String(ocppPort), PLUGBOARD_LOG_LEVEL: 'warn', PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'true' },
  });
  t.after(() => server.kill('SIGKILL'));
  return server;
}

test(`fault: SIGKILL under load from ${STATIONS} stations; acknowledged messages survive, stations reconnect and resume, no transaction is stuck`, async (t) => {
  const db = await isolatedDatabase();
  t.after(() => db.drop());
  const ocppPort = await freePort();
  const url = `ws://127.0.0.1:${ocppPort}/ocpp`;
  const first = await startServer(t, db, ocppPort);
  t.diagnostic(`backend: ${db.backend}`);

  const stations = Array.from({ length: STATIONS }, (_, i) => new Station(i));
  await Promise.all(stations.map((s) => s.connect(url)));
  for (const s of stations) await s.status(0, 'Available');

  // Load until KILL_AFTER acknowledgements and transaction messages in flight, then SIGKILL: no
  // flush, no close handshake. Waiting for messages in flight, not only for a count: on a loaded
  // machine the group commit batches one message of every station, the stations move in step,
  // and the count alone can fall where all of them wait for a StatusNotification answer.
  let killed = false;
  const watchdog = setInterval(() => {
    if (!killed && acknowledged(stations) >= KILL_AFTER && stations.filter((s) => s.txInFlight).length >= 5) {
      killed = true;
      first.child.kill('SIGKILL');
    }
  }, 2);
  const stopReasons = await Promise.all(stations.map((s) => s.runUntilOffline()));
  clearInterval(watchdog);
  const exit = await first.exited;
  assert.equal(exit.signal, 'SIGKILL', 'the server was killed, not stopped');
  assert.ok(stopReasons.every((r) => /closed|not connected/.test(r)), `stations went offline because the server vanished: ${[...new Set(stopReasons)].join('; ')}`);
  const ackedAtKill = acknowledged(stations);
  const inFlight = stations.filter((s) => s.queue.length > 0).length;
  const midSession = stations.filter((s) => s.open !== null || s.queue.length > 0).length;
  const queued = stations.flatMap((s) => s.queue.map((m) => m.kind));
  t.diagnostic(
    `killed after ${ackedAtKill} acknowledged messages; ${midSession} stations were mid-session, ${inFlight} had a transaction message in flight ` +
      `(${['start', 'meter', 'stop'].map((kind) => `${queued.filter((q) => q === kind).length} ${kind}`).join(', ')})`,
  );
  assert.ok(inFlight > 0 && midSession > 0, 'the kill came in the middle of sessions');

  // The stations start knocking at once, while the server is still down.
  const reconnects = stations.map((s) => s.reconnect(url));

  {
    const reopened = await db.open();
    try {
      await assertAcknowledgedStored(reopened, stations, 'right after the kill');
    } finally {
      await reopened.close();
    }
  }

  const second = await startServer(t, db, ocppPort);
  const attempts = await Promise.all(reconnects);
  t.diagnostic(`stations reconnected after ${Math.min(...attempts)}-${Math.max(...attempts)} attempts`);
  await Promise.all(stations.map((s) => s.resume()));
  const finalExit = await second.kill('SIGTERM');
  assert.equal(finalExit.code, 0, `clean shutdown:\n${second.recentLogs().slice(-20).join('\n')}`);

  const reopened = await db.open();
  t.after(() => reopened.close());
  await assertAcknowledgedStored(reopened, stations, 'after the restart');
  const k = reopened.kysely;
  const ids = stations.map((s) => s.stationId);
  const txRows = await k.selectFrom('transactions').selectAll().where('station_id', 'in', ids).execute();
  const stuck = txRows.filter((r) => r.stop_timestamp === null).map((r) => `${r.station_id}#${r.id}`);
  assert.deepEqual(stuck, [], 'no transaction is left open');
  // A StartTransaction resent after the crash found the row it had created, if any: one row per start.
  const startKeys = txRows.map((r) => `${r.station_id}|${r.start_timestamp}|${Number(r.meter_start)}`);
  assert.equal(new Set(startKeys).size, startKeys.length, 'no transaction was created twice');
  for (const s of stations) {
    const mine = txRows.filter((r) => r.station_id === s.stationId);
    assert.equal(mine.length, new Set(s.acked.starts.map((a) => a.transactionId)).size, `${s.stationId}: one row per transaction it started`);
    assert.equal(s.open, null, `${s.stationId} ended its sessions`);
    assert.equal(s.queue.length, 0);
  }
  // A MeterValues resent after the crash is stored again if its first copy had been committed:
  // OCPP 1.6 delivery is at least once, and samples carry no id to tell a resend by.
  const markers = await k.selectFrom('meter_values').select(['value']).where('station_id', 'in', ids).where('measurand', '=', 'Power.Active.Import').execute();
  t.diagnostic(`${markers.length - new Set(markers.map((m) => m.value)).size} resent samples stored twice`);
  const orphans = await k.selectFrom('orphan_stops').selectAll().where('station_id', 'in', ids).execute();
  assert.deepEqual(orphans, [], 'every stop found its transaction');
  const statuses = await k.selectFrom('connector_status').select(['station_id', 'status']).where('station_id', 'in', ids).where('connector_id', '=', 1).execute();
  assert.deepEqual(new Set(statuses.map((r) => r.status)), new Set(['Available']), 'every connector ends Available');
});
