// The generic command endpoint, POST /api/v1/stations/{id}/ocpp/{Action}, driven against a charger
// built on ocpp-rpc in strict mode (it validates every CALL we send against the official OCA
// 1.6 schemas): each Core command gets the charger's real answer back; the error paths get the
// documented statuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RPCClient, createRPCError } from 'ocpp-rpc';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const STATION = 'API-CMD-1';
const PASSWORD = 'a-long-random-secret-0123456789';

let app: TestApp;
let client: RPCClient;
const failures: unknown[] = [];
const received: Array<{ method: string; params: any }> = [];

const ocpp = (stationId: string, action: string, body?: unknown, opts: { key?: string | null; query?: string } = {}) =>
  app.request('POST', `/api/v1/stations/${encodeURIComponent(stationId)}/ocpp/${action}${opts.query ?? ''}`, { body, key: opts.key });

before(async () => {
  app = await startTestApp();
  await app.ctx.services.stations.create({ id: STATION, password: PASSWORD });
  client = new RPCClient({
    endpoint: app.ocppUrl(),
    identity: STATION,
    password: PASSWORD,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
  } as ConstructorParameters<typeof RPCClient>[0]);
  client.on('strictValidationFailure', (f: unknown) => failures.push(f));
  const answer = (method: string, reply: (params: any) => Record<string, unknown>) =>
    client.handle(method, async ({ params }) => {
      received.push({ method, params });
      return reply(params);
    });
  answer('ChangeAvailability', (p) => ({ status: p.type === 'Inoperative' ? 'Scheduled' : 'Accepted' }));
  answer('ChangeConfiguration', (p) => ({ status: p.key === 'MeterValueSampleInterval' ? 'Rejected' : 'Accepted' }));
  answer('ClearCache', () => ({ status: 'Rejected' }));
  answer('DataTransfer', (p) => {
    if (p.vendorId === 'com.broken') throw createRPCError('NotSupported', 'no such vendor extension here', { vendorId: p.vendorId });
    return { status: 'Accepted', data: `echo:${p.data}` };
  });
  answer('GetConfiguration', (p) => ({
    configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
    unknownKey: (p.key ?? []).filter((k: string) => k !== 'HeartbeatInterval'),
  }));
  answer('RemoteStartTransaction', (p) => ({ status: p.idTag === 'BLOCKED' ? 'Rejected' : 'Accepted' }));
  answer('RemoteStopTransaction', (p) => ({ status: p.transactionId === 42 ? 'Accepted' : 'Rejected' }));
  answer('Reset', (p) => ({ status: p.type === 'Hard' ? 'Accepted' : 'Rejected' }));
  answer('UnlockConnector', (p) => ({ status: p.connectorId === 1 ? 'Unlocked' : 'NotSupported' }));
  // Never answers: the timeout path.
  client.handle('TriggerMessage', () => new Promise(() => {}));
  await client.connect();
  const boot = (await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M' })) as { status: string };
  assert.equal(boot.status, 'Accepted');
});
after(async () => {
  await client?.close({ force: true });
  await app?.cleanup();
});

test('each of the nine Core commands goes through the generic endpoint and the charger\'s real answer comes back', async () => {
  received.length = 0;
  const cases: Array<[string, unknown, unknown]> = [
    ['ChangeAvailability', { connectorId: 0, type: 'Inoperative' }, { status: 'Scheduled' }],
    // OCTT sends out-of-range values on purpose: schema-valid means it is sent.
    ['ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '-1' }, { status: 'Rejected' }],
    ['ClearCache', {}, { status: 'Rejected' }],
    ['DataTransfer', { vendorId: 'com.acme', messageId: 'ping', data: 'hello' }, { status: 'Accepted', data: 'echo:hello' }],
    ['GetConfiguration', { key: ['HeartbeatInterval', 'NoSuchKey'] }, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['NoSuchKey'] }],
    ['RemoteStartTransaction', { connectorId: 1, idTag: 'BLOCKED' }, { status: 'Rejected' }],
    ['RemoteStopTransaction', { transactionId: 42 }, { status: 'Accepted' }],
    ['Reset', { type: 'Hard' }, { status: 'Accepted' }],
    ['UnlockConnector', { connectorId: 1 }, { status: 'Unlocked' }],
  ];
  for (const [action, payload, expected] of cases) {
    const res = await ocpp(STATION, action, payload);
    assert.equal(res.status, 200, `${action}: ${res.text}`);
    assert.deepEqual(res.body, expected, action);
  }
  assert.deepEqual(
    received,
    cases.map(([method, params]) => ({ method, params })),
    'the charger received exactly the payloads we posted',
  );
  assert.deepEqual(failures, [], 'ocpp-rpc strict mode found nothing wrong in what we sent');
});

test('a command without a body sends {}', async () => {
  received.length = 0;
  const res = await ocpp(STATION, 'ClearCache');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Rejected' });
  assert.deepEqual(received, [{ method: 'ClearCache', params: {} }]);
});

test('a payload that fails the official schema is 400 with the schema errors, and nothing is sent', async () => {
  received.length = 0;
  const bad = await ocpp(STATION, 'Reset', { type: 'Sideways' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'validation_failed');
  assert.match(bad.body.message, /Reset.*\/type must be one of: Hard, Soft/);
  assert.deepEqual(bad.body.details.errors, [{ path: '/type', message: 'must be one of: Hard, Soft' }]);
  const extra = await ocpp(STATION, 'UnlockConnector', { connectorId: 1, force: true });
  assert.equal(extra.status, 400);
  assert.deepEqual(extra.body.details.errors, [{ path: '/force', message: 'is not allowed by the schema' }]);
  const missing = await ocpp(STATION, 'ChangeConfiguration', { key: 'HeartbeatInterval' });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.body.details.errors, [{ path: '/value', message: 'is required' }]);
  const tooLong = await ocpp(STATION, 'RemoteStartTransaction', { idTag: 'X'.repeat(21) });
  assert.equal(tooLong.status, 400);
  assert.match(tooLong.body.message, /idTag/);
  const notObject = await ocpp(STATION, 'Reset', [1, 2]);
  assert.equal(notObject.status, 400);
  assert.deepEqual(received, [], 'the charger got none of them');
});

test('an unknown action is 404 and a charger-to-central action is 400, each saying why', async () => {
  const unknown = await ocpp(STATION, 'Reboot', {});
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'unknown_action');
  assert.match(unknown.body.message, /Reboot is not an OCPP 1.6 or 2.0.1 command to a charger/);
  const wrongCase = await ocpp(STATION, 'reset', { type: 'Hard' });
  assert.equal(wrongCase.status, 404);
  assert.match(wrongCase.body.message, /did you mean Reset\?/);
  const inbound = await ocpp(STATION, 'BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' });
  assert.equal(inbound.status, 400);
  assert.equal(inbound.body.error, 'not_a_command');
  assert.match(inbound.body.message, /BootNotification is sent by chargers to the central system/);
});

test('Security Whitepaper and non-Core actions are accepted by the endpoint (schema-checked like the others)', async () => {
  // ocpp-rpc has no handler for these: it answers NotImplemented, which comes back as a 502.
  const res = await ocpp(STATION, 'ExtendedTriggerMessage', { requestedMessage: 'Heartbeat' });
  assert.equal(res.status, 502, res.text);
  assert.equal(res.body.error, 'charger_error');
  assert.equal(res.body.details.code, 'NotImplemented');
  const invalid = await ocpp(STATION, 'InstallCertificate', { certificateType: 'Bogus', certificate: 'x' });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error, 'validation_failed');
});

test('a CALLERROR from the charger is 502 with its code and description', async () => {
  const res = await ocpp(STATION, 'DataTransfer', { vendorId: 'com.broken' });
  assert.equal(res.status, 502);
  assert.equal(res.body.error, 'charger_error');
  assert.equal(res.body.details.code, 'NotSupported');
  assert.equal(res.body.details.description, 'no such vendor extension here');
  assert.match(res.body.message, /DataTransfer with NotSupported: no such vendor extension here/);
});

test('no answer within ?timeout= is 504, and the charger stays usable', async () => {
  const started = performance.now();
  const res = await ocpp(STATION, 'TriggerMessage', { requestedMessage: 'Heartbeat' }, { query: '?timeout=0.3' });
  const elapsed = performance.now() - started;
  assert.equal(res.status, 504, res.text);
  assert.equal(res.body.error, 'charger_timeout');
  assert.equal(res.body.details.timeoutMs, 300);
  assert.ok(elapsed >= 290, `answered after ${Math.round(elapsed)} ms, not before the 0.3 s timeout`);
  assert.equal((await ocpp(STATION, 'Reset', { type: 'Hard' })).status, 200, 'the next command works');
  for (const q of ['?timeout=0', '?timeout=301', '?timeout=soon']) {
    assert.equal((await ocpp(STATION, 'Reset', { type: 'Hard' }, { query: q })).status, 400, q);
  }
});

test('offline, unknown, Pending and Rejected stations: 409, 404, 409, 409, nothing sent', async () => {
  await app.ctx.services.stations.create({ id: 'API-OFFLINE', password: PASSWORD });
  const offline = await ocpp('API-OFFLINE', 'Reset', { type: 'Soft' });
  assert.equal(offline.status, 409);
  assert.equal(offline.body.error, 'station_offline');
  assert.match(offline.body.message, /API-OFFLINE is not connected/);

  const unknown = await ocpp('NO-SUCH-STATION', 'Reset', { type: 'Soft' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'station_not_found');

  await app.ctx.services.stations.create({ id: 'API-PENDING', registrationStatus: 'Pending' });
  const pending = await ocpp('API-PENDING', 'Reset', { type: 'Soft' });
  assert.equal(pending.status, 409);
  assert.equal(pending.body.error, 'station_not_accepted');
  assert.match(pending.body.message, /Pending/);
  await app.ctx.services.stations.create({ id: 'API-REJECTED', registrationStatus: 'Rejected' });
  const rejected = await ocpp('API-REJECTED', 'GetConfiguration', {});
  assert.equal(rejected.status, 409);
  assert.match(rejected.body.message, /Rejected/);
});

test('a read-only key may not send commands (403); no key is 401', async () => {
  const created = await app.request('POST', '/api/v1/api-keys', { body: { name: 'viewer', role: 'read' } });
  assert.equal(created.status, 201);
  received.length = 0;
  const res = await ocpp(STATION, 'Reset', { type: 'Hard' }, { key: created.body.key });
  assert.equal(res.status, 403);
  assert.equal(res.body.error, 'forbidden');
  assert.equal((await ocpp(STATION, 'Reset', { type: 'Hard' }, { key: null })).status, 401);
  assert.deepEqual(received, []);
});

test('the OpenAPI document has one route for every action, with the action as an enum', async () => {
  const doc = await app.request('GET', '/api/v1/openapi.json', { key: null });
  const op = doc.body.paths['/api/v1/stations/{id}/ocpp/{action}']?.post;
  assert.ok(op, 'the generic command route is documented');
  const param = op.parameters.find((p: { name: string }) => p.name === 'action');
  assert.ok(param.schema.enum.includes('RemoteStartTransaction'));
  assert.ok(param.schema.enum.includes('SignedUpdateFirmware'), 'Security Whitepaper actions are listed');
  assert.ok(!param.schema.enum.includes('BootNotification'));
  assert.ok(op.responses['504'] && op.responses['502'] && op.responses['409']);
});
