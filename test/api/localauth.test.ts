// Local authorization lists through the API, against a strict-mode ocpp-rpc charger that keeps
// a real list: Full and Differential updates, chunking by SendLocalListMaxLength, the
// LocalAuthListMaxLength cut, versions, and every negative answer (Failed, NotSupported,
// VersionMismatch, CALLERROR, offline). Automatic updates are off here (localauth-auto.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
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
const auth = () => app.ctx.services.authorization;

async function charger(id: string, opts: Parameters<typeof strictCharger>[2] = {}): Promise<StrictCharger> {
  const c = await strictCharger(app, id, opts);
  chargers.push(c);
  return c;
}

/** Settings for an explicit-sync test: automatic updates off. */
async function settings(id: string, body: Record<string, unknown>) {
  const res = await api('PUT', `/stations/${id}/local-list/settings`, { autoSync: false, ...body });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function group(parent: string, n: number, status: 'Accepted' | 'Blocked' = 'Accepted'): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${parent}-${i + 1}`);
  for (const idTag of ids) await auth().upsertToken({ idTag, parentIdTag: parent, status });
  return ids;
}

const sync = (id: string, updateType?: 'Full' | 'Differential') => api('POST', `/stations/${id}/local-list/sync`, updateType ? { updateType } : {});
const view = async (id: string) => (await api('GET', `/stations/${id}/local-list`)).body;

test('the list of an unknown station is 404; a station never configured shows the defaults and what it would hold', async () => {
  assert.equal((await api('GET', '/stations/NOPE/local-list')).status, 404);
  assert.equal((await api('POST', '/stations/NOPE/local-list/sync', {})).status, 404);
  await app.ctx.services.stations.create({ id: 'LL-NEW' });
  await auth().upsertToken({ idTag: 'LL-NEW-TAG' });
  const v = await view('LL-NEW');
  assert.equal(v.managed, false);
  assert.equal(v.syncState, 'never_synced');
  assert.deepEqual(v.settings, { scope: { kind: 'all' }, autoSync: true, omitDeletionsInDifferential: false, localAuthListMaxLength: null, sendLocalListMaxLength: null });
  assert.ok(v.desired.entries.some((e: any) => e.idTag === 'LL-NEW-TAG' && e.idTagInfo.status === 'Accepted'));
  assert.equal(v.station.acknowledgedVersion, 0);
  assert.deepEqual(v.recentUpdates, []);
  const bad = await api('PUT', '/stations/LL-NEW/local-list/settings', { scope: { kind: 'parents', parentIdTags: [] } });
  assert.equal(bad.status, 400);
  assert.equal((await api('PUT', '/stations/LL-NEW/local-list/settings', { sendLocalListMaxLength: 0 })).status, 400);
  assert.equal((await api('PUT', '/stations/LL-NEW/local-list/settings', { colour: 'red' })).status, 400);
  assert.equal((await view('LL-NEW')).managed, false, 'refused settings change nothing');
});

test('a list longer than SendLocalListMaxLength (read with GetConfiguration) goes out as a Full chunk and Differential chunks', async () => {
  const id = 'LL-CHUNK';
  const c = await charger(id, { config: { SendLocalListMaxLength: '2' } });
  const tags = await group('CHUNK-G', 5);
  await settings(id, { scope: { kind: 'parents', parentIdTags: ['CHUNK-G'] } });
  const res = await sync(id);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.outcome, 'updated');
  assert.deepEqual(actions(c), ['GetConfiguration', 'SendLocalList', 'SendLocalList', 'SendLocalList']);
  assert.deepEqual(c.received[0].params, { key: ['LocalAuthListMaxLength', 'SendLocalListMaxLength'] });
  const sent = c.received.slice(1).map((r) => r.params);
  assert.deepEqual(sent.map((p) => [p.updateType, p.listVersion, p.localAuthorizationList.length]), [['Full', 1, 2], ['Differential', 2, 2], ['Differential', 3, 1]]);
  assert.ok(sent.every((p) => p.localAuthorizationList.every((e: any) => e.idTagInfo?.status === 'Accepted' && e.idTagInfo.parentIdTag === 'CHUNK-G')));
  assert.deepEqual(res.body.updates.map((u: any) => [u.updateType, u.listVersion, u.status]), [['Full', 1, 'Accepted'], ['Differential', 2, 'Accepted'], ['Differential', 3, 'Accepted']]);
  assert.equal(c.list.version, 3);
  assert.deepEqual(Object.keys(c.list.statuses()), tags);

  const v = await view(id);
  assert.equal(v.syncState, 'in_sync');
  assert.equal(v.managed, true);
  assert.deepEqual(v.station, { ...v.station, acknowledgedVersion: 3, entryCount: 5, needsFull: false, lastSentVersion: 3 });
  assert.deepEqual(v.limits, { ...v.limits, localAuthListMaxLength: 1000, sendLocalListMaxLength: 2, error: null });
  assert.deepEqual(v.recentUpdates.map((u: any) => [u.listVersion, u.cause, u.status]), [[3, 'api', 'Accepted'], [2, 'api', 'Accepted'], [1, 'api', 'Accepted']]);

  // Up to date: nothing is sent. A forced Full is sent whole again, limits from the cache.
  c.received.length = 0;
  const again = await sync(id);
  assert.deepEqual([again.body.outcome, again.body.updates], ['in_sync', []]);
  assert.equal(c.received.length, 0);
  const forced = await sync(id, 'Full');
  assert.equal(forced.body.outcome, 'updated');
  assert.deepEqual(c.received.map((r) => [r.params.updateType, r.params.listVersion]), [['Full', 4], ['Differential', 5], ['Differential', 6]]);
  assert.deepEqual(c.failures, [], 'strict mode found nothing wrong in what Plugboard sent');
});

test('token changes go out as a Differential: idTagInfo for additions and changes, none for deletions (OCPP 1.6 §7.1), deletions first', async () => {
  const id = 'LL-DIFF';
  const c = await charger(id);
  const [t1, t2, t3, t4] = await group('DIFF-G', 10);
  await settings(id, { scope: { kind: 'parents', parentIdTags: ['DIFF-G'] }, localAuthListMaxLength: 100, sendLocalListMaxLength: 100 });
  assert.equal((await sync(id)).body.outcome, 'updated');
  c.received.length = 0;

  await auth().updateToken(t1, { status: 'Blocked' });
  await auth().updateToken(t2, { expiryDate: '2032-02-02T00:00:00.000Z' });
  await auth().deleteToken(t3);
  await auth().updateToken(t4, { parentIdTag: 'ELSEWHERE' });
  await auth().upsertToken({ idTag: 'DIFF-G-new', parentIdTag: 'DIFF-G' });
  assert.deepEqual((await view(id)).pending, { upserts: 3, deletions: 2 });
  const res = await sync(id);
  assert.equal(res.body.outcome, 'updated', res.text);
  assert.deepEqual(actions(c), ['SendLocalList'], 'limits are configured: no GetConfiguration');
  const p = c.received[0].params;
  assert.equal(p.updateType, 'Differential');
  assert.equal(p.listVersion, 2);
  assert.deepEqual(p.localAuthorizationList, [
    { idTag: t3 },
    { idTag: t4 },
    { idTag: t1, idTagInfo: { status: 'Blocked', parentIdTag: 'DIFF-G' } },
    { idTag: t2, idTagInfo: { status: 'Accepted', expiryDate: '2032-02-02T00:00:00.000Z', parentIdTag: 'DIFF-G' } },
    { idTag: 'DIFF-G-new', idTagInfo: { status: 'Accepted', parentIdTag: 'DIFF-G' } },
  ]);
  assert.equal(res.body.updates[0].deletions, 2);
  const desired = Object.fromEntries((await view(id)).desired.entries.map((e: any) => [e.idTag, e.idTagInfo.status]));
  assert.deepEqual(c.list.statuses(), desired, 'the charger holds exactly what the view says it should');
  assert.equal((await view(id)).syncState, 'in_sync');
  assert.deepEqual(c.failures, []);
});

test('with deletions in Differential updates turned off, a removal goes out as Full, and an explicit Differential is 409', async () => {
  const id = 'LL-NODEL';
  const c = await charger(id);
  const [t1, t2] = await group('NODEL-G', 4);
  await settings(id, { scope: { kind: 'parents', parentIdTags: ['NODEL-G'] }, omitDeletionsInDifferential: true, localAuthListMaxLength: 100, sendLocalListMaxLength: 100 });
  await sync(id);
  c.received.length = 0;

  await auth().updateToken(t1, { status: 'Blocked' });
  const diff = await sync(id);
  assert.deepEqual(diff.body.updates.map((u: any) => [u.updateType, u.localAuthorizationList]), [['Differential', [{ idTag: t1, idTagInfo: { status: 'Blocked', parentIdTag: 'NODEL-G' } }]]]);

  await auth().deleteToken(t2);
  const refused = await sync(id, 'Differential');
  assert.equal(refused.status, 409, refused.text);
  assert.match(refused.body.message, /never send deletions/);
  const full = await sync(id);
  assert.equal(full.body.outcome, 'updated');
  assert.deepEqual(full.body.updates.map((u: any) => u.updateType), ['Full']);
  assert.match(full.body.notes.join(' '), /Full update/);
  assert.ok(c.received.every((r) => r.params.localAuthorizationList.every((e: any) => e.idTagInfo)), 'no entry without idTagInfo ever went out');
  assert.equal(c.list.entries.has(t2), false);
});

test('VersionMismatch: a Differential falls back to Full; a Full refused for its version is sent again above the charger\'s version', async () => {
  const id = 'LL-VM';
  const c = await charger(id);
  const [t1] = await group('VM-G', 3);
  await settings(id, { scope: { kind: 'parents', parentIdTags: ['VM-G'] }, localAuthListMaxLength: 100, sendLocalListMaxLength: 100 });
  await sync(id);
  // Someone else set the charger's list to version 40.
  c.list.version = 40;
  c.received.length = 0;
  await auth().updateToken(t1, { status: 'Blocked' });
  const res = await sync(id);
  assert.equal(res.body.outcome, 'updated', res.text);
  assert.deepEqual(res.body.updates.map((u: any) => [u.updateType, u.listVersion, u.status]), [['Differential', 2, 'VersionMismatch'], ['Full', 3, 'Accepted']]);
  assert.equal(c.list.statuses()[t1], 'Blocked');

  c.list.strictFullVersion = true;
  c.list.version = 500;
  c.received.length = 0;
  const full = await sync(id, 'Full');
  assert.equal(full.body.outcome, 'updated', full.text);
  assert.deepEqual(actions(c), ['SendLocalList', 'GetLocalListVersion', 'SendLocalList']);
  assert.deepEqual(full.body.updates.map((u: any) => [u.listVersion, u.status]), [[4, 'VersionMismatch'], [501, 'Accepted']]);
  assert.deepEqual(full.body.reportedVersions, [500]);
  assert.equal((await view(id)).station.acknowledgedVersion, 501);
  assert.deepEqual(c.failures, []);
});

test('Failed: a Differential falls back to Full; a Full answered Failed stops there and the view says failed', async () => {
  const id = 'LL-FAIL';
  const c = await charger(id);
  const [t1] = await group('FAIL-G', 3);
  await settings(id, { scope: { kind: 'parents', parentIdTags: ['FAIL-G'] }, localAuthListMaxLength: 100, sendLocalListMaxLength: 100 });
  await sync(id);
  await auth().updateToken(t1, { status: 'Blocked' });
  c.received.length = 0;
  c.answers.SendLocalList = () => 'Failed';
  const res = await sync(id);
  assert.equal(res.body.outcome, 'failed');
  assert.deepEqual(res.body.updates.map((u: any) => [u.updateType, u.status]), [['Differential', 'Failed'], ['Full', 'Failed']]);
  let v = await view(id);
  assert.equal(v.syncState, 'failed');
  assert.equal(v.station.needsFull, true);
  assert.equal(v.station.acknowledgedVersion, 1, 'the last acknowledged version stays');
  assert.deepEqual(v.lastSync, { ...v.lastSync, status: 'Failed' });

  // The charger recovers: the next update is Full, since what it holds is uncertain.
  c.answers.SendLocalList = undefined;
  c.received.length = 0;
  const ok = await sync(id);
  assert.deepEqual(ok.body.updates.map((u: any) => [u.updateType, u.status]), [['Full', 'Accepted']]);
  v = await view(id);
  assert.equal(v.syncState, 'in_sync');
  assert.equal(v.station.needsFull, false);
});

test('NotSupported, or a CALLERROR NotImplemented, marks the station as not supporting local lists', async () => {
  const a = await charger('LL-NS', { config: {} });
  a.answers.SendLocalList = () => 'NotSupported';
  await settings('LL-NS', { scope: { kind: 'none' }, localAuthListMaxLength: 10, sendLocalListMaxLength: 10 });
  const res = await sync('LL-NS');
  assert.equal(res.body.outcome, 'not_supported');
  assert.deepEqual(res.body.updates.map((u: any) => [u.updateType, u.localAuthorizationList, u.status]), [['Full', [], 'NotSupported']], 'scope none: an empty Full');
  const v = await view('LL-NS');
  assert.deepEqual([v.supported, v.syncState], [false, 'not_supported']);

  const b = await charger('LL-NI', { notImplemented: ['SendLocalList', 'GetConfiguration'] });
  await settings('LL-NI', { scope: { kind: 'none' } });
  const r2 = await sync('LL-NI');
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.body.outcome, 'not_supported');
  assert.deepEqual(r2.body.updates[0].error.code, 'NotImplemented');
  assert.deepEqual(actions(b), ['GetConfiguration', 'SendLocalList']);
  const v2 = await view('LL-NI');
  assert.equal(v2.supported, false);
  assert.match(v2.limits.error, /GetConfiguration.*NotImplemented/);
  assert.deepEqual(a.failures, []);
});

test('GetLocalListVersion: a charger that lost its list gets a Full update next', async () => {
  const id = 'LL-VER';
  const c = await charger(id);
  await group('VER-G', 3);
  await settings(id, { scope: { kind: 'parents', parentIdTags: ['VER-G'] }, localAuthListMaxLength: 100, sendLocalListMaxLength: 100 });
  await sync(id);
  let res = await api('GET', `/stations/${id}/local-list/version`);
  assert.deepEqual(res.body, { listVersion: 1, acknowledgedVersion: 1, matches: true, supported: true });
  assert.equal((await view(id)).syncState, 'in_sync');

  c.list.entries.clear();
  c.list.version = 0;
  res = await api('GET', `/stations/${id}/local-list/version`);
  assert.deepEqual(res.body, { listVersion: 0, acknowledgedVersion: 1, matches: false, supported: true });
  const v = await view(id);
  assert.deepEqual([v.syncState, v.station.needsFull, v.station.reportedVersion], ['out_of_sync', true, 0]);
  c.received.length = 0;
  const fixed = await sync(id);
  assert.deepEqual(fixed.body.updates.map((u: any) => [u.updateType, u.listVersion, u.status]), [['Full', 2, 'Accepted']]);
  assert.equal(c.list.entries.size, 3);
  const read = await app.request('GET', `/api/v1/stations/${id}/local-list/version`, { key: null });
  assert.equal(read.status, 401);
});

test('LocalAuthListMaxLength: the list is cut, Accepted tokens kept first, and the view says how many were left out', async () => {
  const id = 'LL-MAX';
  const c = await charger(id, { config: { LocalAuthListMaxLength: '3' } });
  await group('MAX-G', 3, 'Blocked');
  const accepted = await group('MAX-H', 2);
  await settings(id, { scope: { kind: 'parents', parentIdTags: ['MAX-G', 'MAX-H'] } });
  const res = await sync(id);
  assert.equal(res.body.outcome, 'updated');
  assert.match(res.body.notes.join(' '), /2 of 5 tokens left out: LocalAuthListMaxLength is 3/);
  const sent = c.received.find((r) => r.method === 'SendLocalList')!.params.localAuthorizationList.map((e: any) => e.idTag);
  assert.deepEqual(sent, ['MAX-G-1', ...accepted]);
  const v = await view(id);
  assert.deepEqual([v.desired.count, v.desired.truncated, v.syncState], [3, 2, 'in_sync']);
  // The operator may configure a larger limit than the charger reports.
  await settings(id, { localAuthListMaxLength: 10 });
  assert.equal((await sync(id)).body.outcome, 'updated');
  assert.equal(c.list.entries.size, 5);
});

test('an offline station is 409 and nothing is recorded; the desired list pages', async () => {
  await app.ctx.services.stations.create({ id: 'LL-OFF' });
  await group('OFF-G', 4);
  await settings('LL-OFF', { scope: { kind: 'parents', parentIdTags: ['OFF-G'] }, localAuthListMaxLength: 10, sendLocalListMaxLength: 10 });
  const res = await sync('LL-OFF');
  assert.equal(res.status, 409, res.text);
  assert.equal(res.body.error, 'station_offline');
  assert.equal((await api('GET', '/stations/LL-OFF/local-list/version')).status, 409);
  const page = await api('GET', '/stations/LL-OFF/local-list?limit=2&offset=1');
  assert.deepEqual(page.body.desired.entries.map((e: any) => e.idTag), ['OFF-G-2', 'OFF-G-3']);
  assert.deepEqual([page.body.desired.count, page.body.syncState, page.body.recentUpdates], [4, 'never_synced', []]);
});

test('no answer (timeout): the outcome says so, and what the charger holds counts as unknown until a Full update', async () => {
  // A server of its own, with a short call timeout.
  const quick = await startOpenApp({ ocpp: { callTimeoutSeconds: 1 } });
  const hang = new Set(['SendLocalList']);
  const c = await strictCharger(quick, 'LL-TIMEOUT', { hang });
  try {
    await quick.ctx.services.authorization.upsertToken({ idTag: 'TO-1', parentIdTag: 'TO-G' });
    await quick.ctx.services.localAuth.updateSettings('LL-TIMEOUT', { autoSync: false, scope: { kind: 'parents', parentIdTags: ['TO-G'] }, localAuthListMaxLength: 10, sendLocalListMaxLength: 10 });
    const res = await quick.request('POST', '/api/v1/stations/LL-TIMEOUT/local-list/sync', { body: {} });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.outcome, 'error');
    assert.deepEqual([res.body.updates[0].status, res.body.updates[0].error.code], [null, 'Timeout']);
    const v = (await quick.request('GET', '/api/v1/stations/LL-TIMEOUT/local-list')).body;
    assert.deepEqual([v.syncState, v.station.needsFull, v.lastSync.status, v.recentUpdates[0].answeredAt], ['failed', true, 'Timeout', null]);
    hang.clear();
    const again = await quick.ctx.services.localAuth.sync('LL-TIMEOUT');
    assert.deepEqual(again.updates.map((u) => [u.updateType, u.listVersion, u.status]), [['Full', 2, 'Accepted']], 'a new version, above the unanswered one');
  } finally {
    await c.close();
    await quick.cleanup();
  }
});

test('ClearCache is reachable as a command (POST /stations/{id}/clear-cache)', async () => {
  const c = await charger('LL-CC');
  const res = await api('POST', '/stations/LL-CC/clear-cache');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Accepted' });
  assert.deepEqual(c.received, [{ method: 'ClearCache', params: {} }]);
});
