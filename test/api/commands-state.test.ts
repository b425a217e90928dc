// Commands update Plugboard's state whichever route sends them: the generic /ocpp/{action}
// endpoint, /commands/bulk and the modules' own routes all go through stations.sendCommand,
// whose observers (local lists, charging profiles, reservations) record the charger's answer,
// exactly once, and nothing when the answer says the charger did not take the command.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { actions, strictCharger, type StrictCharger } from './localauth-charger.ts';

let app: TestApp;
const chargers: StrictCharger[] = [];
before(async () => {
  app = await startOpenApp();
});
after(async () => {
  await Promise.all(chargers.map((c) => c.close().catch(() => {})));
  await app.cleanup();
});

const api = (method: string, path: string, body?: unknown) => app.request(method, `/api/v1${path}`, { body });
const generic = (id: string, action: string, body: unknown) => api('POST', `/stations/${id}/ocpp/${action}`, body);

test('a SendLocalList sent through the generic endpoint is tracked: the next sync goes above its version', async () => {
  const id = 'CS-LL';
  const c = await strictCharger(app, id);
  chargers.push(c);
  // A charger that refuses a Full below its version too, as some do.
  c.list.strictFullVersion = true;
  await app.ctx.services.authorization.upsertToken({ idTag: 'CS-LL-A' });
  await app.ctx.services.authorization.upsertToken({ idTag: 'CS-LL-B' });
  assert.equal((await api('PUT', `/stations/${id}/local-list/settings`, { autoSync: false, scope: { kind: 'idTags', idTags: ['CS-LL-A', 'CS-LL-B'] } })).status, 200);

  const sent = await generic(id, 'SendLocalList', { listVersion: 7, updateType: 'Full', localAuthorizationList: [{ idTag: 'CS-LL-A', idTagInfo: { status: 'Accepted' } }] });
  assert.equal(sent.status, 200, sent.text);
  assert.deepEqual(sent.body, { status: 'Accepted' });
  assert.equal(c.list.version, 7);
  const v = (await api('GET', `/stations/${id}/local-list`)).body;
  assert.deepEqual([v.station.acknowledgedVersion, v.station.lastSentVersion, v.station.entryCount, v.station.needsFull], [7, 7, 1, false]);
  assert.deepEqual(v.recentUpdates.map((u: any) => [u.updateType, u.listVersion, u.status, u.cause]), [['Full', 7, 'Accepted', 'command']]);
  assert.deepEqual(v.pending, { upserts: 1, deletions: 0 }, 'Plugboard knows the charger holds A only');

  c.received.length = 0;
  const res = await api('POST', `/stations/${id}/local-list/sync`, {});
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.outcome, 'updated');
  const lists = c.received.filter((r) => r.method === 'SendLocalList').map((r) => [r.params.updateType, r.params.listVersion, r.params.localAuthorizationList.map((e: any) => e.idTag)]);
  assert.deepEqual(lists, [['Differential', 8, ['CS-LL-B']]], 'only what the charger lacks, above the version it holds');
  assert.deepEqual(Object.keys(c.list.statuses()), ['CS-LL-A', 'CS-LL-B']);
  assert.equal(c.list.version, 8);

  // A forced Full goes above it again; a generic GetLocalListVersion is recorded as a sync's is.
  c.received.length = 0;
  assert.equal((await api('POST', `/stations/${id}/local-list/sync`, { updateType: 'Full' })).body.outcome, 'updated');
  assert.deepEqual(c.received.filter((r) => r.method === 'SendLocalList').map((r) => r.params.listVersion), [9]);
  c.list.version = 42; // someone else's list
  assert.deepEqual((await generic(id, 'GetLocalListVersion', {})).body, { listVersion: 42 });
  const after42 = (await api('GET', `/stations/${id}/local-list`)).body;
  assert.deepEqual([after42.station.reportedVersion, after42.station.needsFull, after42.syncState], [42, true, 'out_of_sync']);
  c.received.length = 0;
  await api('POST', `/stations/${id}/local-list/sync`, {});
  assert.deepEqual(c.received.filter((r) => r.method === 'SendLocalList').map((r) => [r.params.updateType, r.params.listVersion]), [['Full', 43]]);
  assert.deepEqual(c.failures, []);
});

test('a SendLocalList the charger refuses or fails is recorded as such: nothing acknowledged', async () => {
  const id = 'CS-LL-NO';
  const c = await strictCharger(app, id);
  chargers.push(c);
  c.answers.SendLocalList = () => 'Failed';
  const sent = await generic(id, 'SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'X', idTagInfo: { status: 'Accepted' } }] });
  assert.deepEqual(sent.body, { status: 'Failed' });
  const v = (await api('GET', `/stations/${id}/local-list`)).body;
  assert.deepEqual([v.station.acknowledgedVersion, v.station.lastSentVersion, v.station.entryCount, v.station.needsFull, v.managed], [0, 3, 0, true, false]);
  assert.deepEqual(v.recentUpdates.map((u: any) => [u.listVersion, u.status]), [[3, 'Failed']]);
  // The sync's own SendLocalList is recorded once, by the same observer (one history row each).
  c.answers.SendLocalList = () => undefined;
  assert.equal((await api('PUT', `/stations/${id}/local-list/settings`, { autoSync: false, scope: { kind: 'none' } })).status, 200);
  const res = await api('POST', `/stations/${id}/local-list/sync`, {});
  assert.equal(res.body.outcome, 'updated', res.text);
  assert.deepEqual(actions(c).filter((a) => a === 'SendLocalList').length, 2);
  const after = (await api('GET', `/stations/${id}/local-list`)).body;
  assert.deepEqual(after.recentUpdates.map((u: any) => [u.updateType, u.listVersion, u.status, u.cause]), [['Full', 4, 'Accepted', 'api'], ['Full', 3, 'Failed', 'command']]);
  assert.deepEqual([after.station.acknowledgedVersion, after.syncState], [4, 'in_sync']);
});

function txDefault(id: number, stackLevel: number) {
  return {
    chargingProfileId: id,
    stackLevel,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: '2025-01-01T00:00:00.000Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  };
}

test('charging profiles sent by bulk and by the generic endpoint are recorded; Rejected ones are not', async () => {
  const accepting = app.charger('CS-SC-1', { handlers: { SetChargingProfile: () => ({ status: 'Accepted' }), ClearChargingProfile: () => ({ status: 'Accepted' }) } });
  const rejecting = app.charger('CS-SC-2', { handlers: { SetChargingProfile: () => ({ status: 'Rejected' }) } });
  for (const cp of [accepting, rejecting]) {
    await cp.connect();
    await cp.boot();
  }
  const profiles = async (id: string) => (await api('GET', `/stations/${id}/charging-profiles`)).body.items.map((p: any) => [p.connectorId, p.chargingProfileId, p.stackLevel, p.source]);

  const bulk = await api('POST', '/commands/bulk', { stationIds: ['CS-SC-1', 'CS-SC-2'], action: 'SetChargingProfile', payload: { connectorId: 1, csChargingProfiles: txDefault(11, 1) } });
  assert.equal(bulk.status, 200, bulk.text);
  assert.deepEqual(bulk.body.results.map((r: any) => r.response.status), ['Accepted', 'Rejected']);
  assert.deepEqual(await profiles('CS-SC-1'), [[1, 11, 1, 'SetChargingProfile']]);
  assert.deepEqual(await profiles('CS-SC-2'), [], 'Rejected: not installed');

  // The generic endpoint: a profile at the same purpose and stack level replaces it, as on the charger.
  assert.deepEqual((await generic('CS-SC-1', 'SetChargingProfile', { connectorId: 1, csChargingProfiles: txDefault(12, 1) })).body, { status: 'Accepted' });
  assert.deepEqual(await profiles('CS-SC-1'), [[1, 12, 1, 'SetChargingProfile']]);
  const expected = (await api('GET', '/stations/CS-SC-1/expected-schedule?connectorId=1&duration=60&start=2025-06-01T00:00:00.000Z')).body;
  assert.deepEqual(expected.chargingSchedulePeriod.map((p: any) => [p.limit, p.chargingProfileId]), [[16, 12]]);

  // The friendly route still records its profile exactly once, and its clear reports what went.
  const friendly = await api('POST', '/stations/CS-SC-1/charging-profiles', { connectorId: 0, csChargingProfiles: txDefault(13, 2) });
  assert.equal(friendly.status, 200, friendly.text);
  assert.deepEqual(await profiles('CS-SC-1'), [[0, 13, 2, 'SetChargingProfile'], [1, 12, 1, 'SetChargingProfile']]);
  assert.deepEqual((await api('DELETE', '/stations/CS-SC-1/charging-profiles/13')).body, { status: 'Accepted', removed: 1 });
  // A generic ClearChargingProfile clears Plugboard's view too.
  assert.deepEqual((await generic('CS-SC-1', 'ClearChargingProfile', { connectorId: 1 })).body, { status: 'Accepted' });
  assert.deepEqual(await profiles('CS-SC-1'), []);
});

test('a reservation cancelled through the generic endpoint is Cancelled; one the charger refused to cancel keeps its status', async () => {
  await app.ctx.services.authorization.upsertToken({ idTag: 'CS-RSV-TAG' });
  let cancel = 'Accepted';
  const cp = app.charger('CS-RSV', { handlers: { ReserveNow: () => ({ status: 'Accepted' }), CancelReservation: () => ({ status: cancel }) } });
  await cp.connect();
  await cp.boot();
  const expiryDate = new Date(Date.now() + 3_600_000).toISOString();
  const reserve = () => api('POST', '/stations/CS-RSV/reservations', { connectorId: 1, idTag: 'CS-RSV-TAG', expiryDate });
  const r1 = await reserve();
  assert.equal(r1.status, 201, r1.text);
  assert.equal(r1.body.status, 'Accepted');
  assert.deepEqual((await generic('CS-RSV', 'CancelReservation', { reservationId: r1.body.id })).body, { status: 'Accepted' });
  assert.equal((await api('GET', `/reservations/${r1.body.id}`)).body.status, 'Cancelled');

  cancel = 'Rejected';
  const r2 = await reserve();
  assert.deepEqual((await generic('CS-RSV', 'CancelReservation', { reservationId: r2.body.id })).body, { status: 'Rejected' });
  const kept = (await api('GET', `/reservations/${r2.body.id}`)).body;
  assert.equal(kept.status, 'Accepted');
  assert.match(kept.note, /Rejected by the charger/);
  // A reservationId of another station is not touched.
  cancel = 'Accepted';
  const other = app.charger('CS-RSV-2', { handlers: { CancelReservation: () => ({ status: 'Accepted' }) } });
  await other.connect();
  await other.boot();
  await generic('CS-RSV-2', 'CancelReservation', { reservationId: r2.body.id });
  assert.equal((await api('GET', `/reservations/${r2.body.id}`)).body.status, 'Accepted');
  await eventually(() => cp.received.filter((r) => r.action === 'CancelReservation').length === 2);
});

test('a RemoteStartTransaction with a profile sent through the generic endpoint installs it when its transaction starts', async () => {
  await app.ctx.services.authorization.upsertToken({ idTag: 'CS-RS-TAG' });
  const cp = app.charger('CS-RS');
  await cp.connect();
  await cp.boot();
  const profile = { ...txDefault(21, 0), chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } };
  assert.deepEqual((await generic('CS-RS', 'RemoteStartTransaction', { connectorId: 1, idTag: 'CS-RS-TAG', chargingProfile: profile })).body, { status: 'Accepted' });
  const start = (await cp.startTransaction(1, 'CS-RS-TAG', 0)) as { transactionId: number };
  const items = await eventually(async () => {
    const body = (await api('GET', '/stations/CS-RS/charging-profiles')).body;
    return body.items.length ? body.items : null;
  });
  assert.deepEqual(items.map((p: any) => [p.connectorId, p.chargingProfileId, p.transactionId, p.source]), [[1, 21, start.transactionId, 'RemoteStartTransaction']]);
});

test('turning auto-sync off on a row a generic command created never leaves it managed with auto-sync on', async () => {
  // The row created by the generic GetLocalListVersion is unmanaged with the default auto-sync
  // on. Every committed state of it is recorded: an automatic run reading it between two writes
  // must never find it managed with auto-sync still on.
  const id = 'CS-LL-RACE';
  const c = await strictCharger(app, id);
  chargers.push(c);
  assert.deepEqual((await generic(id, 'GetLocalListVersion', {})).body, { listVersion: 0 });
  const db = app.ctx.db;
  const write = db.write.bind(db);
  const seen: Array<[number, number]> = [];
  db.write = (async (fn: Parameters<typeof write>[0]) => {
    const out = await write(fn);
    const row = await db.kysely.selectFrom('local_list_stations').select(['managed', 'auto_sync']).where('station_id', '=', id).executeTakeFirst();
    if (row) seen.push([row.managed, row.auto_sync]);
    return out;
  }) as typeof db.write;
  try {
    assert.equal((await api('PUT', `/stations/${id}/local-list/settings`, { autoSync: false })).status, 200);
  } finally {
    db.write = write;
  }
  assert.deepEqual(seen.at(-1), [1, 0]);
  assert.ok(!seen.some(([managed, auto]) => managed === 1 && auto === 1), JSON.stringify(seen));
});
