// Issue 10, "Sessions and state": a refused start does not lock its token out, a connector has
// at most one open transaction, energy is never negative. Real Plugboard, real WebSockets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger, startCharging } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const token = async (idTag: string) => {
  await app.ctx.services.authorization.upsertToken({ idTag });
  return idTag;
};

test('a start answered ConcurrentTx does not count as the token running: after the first stops, Authorize is Accepted', async () => {
  const tag = await token('TAG-LOCKOUT');
  const cp = await acceptedCharger(app, 'LC_LOCKOUT', {}, 2);
  const first = await startCharging(cp, tag, 1);
  const second = await cp.startTransaction(2, tag, 0);
  assert.equal(second.idTagInfo.status, 'ConcurrentTx');
  // the charger never stops the refused transaction (some do not)
  await cp.stopTransaction(first, 2000);
  assert.deepEqual(await cp.authorize(tag), { idTagInfo: { status: 'Accepted' } });
  const third = await cp.startTransaction(1, tag, 2000);
  assert.equal(third.idTagInfo.status, 'Accepted');
});

const row = (id: number) => app.ctx.db.kysely.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const openOn = (stationId: string) =>
  app.ctx.db.kysely.selectFrom('transactions').select(['id', 'connector_id']).where('station_id', '=', stationId).where('stop_timestamp', 'is', null).orderBy('id').execute();
const at = (isoBase: string, minutes: number) => new Date(Date.parse(isoBase) + minutes * 60_000).toISOString();

test('a new StartTransaction on a connector closes the transaction left open there, with a readable reason', async () => {
  const tag = await token('TAG-LEFT-OPEN');
  const cp = await acceptedCharger(app, 'LC_LEFT_OPEN', {}, 2);
  const t0 = '2026-11-01T10:00:00.000Z';
  const lost = (await cp.startTransaction(1, tag, 100, t0)).transactionId;
  const other = (await cp.startTransaction(2, await token('TAG-OTHER'), 0, t0)).transactionId;
  // its StopTransaction never comes; the same driver starts again on the same connector
  const next = await cp.startTransaction(1, tag, 900, at(t0, 30));
  assert.equal(next.idTagInfo.status, 'Accepted', 'the left-open transaction does not make the token ConcurrentTx');
  const closed = await row(lost);
  assert.equal(closed.stop_reason, 'closed by new transaction on connector');
  assert.equal(closed.stop_timestamp, at(t0, 30));
  assert.equal(closed.meter_stop, null, 'no meter reading was reported');
  assert.deepEqual((await openOn('LC_LEFT_OPEN')).map((t) => t.id), [other, next.transactionId], 'one open transaction per connector; connector 2 untouched');
  const api = await app.request('GET', `/api/v1/transactions/${lost}`);
  assert.equal(api.body.stopReason, 'closed by new transaction on connector');
  assert.equal(api.body.active, false);
  // the charger's own StopTransaction, arriving late, still records its reading
  await cp.stopTransaction(lost, 800, { reason: 'PowerLoss' });
  const late = await row(lost);
  assert.equal(late.meter_stop, 800);
  assert.equal(late.stop_reason, 'PowerLoss');
});

test('a BootNotification closes the open transactions of the station (reason "station rebooted")', async () => {
  const cp = await acceptedCharger(app, 'LC_REBOOT', {}, 2);
  const a = (await cp.startTransaction(1, await token('TAG-RB1'), 0)).transactionId;
  const b = (await cp.startTransaction(2, await token('TAG-RB2'), 0)).transactionId;
  const elsewhere = await acceptedCharger(app, 'LC_REBOOT_OTHER');
  const untouched = (await elsewhere.startTransaction(1, await token('TAG-RB3'), 0)).transactionId;
  assert.equal((await cp.boot()).status, 'Accepted');
  for (const id of [a, b]) {
    const t = await row(id);
    assert.equal(t.stop_reason, 'station rebooted');
    assert.notEqual(t.stop_timestamp, null);
  }
  assert.deepEqual(await openOn('LC_REBOOT'), []);
  assert.deepEqual((await openOn('LC_REBOOT_OTHER')).map((t) => t.id), [untouched]);
  assert.deepEqual(await cp.authorize('TAG-RB1'), { idTagInfo: { status: 'Accepted' } });
});

test('meterStop below meterStart: energy 0, never negative, and the reading flagged (API and report)', async () => {
  const cp = await acceptedCharger(app, 'LC_BACKWARDS');
  const t0 = '2026-11-02T10:00:00.000Z';
  const id = (await cp.startTransaction(1, await token('TAG-BACK'), 1000, t0)).transactionId;
  await cp.stopTransaction(id, 900);
  const got = await app.request('GET', `/api/v1/transactions/${id}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.energyWh, 0);
  assert.equal(got.body.meterAnomaly, true);
  assert.equal(got.body.meterStopWh, 900, 'the reading is kept as sent');
  const listed = await app.request('GET', '/api/v1/transactions?stationId=LC_BACKWARDS');
  assert.equal(listed.body.items[0].energyWh, 0);
  assert.equal(listed.body.items[0].meterAnomaly, true);
  const normal = (await cp.startTransaction(1, 'TAG-BACK', 900, '2026-11-02T11:00:00.000Z')).transactionId;
  await cp.stopTransaction(normal, 1500);
  const ok = await app.request('GET', `/api/v1/transactions/${normal}`);
  assert.equal(ok.body.energyWh, 600);
  assert.equal(ok.body.meterAnomaly, false);
});

test('a StatusNotification Available closes the transaction left open on that connector only, and a late StopTransaction still completes it', async () => {
  const cp = await acceptedCharger(app, 'LC_AVAILABLE', {}, 2);
  // after the Available statuses acceptedCharger reported (timestamped now)
  const t0 = new Date(Date.now() + 3_600_000).toISOString();
  const stopped: Array<{ transactionId: number; reason: string; meterStop: number | null }> = [];
  const off = app.ctx.bus.subscribe((e) => {
    if (e.type === 'transaction.stopped' && e.stationId === 'LC_AVAILABLE') stopped.push({ transactionId: e.transactionId, reason: e.reason, meterStop: e.meterStop });
  });
  try {
    const lost = (await cp.startTransaction(1, await token('TAG-AV1'), 100, t0)).transactionId;
    const other = (await cp.startTransaction(2, await token('TAG-AV2'), 0, t0)).transactionId;
    // a notification older than the start (queued while offline, delivered late) closes nothing
    await cp.status(1, 'Available', 'NoError', { timestamp: at(t0, -5) });
    assert.equal((await row(lost)).stop_timestamp, null, 'an Available from before the start does not close it');
    // connector 0 Available is about the charge point, not a connector's session
    await cp.status(0, 'Available', 'NoError', { timestamp: at(t0, 10) });
    assert.equal((await row(lost)).stop_timestamp, null);
    // an Available older than the connector's current status (Charging) does not close it either
    await cp.status(1, 'Charging', 'NoError', { timestamp: at(t0, 30) });
    await cp.status(1, 'Available', 'NoError', { timestamp: at(t0, 20) });
    assert.equal((await row(lost)).stop_timestamp, null, 'a superseded Available does not close it');
    // the StopTransaction never comes; the connector reports Available
    await cp.status(1, 'Available', 'NoError', { timestamp: at(t0, 40) });
    const closed = await row(lost);
    assert.equal(closed.stop_reason, 'closed: connector reported Available');
    assert.equal(closed.stop_timestamp, at(t0, 40), "closed at the charger's status time");
    assert.equal(closed.meter_stop, null, 'no meter reading was reported');
    assert.deepEqual((await openOn('LC_AVAILABLE')).map((t) => t.id), [other], 'connector 2 untouched');
    const api = await app.request('GET', `/api/v1/transactions/${lost}`);
    assert.equal(api.body.active, false);
    assert.equal(api.body.stopReason, 'closed: connector reported Available');
    assert.deepEqual(stopped, [{ transactionId: lost, reason: 'closed: connector reported Available', meterStop: null }], 'published like a stop');
    // a second Available changes nothing
    await cp.status(1, 'Available', 'NoError', { timestamp: at(t0, 45) });
    assert.equal((await row(lost)).stop_timestamp, at(t0, 40));
    // the charger's own StopTransaction, arriving late, is accepted and completes the record
    const late = await cp.stopTransaction(lost, 800, { reason: 'EVDisconnected', timestamp: at(t0, 39) });
    assert.deepEqual(late, {});
    const done = await row(lost);
    assert.equal(done.meter_stop, 800);
    assert.equal(done.stop_reason, 'EVDisconnected');
    assert.equal(done.stop_timestamp, at(t0, 39));
    assert.equal((await app.request('GET', `/api/v1/transactions/${lost}`)).body.energyWh, 700);
    // the token is free again
    assert.deepEqual(await cp.authorize('TAG-AV1'), { idTagInfo: { status: 'Accepted' } });
  } finally {
    off();
  }
});

test('a StopTransaction with transactionId -1 completes the transaction Plugboard closed on Available (the Stop sat in the charger queue, its status went first)', async () => {
  const cp = await acceptedCharger(app, 'LC_MINUS1', {}, 1);
  const t0 = new Date(Date.now() + 3_600_000).toISOString();
  const id = (await cp.startTransaction(1, await token('TAG-M1'), 100, t0)).transactionId;
  await cp.status(1, 'Available', 'NoError', { timestamp: at(t0, 10) });
  assert.equal((await row(id)).stop_reason, 'closed: connector reported Available');
  // the charger never got the id: its queued stop says -1
  await cp.stopTransaction(-1, 600, { reason: 'Local', timestamp: at(t0, 9), idTag: 'TAG-M1' });
  const done = await row(id);
  assert.equal(done.meter_stop, 600);
  assert.equal(done.stop_reason, 'Local');
  const orphans = await app.ctx.db.kysely.selectFrom('orphan_stops').selectAll().where('station_id', '=', 'LC_MINUS1').execute();
  assert.deepEqual(orphans, [], 'not an orphan stop');
});
