// Transactions (with energy and duration from meter readings) and orphan stops over the REST
// API, with the data made by real chargers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

const V1 = '/api/v1';
const PASSWORD = 'station-password-0001';
const HOUR = 3_600_000;

let app: TestApp;
let readKey: string;
let cp: SimulatedCharger;
let cp2: SimulatedCharger;
const ids: Record<string, number> = {};
const t0 = Date.now() - 10 * HOUR;
const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

function assertValidation(res: { status: number; body: any }, field: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, 'validation_failed');
  assert.match(res.body.message, new RegExp(field), `the message names ${field}: ${res.body.message}`);
}

async function charger(id: string) {
  assert.equal((await app.request('POST', `${V1}/stations`, { body: { id, password: PASSWORD } })).status, 201);
  const c = app.charger(id, { password: PASSWORD });
  await c.connect();
  await c.boot();
  return c;
}

const reading = (timestamp: string, sampledValue: Array<Record<string, string>>) => ({ timestamp, sampledValue });

before(async () => {
  app = await startTestApp();
  readKey = (await app.request('POST', `${V1}/api-keys`, { body: { name: 'reader', role: 'read' } })).body.key;
  for (const idTag of ['TAG-A', 'TAG-B']) await app.request('POST', `${V1}/tokens`, { body: { idTag, allowConcurrent: true } });
  cp = await charger('TX-CP');
  cp2 = await charger('TX-CP2');

  // done: 1000 -> 3500 Wh over 90 minutes, with periodic readings
  const done = await cp.startTransaction(1, 'TAG-A', 1000, at(0));
  ids.done = done.transactionId;
  await cp.call('MeterValues', { connectorId: 1, transactionId: ids.done, meterValue: [reading(at(30 * 60_000), [{ value: '2000' }])] });
  await cp.stopTransaction(ids.done, 3500, { timestamp: at(90 * 60_000), reason: 'EVDisconnected', idTag: 'TAG-A' });

  // running, with readings in Wh, then kWh; a per-phase value and a signed blob must not count
  const running = await cp.startTransaction(2, 'TAG-B', 500, at(2 * HOUR));
  ids.running = running.transactionId;
  await cp.call('MeterValues', {
    connectorId: 2,
    transactionId: ids.running,
    meterValue: [
      reading(at(2 * HOUR + 60_000), [{ value: '900', unit: 'Wh', context: 'Sample.Periodic' }]),
      reading(at(2 * HOUR + 120_000), [{ value: '1.2345', unit: 'kWh', measurand: 'Energy.Active.Import.Register' }, { value: '22.5', measurand: 'Current.Import', unit: 'A' }]),
      reading(at(2 * HOUR + 180_000), [{ value: '99999', unit: 'Wh', phase: 'L1' }, { value: 'AAECAw==', format: 'SignedData' }]),
    ],
  });

  // running, without readings
  ids.fresh = (await cp.startTransaction(3, 'TAG-A', 0, at(3 * HOUR))).transactionId;

  // another charger, stopped
  ids.other = (await cp2.startTransaction(1, 'TAG-A', 0, at(4 * HOUR))).transactionId;
  await cp2.stopTransaction(ids.other, 10_000, { timestamp: at(5 * HOUR) });

  // a stop for a transaction that does not exist
  await cp.stopTransaction(424242, 777, { timestamp: at(6 * HOUR), reason: 'PowerLoss', transactionData: [reading(at(6 * HOUR), [{ value: '777' }])] });
});
after(() => app.cleanup());

test('get one: meter values, energy from meterStop, duration, stop details', async () => {
  const res = await app.request('GET', `${V1}/transactions/${ids.done}`, { key: readKey });
  assert.equal(res.status, 200);
  const t = res.body;
  assert.deepEqual(
    { ...t, meterValues: undefined, events: undefined },
    {
      id: ids.done,
      stationId: 'TX-CP',
      connectorId: 1,
      idTag: 'TAG-A',
      startIdTagStatus: 'Accepted',
      reservationId: null,
      meterStartWh: 1000,
      startTimestamp: at(0),
      meterStopWh: 3500,
      stopTimestamp: at(90 * 60_000),
      stopReason: 'EVDisconnected',
      stopIdTag: 'TAG-A',
      active: false,
      energyWh: 2500,
      meterAnomaly: false,
      durationSeconds: 5400,
      chargerTransactionId: String(ids.done),
      ocppVersion: '1.6',
      evseId: 1,
      chargingState: null,
      remoteStartId: null,
      idTokenType: null,
      meterValues: undefined,
      events: undefined,
    },
  );
  // A 1.6 session's events: its start and its stop.
  assert.deepEqual(
    t.events.map((e: { seqNo: number; eventType: string; timestamp: string; idToken: string | null; stoppedReason: string | null }) => [e.seqNo, e.eventType, e.timestamp, e.idToken, e.stoppedReason]),
    [[0, 'Started', at(0), 'TAG-A', null], [1, 'Ended', at(90 * 60_000), 'TAG-A', 'EVDisconnected']],
  );
  assert.equal(t.meterValues.length, 1);
  assert.deepEqual(
    { ...t.meterValues[0], id: undefined, receivedAt: undefined },
    { id: undefined, connectorId: 1, timestamp: at(30 * 60_000), value: '2000', measurand: 'Energy.Active.Import.Register', phase: null, unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet', format: 'Raw', source: 'MeterValues', receivedAt: undefined },
  );
});

test('a running transaction: energy from the latest total register reading (kWh converted exactly), duration up to now', async () => {
  const requestedAt = Date.now();
  const t = (await app.request('GET', `${V1}/transactions/${ids.running}`)).body;
  assert.equal(t.active, true);
  assert.equal(t.meterStopWh, null);
  assert.equal(t.stopTimestamp, null);
  assert.equal(t.energyWh, 1235 - 500, '1.2345 kWh is 1235 Wh (half up), the phase value and the signed blob do not count');
  const before = Math.floor((requestedAt - Date.parse(at(2 * HOUR))) / 1000);
  const after = Math.ceil((Date.now() - Date.parse(at(2 * HOUR))) / 1000);
  assert.ok(t.durationSeconds >= before - 1 && t.durationSeconds <= after + 1, `duration ${t.durationSeconds} within [${before}, ${after}]`);
  assert.equal(t.meterValues.length, 5);
  assert.ok(t.meterValues.some((m: any) => m.format === 'SignedData' && m.value === 'AAECAw=='), 'signed data is kept verbatim');

  const fresh = (await app.request('GET', `${V1}/transactions/${ids.fresh}`)).body;
  assert.equal(fresh.energyWh, null, 'no reading yet');
  assert.deepEqual(fresh.meterValues, []);
});

test('get: 404 for an unknown transaction, 400 for an id that is not a positive integer', async () => {
  const missing = await app.request('GET', `${V1}/transactions/999999`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'transaction_not_found');
  assertValidation(await app.request('GET', `${V1}/transactions/0`), 'id');
  assertValidation(await app.request('GET', `${V1}/transactions/abc`), 'id');
});

test('list: newest first by default, with energy and duration on every item', async () => {
  const res = await app.request('GET', `${V1}/transactions`, { key: readKey });
  assert.equal(res.status, 200);
  assert.equal(res.body.total, 4);
  assert.deepEqual(res.body.items.map((t: any) => t.id), [ids.other, ids.fresh, ids.running, ids.done]);
  const byId = new Map(res.body.items.map((t: any) => [t.id, t]));
  assert.equal((byId.get(ids.running) as any).energyWh, 735, 'the list computes energy of running transactions too');
  assert.equal((byId.get(ids.done) as any).energyWh, 2500);
  assert.equal((byId.get(ids.other) as any).energyWh, 10_000);
  assert.equal((byId.get(ids.other) as any).durationSeconds, 3600);
  assert.equal((byId.get(ids.other) as any).stopReason, 'Local', 'an absent reason is Local (J-errata 2.5)');
  assert.equal((byId.get(ids.done) as any).meterValues, undefined, 'meter values only on the single transaction');
});

test('list: filters by station, token, connector, start date range and active; sort and pagination', async () => {
  const q = async (query: string) => (await app.request('GET', `${V1}/transactions?${query}`)).body;
  assert.deepEqual((await q('stationId=TX-CP2')).items.map((t: any) => t.id), [ids.other]);
  assert.deepEqual((await q('idTag=TAG-B')).items.map((t: any) => t.id), [ids.running]);
  assert.deepEqual((await q('stationId=TX-CP&connectorId=1')).items.map((t: any) => t.id), [ids.done]);
  assert.deepEqual((await q('active=true&sort=id')).items.map((t: any) => t.id), [ids.running, ids.fresh]);
  const range = await q(`from=${encodeURIComponent(at(HOUR))}&to=${encodeURIComponent(at(4 * HOUR))}&sort=startTimestamp`);
  assert.deepEqual(range.items.map((t: any) => t.id), [ids.running, ids.fresh], 'from inclusive, to exclusive');
  const inclusive = await q(`from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(1))}`);
  assert.deepEqual(inclusive.items.map((t: any) => t.id), [ids.done]);
  const withOffset = await q(`from=${encodeURIComponent(new Date(t0 + HOUR).toISOString().replace('Z', '+00:00'))}&active=true`);
  assert.equal(withOffset.total, 2, 'a zone offset is normalised before comparing');
  const page = await q('sort=stationId,-id&limit=2&offset=1');
  assert.equal(page.total, 4);
  assert.deepEqual(page.items.map((t: any) => t.id), [ids.running, ids.done]);
  assert.equal((await q('stationId=NOPE')).total, 0);

  assertValidation(await app.request('GET', `${V1}/transactions?from=yesterday`), 'from');
  assertValidation(await app.request('GET', `${V1}/transactions?active=perhaps`), 'active');
  const badSort = await app.request('GET', `${V1}/transactions?sort=meterStart`);
  assertValidation(badSort, 'sort');
  assert.match(badSort.body.message, /energyWh/, 'the message lists the allowed fields');
  assert.match(badSort.body.message, /durationSeconds/);
  assertValidation(await app.request('GET', `${V1}/transactions?sort=energyWh,`), 'sort');
  assertValidation(await app.request('GET', `${V1}/transactions?connectorId=-1`), 'connectorId');
  const reversed = await app.request('GET', `${V1}/transactions?from=${encodeURIComponent(at(HOUR))}&to=${encodeURIComponent(at(0))}`);
  assert.equal(reversed.status, 400);
  assert.match(reversed.body.message, /from must be before to/);
});

test('list: sort by energyWh and durationSeconds (computed in SQL as the API computes them; unknown energy last)', async () => {
  const q = async (query: string) => (await app.request('GET', `${V1}/transactions?${query}`)).body;
  const order = async (sort: string) => (await q(`sort=${sort}`)).items.map((t: any) => t.id);
  // done 2500 Wh / 5400 s, running 735 Wh (latest reading, kWh) / ~8 h, fresh no reading / ~7 h, other 10000 Wh / 3600 s
  assert.deepEqual(await order('energyWh'), [ids.running, ids.done, ids.other, ids.fresh]);
  assert.deepEqual(await order('-energyWh'), [ids.other, ids.done, ids.running, ids.fresh], 'unknown energy sorts last in both directions');
  assert.deepEqual(await order('durationSeconds'), [ids.other, ids.done, ids.fresh, ids.running], 'an active transaction runs up to now');
  assert.deepEqual(await order('-durationSeconds'), [ids.running, ids.fresh, ids.done, ids.other]);
  assert.deepEqual(await order('-energyWh,id'), [ids.other, ids.done, ids.running, ids.fresh]);
  const paged = await q('sort=-durationSeconds&limit=2&offset=1');
  assert.equal(paged.total, 4);
  assert.deepEqual(paged.items.map((t: any) => t.id), [ids.fresh, ids.done]);
  assert.deepEqual((await q('sort=energyWh&active=true')).items.map((t: any) => t.id), [ids.running, ids.fresh], 'with filters');
  const item = (await q('sort=energyWh&limit=1')).items[0];
  assert.deepEqual(Object.keys(item).sort(), Object.keys((await q('limit=1')).items[0]).sort(), 'the same Transaction shape, no sort columns leak');
  assert.equal(item.energyWh, 735);

  // the edge cases: a register that went backwards counts 0, a transaction closed without a
  // reading and a running one whose latest reading is not a number have unknown energy
  const sortCp = await charger('TX-SORT');
  const anomaly = (await sortCp.startTransaction(1, 'TAG-A', 5000, at(7 * HOUR))).transactionId;
  await sortCp.stopTransaction(anomaly, 4000, { timestamp: at(7 * HOUR + 60_000) });
  const small = (await sortCp.startTransaction(1, 'TAG-A', 0, at(7 * HOUR + 120_000))).transactionId;
  await sortCp.stopTransaction(small, 1, { timestamp: at(7 * HOUR + 180_000) });
  const closed = (await sortCp.startTransaction(2, 'TAG-A', 0, at(7 * HOUR))).transactionId;
  assert.equal((await app.request('POST', `${V1}/transactions/${closed}/close`)).status, 200);
  const garbled = (await sortCp.startTransaction(3, 'TAG-A', 0, at(7 * HOUR))).transactionId;
  await sortCp.call('MeterValues', { connectorId: 3, transactionId: garbled, meterValue: [reading(at(7 * HOUR + 60_000), [{ value: '900' }]), reading(at(7 * HOUR + 120_000), [{ value: 'n/a' }])] });
  const mine = async (sort: string) => (await q(`stationId=TX-SORT&sort=${sort}`)).items.map((t: any) => [t.id, t.energyWh]);
  assert.deepEqual(await mine('energyWh'), [[anomaly, 0], [small, 1], [closed, null], [garbled, null]]);
  assert.deepEqual(await mine('-energyWh'), [[small, 1], [anomaly, 0], [garbled, null], [closed, null]], 'ties and unknowns in id order, descending with the sort');
  const durations = (await q('stationId=TX-SORT&sort=durationSeconds')).items.map((t: any) => t.durationSeconds);
  assert.deepEqual(durations.slice(0, 2), [60, 60]);
  assert.ok(durations.every((d: number, i: number) => i === 0 || d >= durations[i - 1]), `non-decreasing: ${durations}`);
});

test('orphan stops: a stop for an unknown transaction is listed for its station, with its meter values', async () => {
  const res = await app.request('GET', `${V1}/stations/TX-CP/orphan-stops`, { key: readKey });
  assert.equal(res.status, 200);
  assert.equal(res.body.total, 1);
  const o = res.body.items[0];
  assert.deepEqual(
    { ...o, id: undefined, receivedAt: undefined },
    {
      id: undefined,
      reportedTransactionId: 424242,
      idTag: null,
      meterStopWh: 777,
      timestamp: at(6 * HOUR),
      reason: 'PowerLoss',
      transactionData: [{ timestamp: at(6 * HOUR), sampledValue: [{ value: '777' }] }],
      receivedAt: undefined,
    },
  );
  assert.equal((await app.request('GET', `${V1}/stations/TX-CP2/orphan-stops`)).body.total, 0);
  assert.equal((await app.request('GET', `${V1}/stations/NOPE/orphan-stops`)).status, 404);
  assertValidation(await app.request('GET', `${V1}/stations/TX-CP/orphan-stops?sort=meterStop`), 'sort');
});

test('auth: transaction endpoints need a key; a read-only key may read them', async () => {
  for (const path of ['/transactions', `/transactions/${ids.done}`, '/stations/TX-CP/orphan-stops']) {
    assert.equal((await app.request('GET', `${V1}${path}`, { key: null })).status, 401, path);
    assert.equal((await app.request('GET', `${V1}${path}`, { key: 'pb_wrong_key' })).status, 401, path);
    assert.equal((await app.request('GET', `${V1}${path}`, { key: readKey })).status, 200, path);
  }
});
