// Automatic local-list updates: token changes through the API (debounced: a burst of edits, or
// a 5,000-row CSV import, is one update per station), a station that was offline brought up to
// date when it reconnects, a charger that lost its list given a Full one; and the token.changed
// events the authorization service publishes. Strict-mode ocpp-rpc chargers keep real lists.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';
import { actions, ChargerList, strictCharger, type StrictCharger } from './localauth-charger.ts';

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
const settled = () => app.ctx.services.localAuth.settled();
const view = async (id: string) => (await api('GET', `/stations/${id}/local-list`)).body;

async function charger(id: string, opts: Parameters<typeof strictCharger>[2] = {}): Promise<StrictCharger> {
  const c = await strictCharger(app, id, opts);
  chargers.push(c);
  return c;
}

/** A managed station with automatic updates (the default), its group's tokens in scope; waits for the first update. */
async function managed(id: string, parent: string, c: StrictCharger): Promise<void> {
  const res = await api('PUT', `/stations/${id}/local-list/settings`, { scope: { kind: 'parents', parentIdTags: [parent] }, localAuthListMaxLength: 10_000, sendLocalListMaxLength: 10_000 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.autoSync, true, 'automatic updates are on by default');
  await settled();
  assert.equal((await view(id)).syncState, 'in_sync');
  c.received.length = 0;
}

test('the authorization service publishes token.changed after each change, imports included', async () => {
  const events: PlugboardEvent[] = [];
  const off = app.ctx.bus.subscribe((e) => e.type === 'token.changed' && events.push(e));
  try {
    assert.equal((await api('POST', '/tokens', { idTag: 'EV-1', parentIdTag: 'EV-G' })).status, 201);
    assert.equal((await api('POST', '/tokens/EV-1/block')).status, 200);
    assert.equal((await api('PATCH', '/tokens/EV-1', { parentIdTag: 'EV-H' })).status, 200);
    assert.equal((await api('DELETE', '/tokens/EV-1')).status, 204);
    assert.equal((await api('DELETE', '/tokens/EV-1')).status, 404);
    const csv = await app.request('POST', '/api/v1/tokens/import', { body: 'idTag,parentIdTag\nEV-2,EV-G\nEV-3,\n', headers: { 'content-type': 'text/csv' } });
    assert.equal(csv.status, 200, csv.text);
    const big = ['idTag', ...Array.from({ length: 150 }, (_, i) => `EV-BIG-${i}`)].join('\n');
    assert.equal((await app.request('POST', '/api/v1/tokens/import', { body: big, headers: { 'content-type': 'text/csv' } })).status, 200);
  } finally {
    off();
  }
  const summary = events.map((e) => (e.type === 'token.changed' ? [e.change, e.count, e.idTags.length, e.parentIdTags, e.stationId] : []));
  assert.deepEqual(summary, [
    ['created', 1, 1, ['EV-G'], ''],
    ['updated', 1, 1, ['EV-G'], ''],
    ['updated', 1, 1, ['EV-H'], ''],
    ['deleted', 1, 1, [], ''],
    ['imported', 2, 2, ['EV-G'], ''],
    // Too many to name: the count says so, and listeners treat every station as concerned.
    ['imported', 150, 100, [], ''],
  ]);
});

test('token edits through the API reach a managed station automatically, a burst of them as one Differential', async () => {
  const id = 'AUTO-1';
  const c = await charger(id);
  for (let i = 1; i <= 8; i++) await api('POST', '/tokens', { idTag: `AUTO1-${i}`, parentIdTag: 'AUTO1-G' });
  await managed(id, 'AUTO1-G', c);
  assert.equal(c.list.entries.size, 8);

  await api('POST', '/tokens/AUTO1-1/block');
  await api('DELETE', '/tokens/AUTO1-2');
  await api('POST', '/tokens', { idTag: 'AUTO1-9', parentIdTag: 'AUTO1-G' });
  await api('POST', '/tokens', { idTag: 'OTHER-1', parentIdTag: 'OTHER-G' });
  await eventually(() => c.received.length > 0, 5000, 'an automatic update');
  await settled();
  assert.deepEqual(actions(c), ['SendLocalList'], 'one update for the burst');
  assert.deepEqual(c.received[0].params.localAuthorizationList, [
    { idTag: 'AUTO1-2' },
    { idTag: 'AUTO1-1', idTagInfo: { status: 'Blocked', parentIdTag: 'AUTO1-G' } },
    { idTag: 'AUTO1-9', idTagInfo: { status: 'Accepted', parentIdTag: 'AUTO1-G' } },
  ]);
  const v = await view(id);
  assert.equal(v.syncState, 'in_sync');
  assert.deepEqual(v.recentUpdates.map((u: any) => u.cause).slice(0, 2), ['tokens', 'settings']);

  // A change outside the station's scope sends nothing.
  c.received.length = 0;
  await api('POST', '/tokens/OTHER-1/block');
  await new Promise((r) => setTimeout(r, 1100));
  await settled();
  assert.deepEqual(c.received, []);
  assert.deepEqual(c.failures, []);
});

test('a 5,000-token CSV import gives one update per station; unmanaged stations and stations with autoSync off get nothing', async () => {
  const a = await charger('AUTO-IMP-A');
  const b = await charger('AUTO-IMP-B');
  const unmanaged = await charger('AUTO-IMP-U');
  const off = await charger('AUTO-IMP-OFF');
  await api('POST', '/tokens', { idTag: 'IMP-SEED', parentIdTag: 'IMP-G' });
  await managed('AUTO-IMP-A', 'IMP-G', a);
  await managed('AUTO-IMP-B', 'IMP-G', b);
  assert.equal((await api('PUT', '/stations/AUTO-IMP-OFF/local-list/settings', { autoSync: false, scope: { kind: 'parents', parentIdTags: ['IMP-G'] } })).status, 200);

  const rows = Array.from({ length: 5000 }, (_, i) => `IMP-${String(i).padStart(4, '0')},IMP-G`);
  const res = await app.request('POST', '/api/v1/tokens/import', { body: ['idTag,parentIdTag', ...rows].join('\n'), headers: { 'content-type': 'text/csv' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.created, 5000);
  await eventually(() => a.received.length > 0 && b.received.length > 0, 10_000, 'both stations updated');
  await settled();
  for (const c of [a, b]) {
    assert.deepEqual(actions(c), ['SendLocalList']);
    assert.equal(c.list.entries.size, 5001);
  }
  assert.deepEqual(unmanaged.received, []);
  assert.deepEqual(off.received, []);
  assert.deepEqual([a.failures, b.failures], [[], []]);
});

test('a station offline during token changes is brought up to date when it reconnects', async () => {
  const id = 'AUTO-RECONNECT';
  const list = new ChargerList();
  let c = await charger(id, { list });
  for (let i = 1; i <= 6; i++) await api('POST', '/tokens', { idTag: `RC-${i}`, parentIdTag: 'RC-G' });
  await managed(id, 'RC-G', c);
  const version = list.version;
  await c.close();
  await eventually(() => !app.ctx.services.stations.isConnected(id), 5000, 'disconnect seen');

  await api('POST', '/tokens/RC-1/block');
  await api('POST', '/tokens', { idTag: 'RC-7', parentIdTag: 'RC-G' });
  await new Promise((r) => setTimeout(r, 1100));
  await settled();
  assert.equal((await view(id)).syncState, 'out_of_sync', 'the change waits for the charger');

  // Same charger (same list) back online.
  c = await charger(id, { list });
  await eventually(() => c.received.some((r) => r.method === 'SendLocalList'), 5000, 'update after reconnect');
  await settled();
  assert.deepEqual(actions(c), ['GetLocalListVersion', 'SendLocalList'], 'it checks the version the charger kept, then sends what it missed');
  assert.equal(c.received[1].params.updateType, 'Differential');
  assert.equal(c.received[1].params.listVersion, version + 1);
  assert.deepEqual(c.list.statuses()['RC-1'], 'Blocked');
  assert.ok(c.list.entries.has('RC-7'));
  const v = await view(id);
  assert.equal(v.syncState, 'in_sync');
  assert.equal(v.recentUpdates[0].cause, 'boot');
  assert.deepEqual(c.failures, []);
});

test('a charger that comes back without its list gets a Full update; one that kept it gets nothing', async () => {
  const id = 'AUTO-LOST';
  let c = await charger(id);
  for (let i = 1; i <= 4; i++) await api('POST', '/tokens', { idTag: `LOST-${i}`, parentIdTag: 'LOST-G' });
  await managed(id, 'LOST-G', c);
  const kept = c.list;
  await c.close();
  await eventually(() => !app.ctx.services.stations.isConnected(id), 5000, 'disconnect seen');

  c = await charger(id, { list: kept });
  await eventually(() => c.received.length > 0, 5000, 'version check');
  await settled();
  assert.deepEqual(actions(c), ['GetLocalListVersion'], 'the list is as recorded: nothing to send');
  await c.close();
  await eventually(() => !app.ctx.services.stations.isConnected(id), 5000, 'disconnect seen');

  // A new charger (factory reset): empty list, version 0. It reconnects without booting.
  c = await charger(id, { boot: false });
  await eventually(() => c.received.some((r) => r.method === 'SendLocalList'), 5000, 'update after reconnect');
  await settled();
  assert.deepEqual(actions(c), ['GetLocalListVersion', 'SendLocalList']);
  assert.equal(c.received[1].params.updateType, 'Full');
  assert.equal(c.list.entries.size, 4);
  assert.equal((await view(id)).recentUpdates[0].cause, 'reconnect');
});

test('a station that answered NotSupported is left alone by automatic updates', async () => {
  const id = 'AUTO-NS';
  const c = await charger(id);
  c.answers.SendLocalList = () => 'NotSupported';
  await api('POST', '/tokens', { idTag: 'NS-1', parentIdTag: 'NS-G' });
  assert.equal((await api('PUT', `/stations/${id}/local-list/settings`, { scope: { kind: 'parents', parentIdTags: ['NS-G'] }, localAuthListMaxLength: 10, sendLocalListMaxLength: 10 })).status, 200);
  await settled();
  assert.deepEqual(actions(c), ['SendLocalList']);
  assert.equal((await view(id)).syncState, 'not_supported');
  c.received.length = 0;
  await api('POST', '/tokens', { idTag: 'NS-2', parentIdTag: 'NS-G' });
  await new Promise((r) => setTimeout(r, 1100));
  await settled();
  assert.deepEqual(c.received, []);
});
