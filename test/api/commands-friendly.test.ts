// The friendly command endpoints: each sends the right OCPP call and returns the charger's answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

const STATION = 'FRIENDLY-1';
let app: TestApp;
let cp: SimulatedCharger;
/** transactions this charger already stopped: it answers their RemoteStop Rejected */
const stoppedHere = new Set<number>();

before(async () => {
  app = await startOpenApp();
  cp = app.charger(STATION, {
    handlers: {
      RemoteStartTransaction: (p) => ({ status: p.connectorId === 2 ? 'Rejected' : 'Accepted' }),
      RemoteStopTransaction: (p) => ({ status: stoppedHere.has(p.transactionId) ? 'Rejected' : 'Accepted' }),
      Reset: (p) => ({ status: p.type === 'Soft' ? 'Accepted' : 'Rejected' }),
      UnlockConnector: (p) => ({ status: p.connectorId === 1 ? 'Unlocked' : 'UnlockFailed' }),
      ChangeAvailability: (p) => ({ status: p.connectorId === 0 ? 'Scheduled' : 'Accepted' }),
      GetConfiguration: (p) => ({
        configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }].filter((k) => !p.key || p.key.includes(k.key)),
        ...(p.key ? { unknownKey: p.key.filter((k: string) => k !== 'HeartbeatInterval') } : {}),
      }),
      ChangeConfiguration: (p) => ({ status: p.key === 'HeartbeatInterval' ? 'Accepted' : 'NotSupported' }),
      ClearCache: () => ({ status: 'Accepted' }),
      DataTransfer: (p) => ({ status: 'Accepted', data: `${p.vendorId}/${p.messageId}/${p.data}` }),
    },
  });
  await cp.connect();
  await cp.boot();
});
after(() => app?.cleanup());

/** The last CALL the charger received. */
const lastCall = () => cp.received.at(-1);

test('remote start: the OCPP payload is built from the body, the answer is the charger\'s', async () => {
  const res = await app.request('POST', `/api/v1/stations/${STATION}/remote-start`, { body: { connectorId: 1, idTag: 'TAG-1' } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Accepted' });
  assert.deepEqual(lastCall(), { action: 'RemoteStartTransaction', payload: { connectorId: 1, idTag: 'TAG-1' } });
  const rejected = await app.request('POST', `/api/v1/stations/${STATION}/remote-start`, { body: { connectorId: 2, idTag: 'TAG-1' } });
  assert.deepEqual([rejected.status, rejected.body], [200, { status: 'Rejected' }]);

  const profile = {
    chargingProfileId: 7,
    stackLevel: 0,
    chargingProfilePurpose: 'TxProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  };
  const withProfile = await app.request('POST', `/api/v1/stations/${STATION}/remote-start`, { body: { idTag: 'TAG-2', chargingProfile: profile } });
  assert.equal(withProfile.status, 200, withProfile.text);
  assert.deepEqual(lastCall(), { action: 'RemoteStartTransaction', payload: { idTag: 'TAG-2', chargingProfile: profile } });
});

test('remote start refuses what the protocol forbids (400, nothing sent)', async () => {
  const before = cp.received.length;
  const zero = await app.request('POST', `/api/v1/stations/${STATION}/remote-start`, { body: { connectorId: 0, idTag: 'TAG-1' } });
  assert.equal(zero.status, 400);
  const purpose = await app.request('POST', `/api/v1/stations/${STATION}/remote-start`, {
    body: {
      idTag: 'TAG-1',
      chargingProfile: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7000 }] } },
    },
  });
  assert.equal(purpose.status, 400);
  assert.equal(purpose.body.error, 'invalid_command');
  assert.match(purpose.body.message, /TxProfile/);
  const schema = await app.request('POST', `/api/v1/stations/${STATION}/remote-start`, { body: { idTag: 'TAG-1', chargingProfile: { chargingProfileId: 1 } } });
  assert.equal(schema.status, 400);
  assert.equal(schema.body.error, 'validation_failed');
  assert.match(schema.body.message, /chargingProfile/);
  const noTag = await app.request('POST', `/api/v1/stations/${STATION}/remote-start`, { body: { connectorId: 1 } });
  assert.equal(noTag.status, 400);
  assert.equal(cp.received.length, before);
});

test('remote stop by transaction id: sent to the charger running it; unknown transaction is 404', async () => {
  await app.ctx.services.authorization.upsertToken({ idTag: 'TAG-STOP' });
  const started = await cp.startTransaction(1, 'TAG-STOP', 1000);
  const res = await app.request('POST', `/api/v1/transactions/${started.transactionId}/remote-stop`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Accepted' });
  assert.deepEqual(lastCall(), { action: 'RemoteStopTransaction', payload: { transactionId: started.transactionId } });
  const unknown = await app.request('POST', '/api/v1/transactions/999999/remote-stop');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'transaction_not_found');
});

test('remote stop of a finished transaction is still sent; the answer is the charger\'s', async () => {
  await app.ctx.services.authorization.upsertToken({ idTag: 'TAG-DONE' });
  const started = await cp.startTransaction(1, 'TAG-DONE', 1000);
  await cp.stopTransaction(started.transactionId, 1500);
  stoppedHere.add(started.transactionId);
  const res = await app.request('POST', `/api/v1/transactions/${started.transactionId}/remote-stop`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Rejected' });
  assert.deepEqual(lastCall(), { action: 'RemoteStopTransaction', payload: { transactionId: started.transactionId } });
});

test('reset, unlock, availability', async () => {
  const soft = await app.request('POST', `/api/v1/stations/${STATION}/reset`, { body: { type: 'Soft' } });
  assert.deepEqual([soft.status, soft.body], [200, { status: 'Accepted' }]);
  assert.deepEqual(lastCall(), { action: 'Reset', payload: { type: 'Soft' } });
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/reset`, { body: { type: 'Warm' } })).status, 400);

  const unlock = await app.request('POST', `/api/v1/stations/${STATION}/connectors/1/unlock`);
  assert.deepEqual([unlock.status, unlock.body], [200, { status: 'Unlocked' }]);
  assert.deepEqual(lastCall(), { action: 'UnlockConnector', payload: { connectorId: 1 } });
  const failed = await app.request('POST', `/api/v1/stations/${STATION}/connectors/2/unlock`);
  assert.deepEqual(failed.body, { status: 'UnlockFailed' });
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/connectors/0/unlock`)).status, 400);

  const whole = await app.request('POST', `/api/v1/stations/${STATION}/availability`, { body: { connectorId: 0, type: 'Inoperative' } });
  assert.deepEqual([whole.status, whole.body], [200, { status: 'Scheduled' }]);
  assert.deepEqual(lastCall(), { action: 'ChangeAvailability', payload: { connectorId: 0, type: 'Inoperative' } });
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/availability`, { body: { connectorId: 1, type: 'Broken' } })).status, 400);
});

test('configuration: get some or all keys, change one', async () => {
  const some = await app.request('GET', `/api/v1/stations/${STATION}/configuration?key=HeartbeatInterval&key=Nope`);
  assert.equal(some.status, 200, some.text);
  assert.deepEqual(some.body, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Nope'] });
  assert.deepEqual(lastCall(), { action: 'GetConfiguration', payload: { key: ['HeartbeatInterval', 'Nope'] } });
  const all = await app.request('GET', `/api/v1/stations/${STATION}/configuration`);
  assert.equal(all.status, 200);
  assert.deepEqual(lastCall(), { action: 'GetConfiguration', payload: {} });
  const one = await app.request('GET', `/api/v1/stations/${STATION}/configuration?key=HeartbeatInterval`);
  assert.deepEqual(lastCall(), { action: 'GetConfiguration', payload: { key: ['HeartbeatInterval'] } });
  assert.equal(one.status, 200);

  const change = await app.request('PUT', `/api/v1/stations/${STATION}/configuration/HeartbeatInterval`, { body: { value: '60' } });
  assert.deepEqual([change.status, change.body], [200, { status: 'Accepted' }]);
  assert.deepEqual(lastCall(), { action: 'ChangeConfiguration', payload: { key: 'HeartbeatInterval', value: '60' } });
  const unsupported = await app.request('PUT', `/api/v1/stations/${STATION}/configuration/VendorThing`, { body: { value: '-1' } });
  assert.deepEqual(unsupported.body, { status: 'NotSupported' });
  assert.equal((await app.request('PUT', `/api/v1/stations/${STATION}/configuration/${'K'.repeat(51)}`, { body: { value: '1' } })).status, 400);
  assert.equal((await app.request('PUT', `/api/v1/stations/${STATION}/configuration/HeartbeatInterval`, { body: {} })).status, 400);
});

test('clear cache and data transfer', async () => {
  const clear = await app.request('POST', `/api/v1/stations/${STATION}/clear-cache`);
  assert.deepEqual([clear.status, clear.body], [200, { status: 'Accepted' }]);
  assert.deepEqual(lastCall(), { action: 'ClearCache', payload: {} });
  const dt = await app.request('POST', `/api/v1/stations/${STATION}/data-transfer`, { body: { vendorId: 'com.acme', messageId: 'm1', data: 'x' } });
  assert.deepEqual([dt.status, dt.body], [200, { status: 'Accepted', data: 'com.acme/m1/x' }]);
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/data-transfer`, { body: { messageId: 'm1' } })).status, 400);
});

test('friendly endpoints share the error paths: offline 409, unknown 404, read-only 403 (GET configuration is a read)', async () => {
  await app.ctx.services.stations.create({ id: 'FRIENDLY-OFF' });
  const offline = await app.request('POST', '/api/v1/stations/FRIENDLY-OFF/reset', { body: { type: 'Hard' } });
  assert.equal(offline.status, 409);
  assert.equal(offline.body.error, 'station_offline');
  assert.equal((await app.request('POST', '/api/v1/stations/NOPE/clear-cache')).status, 404);
  const read = await app.request('POST', '/api/v1/api-keys', { body: { name: 'viewer', role: 'read' } });
  const key = read.body.key;
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/reset`, { body: { type: 'Soft' }, key })).status, 403);
  assert.equal((await app.request('PUT', `/api/v1/stations/${STATION}/configuration/HeartbeatInterval`, { body: { value: '1' }, key })).status, 403);
  assert.equal((await app.request('GET', `/api/v1/stations/${STATION}/configuration`, { key })).status, 200);
});
