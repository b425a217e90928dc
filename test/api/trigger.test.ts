// POST /api/v1/stations/{id}/trigger (TriggerMessage), driven against a charger built on ocpp-rpc
// in strict mode: every requestable message with and without connectorId, the charger's three
// answers, the triggered message arriving afterwards, errata 3.40 (no BootNotification trigger
// to an Accepted station unless forced) and the error paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RPCClient, createRPCError } from 'ocpp-rpc';
import { eventually, startTestApp, type TestApp } from '../helpers/app.ts';

const STATION = 'API-TRG-1';
const PENDING = 'API-TRG-PENDING';
const PASSWORD = 'a-long-random-secret-0123456789';

let app: TestApp;
let client: RPCClient;
const clients: RPCClient[] = [];
const failures: unknown[] = [];
const received: Array<{ station: string; params: any }> = [];

const trigger = (stationId: string, body: unknown, query = '') => app.request('POST', `/api/v1/stations/${encodeURIComponent(stationId)}/trigger${query}`, { body });

/**
 * A strict ocpp-rpc charger with two connectors: connectorId 3 or more is Rejected, Diagnostics
 * NotImplemented, FirmwareStatusNotification a CALLERROR, Heartbeat with connectorId 2 never
 * answered; everything else Accepted, and a triggered StatusNotification or BootNotification is
 * then sent (OCPP 1.6 §5.17: after the answer).
 */
async function charger(identity: string): Promise<RPCClient> {
  const c = new RPCClient({ endpoint: app.ocppUrl(), identity, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  c.on('strictValidationFailure', (f: unknown) => failures.push(f));
  c.handle('TriggerMessage', async (call) => {
    const params = call.params as any;
    received.push({ station: identity, params });
    if (params.connectorId !== undefined && params.connectorId > 2) return { status: 'Rejected' };
    if (params.requestedMessage === 'DiagnosticsStatusNotification') return { status: 'NotImplemented' };
    if (params.requestedMessage === 'FirmwareStatusNotification') throw createRPCError('GenericError', 'firmware subsystem down');
    if (params.requestedMessage === 'Heartbeat' && params.connectorId === 2) return new Promise(() => {});
    if (params.requestedMessage === 'StatusNotification') {
      setImmediate(() => c.call('StatusNotification', { connectorId: params.connectorId ?? 0, status: 'Available', errorCode: 'NoError' }).catch(() => {}));
    }
    if (params.requestedMessage === 'BootNotification') {
      setImmediate(() => c.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'T', firmwareVersion: 'triggered' }).catch(() => {}));
    }
    return { status: 'Accepted' };
  });
  await c.connect();
  clients.push(c);
  return c;
}

before(async () => {
  app = await startTestApp();
  await app.ctx.services.stations.create({ id: STATION, password: PASSWORD });
  await app.ctx.services.stations.create({ id: PENDING, password: PASSWORD, registrationStatus: 'Pending' });
  client = await charger(STATION);
  assert.equal(((await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'T' })) as { status: string }).status, 'Accepted');
});
after(async () => {
  for (const c of clients) await c.close({ force: true });
  await app?.cleanup();
});

test('every requestable message, with and without connectorId, is sent as asked and the charger\'s answer comes back', async () => {
  received.length = 0;
  const cases: Array<[Record<string, unknown>, number, unknown]> = [
    [{ requestedMessage: 'MeterValues', connectorId: 1 }, 200, { status: 'Accepted' }],
    [{ requestedMessage: 'MeterValues' }, 200, { status: 'Accepted' }],
    [{ requestedMessage: 'Heartbeat' }, 200, { status: 'Accepted' }],
    [{ requestedMessage: 'StatusNotification', connectorId: 0 }, 200, { status: 'Accepted' }],
    [{ requestedMessage: 'StatusNotification' }, 200, { status: 'Accepted' }],
    [{ requestedMessage: 'DiagnosticsStatusNotification' }, 200, { status: 'NotImplemented' }],
    [{ requestedMessage: 'MeterValues', connectorId: 3 }, 200, { status: 'Rejected' }],
    [{ requestedMessage: 'BootNotification', force: true }, 200, { status: 'Accepted' }],
  ];
  for (const [body, status, expected] of cases) {
    const res = await trigger(STATION, body);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
    assert.deepEqual(res.body, expected, JSON.stringify(body));
  }
  assert.deepEqual(
    received.map((r) => r.params),
    cases.map(([{ force: _force, ...payload }]) => payload),
    'the charger received exactly these payloads (force is not part of the OCPP message)',
  );
  // The triggered messages arrive afterwards and are handled like any other.
  const statuses = await eventually(async () => {
    const rows = await app.ctx.services.stations.statusHistory(STATION, 0);
    return rows.length >= 2 ? rows : null;
  }, 5000, 'the triggered StatusNotifications');
  assert.deepEqual(statuses.map((r) => r.status), ['Available', 'Available']);
  await eventually(async () => (await app.ctx.services.stations.get(STATION))?.firmware_version === 'triggered', 5000, 'the triggered BootNotification');
  assert.deepEqual(failures, [], 'ocpp-rpc strict mode found nothing wrong');
});

test('errata 3.40: BootNotification to an Accepted station is refused (409, nothing sent) unless forced', async () => {
  received.length = 0;
  const res = await trigger(STATION, { requestedMessage: 'BootNotification' });
  assert.equal(res.status, 409);
  assert.equal(res.body.error, 'boot_trigger_refused');
  assert.match(res.body.message, /errata 3\.40/);
  assert.match(res.body.message, /force/);
  const notForced = await trigger(STATION, { requestedMessage: 'BootNotification', force: false });
  assert.equal(notForced.status, 409);
  assert.deepEqual(received, []);
});

test('a Pending station may be asked for its BootNotification: the trigger\'s purpose', async () => {
  const pending = await charger(PENDING);
  assert.equal(((await pending.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'T' })) as { status: string }).status, 'Pending');
  received.length = 0;
  const res = await trigger(PENDING, { requestedMessage: 'BootNotification' });
  assert.deepEqual([res.status, res.body], [200, { status: 'Accepted' }]);
  assert.deepEqual(received, [{ station: PENDING, params: { requestedMessage: 'BootNotification' } }]);
  await eventually(async () => (await app.ctx.services.stations.get(PENDING))?.firmware_version === 'triggered', 5000, 'the triggered BootNotification');
});

test('invalid requests are 400 and nothing is sent', async () => {
  received.length = 0;
  for (const body of [
    {},
    { requestedMessage: 'SignChargePointCertificate' },
    { requestedMessage: 'LogStatusNotification' },
    { requestedMessage: 'Heartbeat', connectorId: -1 },
    { requestedMessage: 'Heartbeat', connectorId: 1.5 },
    { requestedMessage: 'Heartbeat', extra: true },
  ]) {
    const res = await trigger(STATION, body);
    assert.deepEqual([res.status, res.body.error], [400, 'validation_failed'], JSON.stringify(body));
  }
  assert.deepEqual(received, []);
});

test('a CALLERROR is 502, no answer 504, an offline or unknown station 409 or 404', async () => {
  const err = await trigger(STATION, { requestedMessage: 'FirmwareStatusNotification' });
  assert.deepEqual([err.status, err.body.error, err.body.details.code, err.body.details.description], [502, 'charger_error', 'GenericError', 'firmware subsystem down']);
  const slow = await trigger(STATION, { requestedMessage: 'Heartbeat', connectorId: 2 }, '?timeout=0.3');
  assert.deepEqual([slow.status, slow.body.error], [504, 'charger_timeout']);
  assert.deepEqual((await trigger(STATION, { requestedMessage: 'Heartbeat' })).body, { status: 'Accepted' }, 'the charger stays usable');
  await app.ctx.services.stations.create({ id: 'API-TRG-OFFLINE', password: PASSWORD });
  const offline = await trigger('API-TRG-OFFLINE', { requestedMessage: 'Heartbeat' });
  assert.deepEqual([offline.status, offline.body.error], [409, 'station_offline']);
  const unknown = await trigger('NO-SUCH', { requestedMessage: 'BootNotification' });
  assert.deepEqual([unknown.status, unknown.body.error], [404, 'station_not_found']);
  const read = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'viewer', role: 'read' } })).body.key;
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/trigger`, { body: { requestedMessage: 'Heartbeat' }, key: read })).status, 403);
});
