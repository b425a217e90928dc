// The OCTT 1.6 central-system test cases of the Local Auth List Management profile (OCA "Test
// case document OCTT for OCPP 1.6", chapter 3, as condensed in ocpp-checklist.md §4.2),
// replayed against a real Plugboard: SimulatedCharger plays the OCTT's charge point, the REST
// API plays the operator. Each case starts as OCTT prescribes (S8 §1.3): the charger Accepted,
// no local list. Every case has its own station and tokens. The station's settings are what a
// certification run would use: limits configured (so that no GetConfiguration precedes
// SendLocalList), deletions never sent in Differential updates, no automatic updates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { acceptedCharger } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const api = (method: string, path: string, body?: unknown) => app.request(method, `/api/v1${path}`, { body });

/** Tokens of the case, one of them Blocked and one with a group and an expiry, as OCTT's list would hold. */
async function tokens(prefix: string): Promise<string[]> {
  const ids = [`${prefix}-A`, `${prefix}-B`, `${prefix}-C`];
  await app.ctx.services.authorization.upsertToken({ idTag: ids[0] });
  await app.ctx.services.authorization.upsertToken({ idTag: ids[1], status: 'Blocked' });
  await app.ctx.services.authorization.upsertToken({ idTag: ids[2], parentIdTag: `${prefix}-G`, expiryDate: '2031-01-01T00:00:00.000Z' });
  return ids;
}

/** The charger in the OCTT starting state, and the station set up for certification. */
async function certificationStation(id: string, handlers: Record<string, (p: any) => unknown>, idTags: string[] = []): Promise<SimulatedCharger> {
  const cp = await acceptedCharger(app, id, { handlers });
  const settings = await api('PUT', `/stations/${id}/local-list/settings`, {
    scope: idTags.length ? { kind: 'idTags', idTags } : { kind: 'none' },
    autoSync: false,
    omitDeletionsInDifferential: true,
    localAuthListMaxLength: 100,
    sendLocalListMaxLength: 100,
  });
  assert.equal(settings.status, 200, settings.text);
  return cp;
}

function assertEveryEntryHasIdTagInfo(payload: { localAuthorizationList?: Array<{ idTag: string; idTagInfo?: { status: string } }> }) {
  assert.ok(payload.localAuthorizationList && payload.localAuthorizationList.length > 0, 'the list has entries');
  for (const entry of payload.localAuthorizationList) assert.ok(entry.idTagInfo?.status, `${entry.idTag} has idTagInfo`);
}

test('TC_042_1_CSMS Get Local List Version (not supported)', async () => {
  const id = 'TC_042_1';
  const cp = await certificationStation(id, { GetLocalListVersion: () => ({ listVersion: -1 }) });
  const res = await api('GET', `/stations/${id}/local-list/version`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { listVersion: -1, acknowledgedVersion: 0, matches: false, supported: false });
  assert.deepEqual(cp.received, [{ action: 'GetLocalListVersion', payload: {} }]);
  const view = await api('GET', `/stations/${id}/local-list`);
  assert.equal(view.body.supported, false);
  assert.equal(view.body.syncState, 'not_supported');
  assert.equal(view.body.station.reportedVersion, -1);
});

test('TC_042_2_CSMS Get Local List Version (empty)', async () => {
  const id = 'TC_042_2';
  const cp = await certificationStation(id, { GetLocalListVersion: () => ({ listVersion: 0 }) });
  const res = await api('GET', `/stations/${id}/local-list/version`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { listVersion: 0, acknowledgedVersion: 0, matches: true, supported: true });
  assert.deepEqual(cp.received, [{ action: 'GetLocalListVersion', payload: {} }]);
  const view = await api('GET', `/stations/${id}/local-list`);
  assert.equal(view.body.supported, true);
  assert.equal(view.body.station.reportedVersion, 0);
  assert.equal(view.body.station.entryCount, 0);
});

test('TC_043_1_CSMS Send Local Authorization List – NotSupported', async () => {
  const id = 'TC_043_1';
  const idTags = await tokens(id);
  const cp = await certificationStation(id, { SendLocalList: () => ({ status: 'NotSupported' }) }, idTags);
  const res = await api('POST', `/stations/${id}/local-list/sync`, { updateType: 'Full' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.outcome, 'not_supported');
  assert.deepEqual(cp.received.map((r) => [r.action, r.payload.updateType]), [['SendLocalList', 'Full']], 'one Full update, not repeated');
  assertEveryEntryHasIdTagInfo(cp.received[0].payload);
  const view = await api('GET', `/stations/${id}/local-list`);
  assert.equal(view.body.supported, false);
  assert.equal(view.body.syncState, 'not_supported');
  assert.equal(view.body.lastSync.status, 'NotSupported');
  assert.equal(view.body.station.acknowledgedVersion, 0);
});

test('TC_043_3_CSMS Send Local Authorization List – Failed', async () => {
  const id = 'TC_043_3';
  const idTags = await tokens(id);
  const cp = await certificationStation(id, { SendLocalList: () => ({ status: 'Failed' }) }, idTags);
  const res = await api('POST', `/stations/${id}/local-list/sync`, { updateType: 'Full' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.outcome, 'failed');
  assert.equal(res.body.updates[0].status, 'Failed');
  assert.deepEqual(cp.received.map((r) => [r.action, r.payload.updateType]), [['SendLocalList', 'Full']], 'a failed Full is not resent on its own');
  assertEveryEntryHasIdTagInfo(cp.received[0].payload);
  const view = await api('GET', `/stations/${id}/local-list`);
  assert.equal(view.body.syncState, 'failed');
  assert.equal(view.body.lastSync.status, 'Failed');
  assert.equal(view.body.station.needsFull, true);
  assert.equal(view.body.station.acknowledgedVersion, 0);
});

test('TC_043_4_CSMS Send Local Authorization List – Full', async () => {
  const id = 'TC_043_4';
  const idTags = await tokens(id);
  const cp = await certificationStation(id, { SendLocalList: () => ({ status: 'Accepted' }) }, idTags);
  const res = await api('POST', `/stations/${id}/local-list/sync`, { updateType: 'Full' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.outcome, 'updated');
  assert.equal(cp.received.length, 1);
  const { action, payload } = cp.received[0];
  assert.equal(action, 'SendLocalList');
  assert.equal(payload.updateType, 'Full');
  assert.ok(Number.isInteger(payload.listVersion) && payload.listVersion > 0, 'listVersion is neither 0 nor -1 (errata 3.52)');
  assertEveryEntryHasIdTagInfo(payload);
  assert.deepEqual(payload.localAuthorizationList, [
    { idTag: idTags[0], idTagInfo: { status: 'Accepted' } },
    { idTag: idTags[1], idTagInfo: { status: 'Blocked' } },
    { idTag: idTags[2], idTagInfo: { status: 'Accepted', expiryDate: '2031-01-01T00:00:00.000Z', parentIdTag: `${id}-G` } },
  ]);
  const view = await api('GET', `/stations/${id}/local-list`);
  assert.equal(view.body.syncState, 'in_sync');
  assert.equal(view.body.station.acknowledgedVersion, payload.listVersion);
  assert.equal(view.body.station.entryCount, 3);
});

test('TC_043_5_CSMS Send Local Authorization List – Differential', async () => {
  const id = 'TC_043_5';
  const idTags = await tokens(id);
  const cp = await certificationStation(id, { GetLocalListVersion: () => ({ listVersion: 0 }), SendLocalList: () => ({ status: 'Accepted' }) }, idTags);
  const version = await api('GET', `/stations/${id}/local-list/version`);
  assert.equal(version.body.listVersion, 0);
  const res = await api('POST', `/stations/${id}/local-list/sync`, { updateType: 'Differential' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.outcome, 'updated');
  assert.deepEqual(cp.received.map((r) => r.action), ['GetLocalListVersion', 'SendLocalList']);
  const { payload } = cp.received[1];
  assert.equal(payload.updateType, 'Differential');
  assert.ok(payload.listVersion > 0);
  assertEveryEntryHasIdTagInfo(payload);
  assert.deepEqual(payload.localAuthorizationList.map((x: { idTag: string }) => x.idTag), idTags);
  const view = await api('GET', `/stations/${id}/local-list`);
  assert.equal(view.body.station.acknowledgedVersion, payload.listVersion);
  assert.equal(view.body.station.entryCount, 3);
});
