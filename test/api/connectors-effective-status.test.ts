// Effective connector status (issue 10): each ConnectorStatus keeps the last reported status and
// adds effectiveStatus / effectiveStatusReason: Offline while the station has no live connection,
// Unknown when the report claims a session no open transaction backs. Real chargers, real database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger, dropConnection } from '../e2e/support.ts';

const V1 = '/api/v1';
let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const token = async (idTag: string) => {
  await app.ctx.services.authorization.upsertToken({ idTag });
  return idTag;
};
const view = (connectors: any[]) => connectors.map((c) => [c.connectorId, c.status, c.effectiveStatus, c.effectiveStatusReason]);

test('a connected station: the reported status, or Unknown when it claims a session that is not open', async () => {
  const cp = await acceptedCharger(app, 'EFF-LIVE', {}, 3);
  const charging = (await cp.startTransaction(1, await token('TAG-EFF1'), 0)).transactionId;
  await cp.status(1, 'Charging');
  await cp.status(2, 'Charging'); // no StartTransaction: the charger claims a session Plugboard does not have
  await cp.status(3, 'SuspendedEVSE');
  const expected = [
    [0, 'Available', 'Available', null],
    [1, 'Charging', 'Charging', null],
    [2, 'Charging', 'Unknown', 'reports Charging but no session is open'],
    [3, 'SuspendedEVSE', 'Unknown', 'reports SuspendedEVSE but no session is open'],
  ];
  const detail = (await app.request('GET', `${V1}/stations/EFF-LIVE`)).body;
  assert.deepEqual(view(detail.connectors), expected);
  const listed = (await app.request('GET', `${V1}/stations?search=EFF-LIVE`)).body.items[0];
  assert.deepEqual(view(listed.connectors), expected);
  const connectors = await app.request('GET', `${V1}/stations/EFF-LIVE/connectors`);
  assert.equal(connectors.status, 200);
  assert.deepEqual(view(connectors.body.items), expected);
  assert.ok(connectors.body.items[2].timestamp && connectors.body.items[2].updatedAt, 'the reported timestamp and receipt time stay');

  // the session ends: connector 1 reporting Charging without an open transaction becomes Unknown
  await cp.stopTransaction(charging, 100);
  assert.deepEqual(view((await app.request('GET', `${V1}/stations/EFF-LIVE/connectors`)).body.items)[1], [1, 'Charging', 'Unknown', 'reports Charging but no session is open']);
  await cp.status(1, 'Finishing');
  assert.deepEqual(view((await app.request('GET', `${V1}/stations/EFF-LIVE/connectors`)).body.items)[1], [1, 'Finishing', 'Finishing', null]);
});

test('a station without a live connection: every connector Offline, saying since when; the reported status stays', async () => {
  const cp = await acceptedCharger(app, 'EFF-GONE', {}, 1);
  await cp.startTransaction(1, await token('TAG-EFF2'), 0);
  await cp.status(1, 'Charging');
  await dropConnection(cp);
  const gone = await eventually(async () => {
    const s = (await app.request('GET', `${V1}/stations/EFF-GONE`)).body;
    return !s.connected && s.lastDisconnectedAt ? s : null;
  }, 10_000, 'the disconnect to be recorded');
  const reason = `station disconnected since ${gone.lastDisconnectedAt}`;
  assert.deepEqual(view(gone.connectors), [
    [0, 'Available', 'Offline', reason],
    [1, 'Charging', 'Offline', reason],
  ]);
  assert.deepEqual(view((await app.request('GET', `${V1}/stations/EFF-GONE/connectors`)).body.items), view(gone.connectors));
  assert.deepEqual(view((await app.request('GET', `${V1}/stations?connected=false&search=EFF-GONE`)).body.items[0].connectors), view(gone.connectors));

  // back: the reported status again
  const back = app.charger('EFF-GONE');
  await back.connect();
  await eventually(async () => (await app.request('GET', `${V1}/stations/EFF-GONE`)).body.connected, 10_000, 'the reconnect');
  assert.deepEqual(view((await app.request('GET', `${V1}/stations/EFF-GONE/connectors`)).body.items), [
    [0, 'Available', 'Available', null],
    [1, 'Charging', 'Charging', null],
  ]);
});

test('the station list reads the open transactions once per page, not once per station', async () => {
  for (const id of ['EFF-P1', 'EFF-P2', 'EFF-P3']) await acceptedCharger(app, id, {}, 1);
  const service = app.ctx.services.transactions;
  const original = service.openConnectorsOf;
  const calls: string[][] = [];
  service.openConnectorsOf = (ids: string[]) => {
    calls.push([...ids]);
    return original(ids);
  };
  try {
    const page = await app.request('GET', `${V1}/stations?search=EFF-P&sort=id`);
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.items.map((s: any) => s.id), ['EFF-P1', 'EFF-P2', 'EFF-P3']);
    for (const s of page.body.items) assert.deepEqual(view(s.connectors), [[0, 'Available', 'Available', null], [1, 'Available', 'Available', null]]);
    assert.deepEqual(calls, [['EFF-P1', 'EFF-P2', 'EFF-P3']]);
  } finally {
    service.openConnectorsOf = original;
  }
});

test('the OpenAPI document describes effectiveStatus and effectiveStatusReason', async () => {
  const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
  const connector = doc.paths['/api/v1/stations/{id}/connectors'].get.responses['200'].content['application/json'].schema.properties.items.items;
  assert.equal(connector.title, 'ConnectorStatus');
  assert.equal(connector.properties.effectiveStatus.type, 'string');
  assert.equal(connector.properties.effectiveStatusReason.nullable, true);
  assert.ok(connector.required.includes('effectiveStatus') && connector.required.includes('effectiveStatusReason'));
});
