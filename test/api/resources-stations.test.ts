// Stations, connectors and unknown stations over the REST API, with real chargers connecting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, eventually, type TestApp } from '../helpers/app.ts';

const PASSWORD = 'station-password-0001';
const V1 = '/api/v1';

let app: TestApp;
let readKey: string;

before(async () => {
  app = await startTestApp();
  const created = await app.request('POST', `${V1}/api-keys`, { body: { name: 'reader', role: 'read' } });
  assert.equal(created.status, 201);
  readKey = created.body.key;
});
after(() => app.cleanup());

async function createStation(id: string, extra: Record<string, unknown> = {}) {
  const res = await app.request('POST', `${V1}/stations`, { body: { id, password: PASSWORD, ...extra } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

function assertValidation(res: { status: number; body: any }, field: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, 'validation_failed');
  assert.match(res.body.message, new RegExp(field), `the message names ${field}: ${res.body.message}`);
}

test('create a station: 201 with hasPassword and never the hash; 409 when it exists; get and 404', async () => {
  const created = await createStation('ST-CREATE', { securityProfile: 1, registrationStatus: 'Pending' });
  assert.equal(created.id, 'ST-CREATE');
  assert.equal(created.registrationStatus, 'Pending');
  assert.equal(created.securityProfile, 1);
  assert.equal(created.effectiveSecurityProfile, 1);
  assert.equal(created.hasPassword, true);
  assert.equal(created.connected, false);
  assert.deepEqual(created.connectors, []);
  assert.match(created.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const got = await app.request('GET', `${V1}/stations/ST-CREATE`);
  assert.equal(got.status, 200);
  assert.doesNotMatch(got.text, /scrypt|password_hash|passwordHash/, 'the hash never leaves');
  assert.deepEqual(got.body, created);

  const again = await app.request('POST', `${V1}/stations`, { body: { id: 'ST-CREATE' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.error, 'conflict');

  const missing = await app.request('GET', `${V1}/stations/NO-SUCH`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'station_not_found');

  const noPassword = await createStation('ST-NOPW', { password: null, securityProfile: null });
  assert.equal(noPassword.hasPassword, false);
  assert.equal(noPassword.securityProfile, null);
  assert.equal(noPassword.effectiveSecurityProfile, app.config.ocpp.defaultSecurityProfile);
});

test('create validates its body and names the field', async () => {
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { id: 'X', password: 'short' } }), 'password');
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { id: 'X', securityProfile: 4 } }), 'securityProfile');
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { id: 'X', registrationStatus: 'Maybe' } }), 'registrationStatus');
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { id: '' } }), 'id');
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { id: 'bad\u0001id' } }), 'id');
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { password: PASSWORD } }), 'id');
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { id: 'X', colour: 'red' } }), 'additional');
  assert.equal((await app.request('GET', `${V1}/stations/X`)).status, 404, 'nothing was created');
});

test('a connected charger: live state, boot information, last seen and connector statuses in get and list', async () => {
  await createStation('ST-LIVE');
  await createStation('ST-IDLE');
  const cp = app.charger('ST-LIVE', { password: PASSWORD });
  await cp.connect();
  assert.equal((await cp.boot({ chargePointSerialNumber: 'SER-1', firmwareVersion: '1.2.3', meterType: 'M1' })).status, 'Accepted');
  await cp.status(0, 'Available');
  await cp.status(1, 'Available');
  await cp.status(2, 'Faulted', 'GroundFailure', { info: 'ground', vendorErrorCode: 'E42' });

  // Connection timestamps are coalesced writes (a fraction of a second late).
  const s = await eventually(async () => {
    const got = await app.request('GET', `${V1}/stations/ST-LIVE`);
    assert.equal(got.status, 200);
    return got.body.lastConnectedAt ? got.body : null;
  }, 5000, 'lastConnectedAt');
  assert.equal(s.connected, true);
  assert.equal(s.vendor, 'Plugboard');
  assert.equal(s.model, 'Simulator');
  assert.equal(s.chargePointSerialNumber, 'SER-1');
  assert.equal(s.firmwareVersion, '1.2.3');
  assert.equal(s.meterType, 'M1');
  assert.equal(s.ocppProtocol, 'ocpp1.6');
  assert.ok(s.lastBootAt && s.lastSeenAt && s.lastConnectedAt);
  assert.ok(s.lastSeenAt >= s.lastBootAt);
  assert.deepEqual(
    s.connectors.map((c: any) => [c.connectorId, c.status, c.errorCode]),
    [[0, 'Available', 'NoError'], [1, 'Available', 'NoError'], [2, 'Faulted', 'GroundFailure']],
  );
  assert.equal(s.connectors[2].info, 'ground');
  assert.equal(s.connectors[2].vendorErrorCode, 'E42');

  const connected = await app.request('GET', `${V1}/stations?connected=true`);
  assert.deepEqual(connected.body.items.map((x: any) => x.id), ['ST-LIVE']);
  assert.equal(connected.body.total, 1);
  assert.equal(connected.body.items[0].connectors.length, 3, 'the list carries connector statuses too');
  const offline = await app.request('GET', `${V1}/stations?connected=false&search=ST-`);
  assert.ok(offline.body.items.every((x: any) => x.connected === false));
  assert.ok(offline.body.items.some((x: any) => x.id === 'ST-IDLE'));
  assert.ok(!offline.body.items.some((x: any) => x.id === 'ST-LIVE'));

  await cp.close();
  await eventually(async () => (await app.request('GET', `${V1}/stations/ST-LIVE`)).body.connected === false, 5000, 'disconnect seen');
  const after = (await app.request('GET', `${V1}/stations/ST-LIVE`)).body;
  await eventually(async () => (await app.request('GET', `${V1}/stations/ST-LIVE`)).body.lastDisconnectedAt, 5000, 'lastDisconnectedAt');
  assert.equal(after.connectors.length, 3, 'statuses stay after a disconnect');
});

test('list: filters, search (case-insensitive, wildcards literal), sort and pagination', async () => {
  for (const [id, status] of [['LS-A', 'Accepted'], ['LS-B', 'Pending'], ['LS-C', 'Rejected'], ['LS_D', 'Accepted']] as const) {
    await createStation(id, { registrationStatus: status });
  }
  const all = await app.request('GET', `${V1}/stations?search=ls&sort=-id&limit=2`);
  assert.equal(all.status, 200);
  assert.equal(all.body.total, 4);
  assert.equal(all.body.limit, 2);
  assert.equal(all.body.offset, 0);
  assert.deepEqual(all.body.items.map((s: any) => s.id), ['LS_D', 'LS-C']);
  const next = await app.request('GET', `${V1}/stations?search=ls&sort=-id&limit=2&offset=2`);
  assert.deepEqual(next.body.items.map((s: any) => s.id), ['LS-B', 'LS-A']);
  const pending = await app.request('GET', `${V1}/stations?search=LS&registrationStatus=Pending`);
  assert.deepEqual(pending.body.items.map((s: any) => s.id), ['LS-B']);
  const underscore = await app.request('GET', `${V1}/stations?search=${encodeURIComponent('ls_')}`);
  assert.deepEqual(underscore.body.items.map((s: any) => s.id), ['LS_D'], '_ is not a wildcard');
  const percent = await app.request('GET', `${V1}/stations?search=${encodeURIComponent('%')}`);
  assert.equal(percent.body.total, 0, '% is not a wildcard');
  const byStatus = await app.request('GET', `${V1}/stations?search=LS&sort=registrationStatus,-id`);
  assert.deepEqual(byStatus.body.items.map((s: any) => s.id), ['LS_D', 'LS-A', 'LS-B', 'LS-C']);

  assertValidation(await app.request('GET', `${V1}/stations?sort=password_hash`), 'sort');
  assertValidation(await app.request('GET', `${V1}/stations?limit=0`), 'limit');
  assertValidation(await app.request('GET', `${V1}/stations?limit=1001`), 'limit');
  assertValidation(await app.request('GET', `${V1}/stations?offset=-1`), 'offset');
  assertValidation(await app.request('GET', `${V1}/stations?registrationStatus=Nope`), 'registrationStatus');
  assertValidation(await app.request('GET', `${V1}/stations?connected=maybe`), 'connected');
});

test('update: a new password replaces the old one at the next connection; profile and status change; 404 and 400', async () => {
  await createStation('ST-UPD');
  const newPassword = 'another-password-0002';
  const res = await app.request('PATCH', `${V1}/stations/ST-UPD`, { body: { password: newPassword, securityProfile: 1 } });
  assert.equal(res.status, 200);
  assert.equal(res.body.securityProfile, 1);
  await assert.rejects(app.charger('ST-UPD', { password: PASSWORD }).connect(), (err: any) => err.statusCode === 401);
  const cp = app.charger('ST-UPD', { password: newPassword });
  await cp.connect();
  await cp.close();

  const status = await app.request('PATCH', `${V1}/stations/ST-UPD`, { body: { registrationStatus: 'Rejected', securityProfile: null } });
  assert.equal(status.body.registrationStatus, 'Rejected');
  assert.equal(status.body.securityProfile, null);
  const zero = await app.request('PATCH', `${V1}/stations/ST-UPD`, { body: { securityProfile: 0 } });
  assert.equal(zero.body.securityProfile, 0, '0 is a profile, not null');
  const cleared = await app.request('PATCH', `${V1}/stations/ST-UPD`, { body: { password: null } });
  assert.equal(cleared.body.hasPassword, false);

  assert.equal((await app.request('PATCH', `${V1}/stations/NO-SUCH`, { body: { registrationStatus: 'Accepted' } })).status, 404);
  assertValidation(await app.request('PATCH', `${V1}/stations/ST-UPD`, { body: {} }), 'body');
  assertValidation(await app.request('PATCH', `${V1}/stations/ST-UPD`, { body: { password: 'x' } }), 'password');
  assertValidation(await app.request('PATCH', `${V1}/stations/ST-UPD`, { body: { id: 'OTHER' } }), 'additional');
});

test('accept and reject: a Pending charger is Accepted at its next boot, then Rejected', async () => {
  await createStation('ST-PEND', { registrationStatus: 'Pending' });
  const cp = app.charger('ST-PEND', { password: PASSWORD });
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Pending');
  const accepted = await app.request('POST', `${V1}/stations/ST-PEND/accept`);
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.registrationStatus, 'Accepted');
  assert.equal(accepted.body.connected, true);
  assert.equal((await cp.boot()).status, 'Accepted');
  const rejected = await app.request('POST', `${V1}/stations/ST-PEND/reject`);
  assert.equal(rejected.body.registrationStatus, 'Rejected');
  assert.equal((await cp.boot()).status, 'Rejected');
  assert.equal((await app.request('POST', `${V1}/stations/NO-SUCH/accept`)).status, 404);
  assert.equal((await app.request('POST', `${V1}/stations/NO-SUCH/reject`)).status, 404);
});

test('delete: the live connection is closed, the station is gone, its next attempt is an unknown station', async () => {
  await createStation('ST-DEL');
  const cp = app.charger('ST-DEL', { password: PASSWORD });
  await cp.connect();
  await cp.boot();
  const closed = cp.closed();
  assert.equal((await app.request('DELETE', `${V1}/stations/ST-DEL`)).status, 204);
  assert.equal((await closed).code, 1008);
  assert.equal((await app.request('GET', `${V1}/stations/ST-DEL`)).status, 404);
  assert.equal((await app.request('DELETE', `${V1}/stations/ST-DEL`)).status, 404);
  await assert.rejects(app.charger('ST-DEL', { password: PASSWORD }).connect(), (err: any) => err.statusCode === 401);
  const unknown = await app.request('GET', `${V1}/unknown-stations`);
  assert.ok(unknown.body.items.some((u: any) => u.id === 'ST-DEL'));
});

test('unknown stations are stored, at most one write per identity per minute, and leave the list when registered', async () => {
  await assert.rejects(app.charger('STRANGER-1').connect(), (err: any) => err.statusCode === 401);
  const stored = () => app.ctx.db.kysely.selectFrom('unknown_stations').selectAll().where('id', '=', 'STRANGER-1').executeTakeFirst();
  const first = await eventually(stored, 5000, 'the first attempt is written');
  assert.equal(Number(first.attempts), 1);
  for (let i = 0; i < 5; i++) await assert.rejects(app.charger('STRANGER-1', { password: 'whatever-password-1' }).connect());
  await app.ctx.db.flush();
  assert.equal(Number((await stored())!.attempts), 1, 'attempts within the minute are counted in memory, not written one by one');

  const list = await app.request('GET', `${V1}/unknown-stations`, { key: readKey });
  assert.equal(list.status, 200);
  const row = list.body.items.find((u: any) => u.id === 'STRANGER-1');
  assert.equal(row.attempts, 6, 'listing writes the pending count first');
  assert.match(row.lastRemoteAddress, /127\.0\.0\.1/);
  assert.ok(row.firstSeenAt <= row.lastSeenAt);
  assert.equal(Number((await stored())!.attempts), 6);

  await assert.rejects(app.charger('STRANGER-2').connect());
  const sorted = await app.request('GET', `${V1}/unknown-stations?sort=-attempts&limit=1`);
  assert.equal(sorted.body.items[0].id, 'STRANGER-1');
  assert.ok(sorted.body.total >= 2);
  const recent = await app.request('GET', `${V1}/unknown-stations`);
  assert.equal(recent.body.items[0].id, 'STRANGER-2', 'default order: most recently seen first');
  assertValidation(await app.request('GET', `${V1}/unknown-stations?sort=remoteAddress`), 'sort');

  await createStation('STRANGER-1');
  const afterCreate = await app.request('GET', `${V1}/unknown-stations`);
  assert.ok(!afterCreate.body.items.some((u: any) => u.id === 'STRANGER-1'), 'a registered station is not unknown');
  assert.equal(await stored(), undefined);
});

test('connectors: current statuses and a paginated status history, newest first', async () => {
  await createStation('ST-CONN');
  const cp = app.charger('ST-CONN', { password: PASSWORD });
  await cp.connect();
  await cp.boot();
  await cp.status(0, 'Available');
  for (const status of ['Available', 'Preparing', 'Charging', 'SuspendedEV', 'Finishing']) await cp.status(1, status);

  const current = await app.request('GET', `${V1}/stations/ST-CONN/connectors`, { key: readKey });
  assert.equal(current.status, 200);
  assert.deepEqual(current.body.items.map((c: any) => [c.connectorId, c.status]), [[0, 'Available'], [1, 'Finishing']]);
  assert.match(current.body.items[1].timestamp, /Z$/);
  assert.match(current.body.items[1].updatedAt, /Z$/);

  const history = await app.request('GET', `${V1}/stations/ST-CONN/connectors/1/history?limit=2`);
  assert.equal(history.status, 200);
  assert.equal(history.body.total, 5);
  assert.deepEqual(history.body.items.map((h: any) => h.status), ['Finishing', 'SuspendedEV']);
  const page2 = await app.request('GET', `${V1}/stations/ST-CONN/connectors/1/history?limit=2&offset=2`);
  assert.deepEqual(page2.body.items.map((h: any) => h.status), ['Charging', 'Preparing']);
  const oldestFirst = await app.request('GET', `${V1}/stations/ST-CONN/connectors/1/history?sort=receivedAt`);
  assert.deepEqual(oldestFirst.body.items.map((h: any) => h.status), ['Available', 'Preparing', 'Charging', 'SuspendedEV', 'Finishing']);
  const connector0 = await app.request('GET', `${V1}/stations/ST-CONN/connectors/0/history`);
  assert.deepEqual(connector0.body.items.map((h: any) => h.status), ['Available']);
  const future = await app.request('GET', `${V1}/stations/ST-CONN/connectors/1/history?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
  assert.equal(future.body.total, 0);
  const past = await app.request('GET', `${V1}/stations/ST-CONN/connectors/1/history?to=2000-01-01T00:00:00Z`);
  assert.equal(past.body.total, 0);

  assert.equal((await app.request('GET', `${V1}/stations/NO-SUCH/connectors`)).status, 404);
  assert.equal((await app.request('GET', `${V1}/stations/NO-SUCH/connectors/1/history`)).status, 404);
  assertValidation(await app.request('GET', `${V1}/stations/ST-CONN/connectors/-1/history`), 'connectorId');
  assertValidation(await app.request('GET', `${V1}/stations/ST-CONN/connectors/one/history`), 'connectorId');
  assertValidation(await app.request('GET', `${V1}/stations/ST-CONN/connectors/1/history?from=yesterday`), 'from');
  const reversed = await app.request('GET', `${V1}/stations/ST-CONN/connectors/1/history?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z`);
  assert.equal(reversed.status, 400);
  assert.match(reversed.body.message, /from/);
});

test('auth: every station endpoint needs a key; a read-only key reads but may not change anything', async () => {
  await createStation('ST-AUTH');
  const reads = ['/stations', '/stations/ST-AUTH', '/stations/ST-AUTH/connectors', '/stations/ST-AUTH/connectors/0/history', '/unknown-stations'];
  for (const path of reads) {
    assert.equal((await app.request('GET', `${V1}${path}`, { key: null })).status, 401, path);
    assert.equal((await app.request('GET', `${V1}${path}`, { key: readKey })).status, 200, path);
  }
  const changes: Array<[string, string, unknown]> = [
    ['POST', '/stations', { id: 'ST-AUTH-2' }],
    ['PATCH', '/stations/ST-AUTH', { registrationStatus: 'Rejected' }],
    ['DELETE', '/stations/ST-AUTH', undefined],
    ['POST', '/stations/ST-AUTH/accept', undefined],
    ['POST', '/stations/ST-AUTH/reject', undefined],
  ];
  for (const [method, path, body] of changes) {
    assert.equal((await app.request(method, `${V1}${path}`, { key: null, body })).status, 401, `${method} ${path}`);
    const res = await app.request(method, `${V1}${path}`, { key: readKey, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.body.error, 'forbidden');
  }
  const unchanged = await app.request('GET', `${V1}/stations/ST-AUTH`);
  assert.equal(unchanged.body.registrationStatus, 'Accepted');
  assert.equal((await app.request('GET', `${V1}/stations/ST-AUTH-2`)).status, 404);
});

test('the OpenAPI document lists the station routes', async () => {
  const doc = await app.request('GET', `${V1}/openapi.json`, { key: null });
  for (const path of ['/api/v1/stations', '/api/v1/stations/{id}', '/api/v1/stations/{id}/accept', '/api/v1/stations/{id}/reject', '/api/v1/stations/{id}/connectors', '/api/v1/stations/{id}/connectors/{connectorId}/history', '/api/v1/unknown-stations']) {
    assert.ok(doc.body.paths[path], path);
  }
  assert.ok(doc.body.paths['/api/v1/stations'].get.parameters.some((p: any) => p.name === 'sort'));
});

test('ocppVersions: the versions a station may connect with, on create, update and get; a version not allowed is refused at the door', async () => {
  const created = await createStation('ST-VERSIONS', { ocppVersions: ['2.0.1'] });
  assert.deepEqual(created.ocppVersions, ['2.0.1']);
  assert.equal((await createStation('ST-VERSIONS-ANY')).ocppVersions, null, 'null: the ocpp.versions setting applies');
  assertValidation(await app.request('POST', `${V1}/stations`, { body: { id: 'ST-BADV', ocppVersions: ['1.5'] } }), 'ocppVersions');
  assertValidation(await app.request('PATCH', `${V1}/stations/ST-VERSIONS`, { body: { ocppVersions: [] } }), 'ocppVersions');

  await assert.rejects(app.charger('ST-VERSIONS', { password: PASSWORD }).connect(), (err: any) => {
    assert.equal(err.statusCode, 400, 'a 1.6 charger of a 2.0.1-only station');
    return true;
  });
  assert.equal(app.gateway.get('ST-VERSIONS'), undefined);

  const patched = await app.request('PATCH', `${V1}/stations/ST-VERSIONS`, { body: { ocppVersions: ['2.0.1', '1.6'] } });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.body.ocppVersions, ['1.6', '2.0.1'], 'kept in Plugboard order');
  const cp = app.charger('ST-VERSIONS', { password: PASSWORD });
  await cp.connect();
  assert.equal(cp.protocol, 'ocpp1.6');

  // Narrowed to 2.0.1 while connected with 1.6: the connection goes.
  assert.equal((await app.request('PATCH', `${V1}/stations/ST-VERSIONS`, { body: { ocppVersions: ['2.0.1'] } })).status, 200);
  await eventually(() => app.gateway.get('ST-VERSIONS') === undefined, 5000, 'the 1.6 connection closed');
  const cleared = await app.request('PATCH', `${V1}/stations/ST-VERSIONS`, { body: { ocppVersions: null } });
  assert.equal(cleared.body.ocppVersions, null);
  assert.deepEqual((await app.request('GET', `${V1}/stations/ST-VERSIONS`)).body.ocppVersions, null);
  await cp.close();
});
