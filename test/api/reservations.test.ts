// The reservation endpoints, driven against a charger built on ocpp-rpc in strict mode (it checks
// every ReserveNow and CancelReservation we send, and every answer we give to its
// StartTransaction, against the official OCA 1.6 schemas): each of the charger's answers, the
// reservation's life in the database, its link to the transaction that uses it, and the errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RPCClient, createRPCError } from 'ocpp-rpc';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const STATION = 'API-RSV-1';
const OTHER = 'API-RSV-2';
const PASSWORD = 'a-long-random-secret-0123456789';
const GROUP = 'GROUP-R';

let app: TestApp;
let client: RPCClient;
const failures: unknown[] = [];
const received: Array<{ method: string; params: any }> = [];
/** the reservations the charger holds (Accepted and not cancelled) */
const held = new Set<number>();

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);
/** The same instant written with a +02:00 offset and no milliseconds, as an API client might. */
function withOffset(d: Date): string {
  const shifted = new Date(Math.floor(d.getTime() / 1000) * 1000 + 2 * 3_600_000);
  return shifted.toISOString().replace(/\.\d{3}Z$/, '+02:00');
}
const reserve = (stationId: string, body: unknown, query = '') => app.request('POST', `/api/v1/stations/${encodeURIComponent(stationId)}/reservations${query}`, { body });
const rows = () => app.ctx.db.kysely.selectFrom('reservations').selectAll().orderBy('id').execute();

async function startTx(connectorId: number, idTag: string, reservationId?: number) {
  return (await client.call('StartTransaction', {
    connectorId,
    idTag,
    meterStart: 100,
    timestamp: new Date().toISOString(),
    ...(reservationId === undefined ? {} : { reservationId }),
  })) as { transactionId: number; idTagInfo: { status: string; parentIdTag?: string } };
}

before(async () => {
  app = await startTestApp();
  const { stations, authorization } = app.ctx.services;
  await stations.create({ id: STATION, password: PASSWORD });
  await stations.create({ id: OTHER, password: PASSWORD });
  await authorization.upsertToken({ idTag: 'TAG-R1', parentIdTag: GROUP });
  await authorization.upsertToken({ idTag: 'TAG-R2', parentIdTag: GROUP });
  await authorization.upsertToken({ idTag: 'TAG-SOLO', allowConcurrent: true });
  await authorization.upsertToken({ idTag: 'TAG-BLOCKED', status: 'Blocked' });
  client = new RPCClient({ endpoint: app.ocppUrl(), identity: STATION, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  client.on('strictValidationFailure', (f: unknown) => failures.push(f));
  // The charger's answers, by connector: 2 Occupied, 3 Faulted, 4 Unavailable, 9 Rejected (no such
  // connector), 7 never answers, 8 fails with a CALLERROR; otherwise Accepted.
  client.handle('ReserveNow', async (call) => {
    const params = call.params as any;
    received.push({ method: 'ReserveNow', params });
    const answers: Record<number, string> = { 2: 'Occupied', 3: 'Faulted', 4: 'Unavailable', 9: 'Rejected' };
    if (params.connectorId === 7) return new Promise(() => {});
    if (params.connectorId === 8) throw createRPCError('InternalError', 'reservation store full');
    if (answers[params.connectorId]) return { status: answers[params.connectorId] };
    held.add(params.reservationId);
    return { status: 'Accepted' };
  });
  client.handle('CancelReservation', async (call) => {
    const params = call.params as any;
    received.push({ method: 'CancelReservation', params });
    return { status: held.delete(params.reservationId) ? 'Accepted' : 'Rejected' };
  });
  await client.connect();
  assert.equal(((await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'R' })) as { status: string }).status, 'Accepted');
});
after(async () => {
  await client?.close({ force: true });
  await app?.cleanup();
});

test('POST /stations/{id}/reservations sends ReserveNow with a Plugboard-allocated id and answers with the stored reservation', async () => {
  received.length = 0;
  const expiry = inMinutes(60);
  const res = await reserve(STATION, { connectorId: 1, idTag: 'TAG-R1', expiryDate: withOffset(expiry) });
  assert.equal(res.status, 201, res.text);
  const expiryDate = new Date(Math.floor(expiry.getTime() / 1000) * 1000).toISOString();
  const r = res.body;
  assert.ok(Number.isInteger(r.id) && r.id > 0);
  assert.deepEqual(
    { ...r, createdAt: undefined, updatedAt: undefined },
    { id: r.id, stationId: STATION, connectorId: 1, idTag: 'TAG-R1', parentIdTag: GROUP, expiryDate, status: 'Accepted', active: true, transactionId: null, note: null, createdAt: undefined, updatedAt: undefined, endedAt: null },
  );
  // Without parentIdTag in the body, the token's own group goes out, so that its members may use the reservation.
  assert.deepEqual(received, [{ method: 'ReserveNow', params: { connectorId: 1, expiryDate, idTag: 'TAG-R1', parentIdTag: GROUP, reservationId: r.id } }]);
  const got = await app.request('GET', `/api/v1/reservations/${r.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, r);

  received.length = 0;
  const none = await reserve(STATION, { connectorId: 0, idTag: 'TAG-R1', parentIdTag: null, expiryDate: expiryDate });
  assert.equal(none.status, 201, none.text);
  assert.equal(none.body.parentIdTag, null);
  const given = await reserve(STATION, { connectorId: 5, idTag: 'TAG-SOLO', parentIdTag: 'OTHER-GROUP', expiryDate: expiryDate });
  assert.equal(given.body.parentIdTag, 'OTHER-GROUP');
  assert.deepEqual(received.map((c) => c.params), [
    { connectorId: 0, expiryDate, idTag: 'TAG-R1', reservationId: none.body.id },
    { connectorId: 5, expiryDate, idTag: 'TAG-SOLO', parentIdTag: 'OTHER-GROUP', reservationId: given.body.id },
  ]);
  assert.deepEqual(failures, [], 'ocpp-rpc strict mode found nothing wrong in what we sent');
});

test('the charger\'s negative answers are stored as the reservation\'s status, and end it', async () => {
  const expiryDate = inMinutes(30).toISOString();
  for (const [connectorId, status] of [[2, 'Occupied'], [3, 'Faulted'], [4, 'Unavailable'], [9, 'Rejected']] as const) {
    const res = await reserve(STATION, { connectorId, idTag: 'TAG-SOLO', expiryDate });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, status);
    assert.equal(res.body.active, false);
    assert.ok(res.body.endedAt);
    const row = (await rows()).find((x) => Number(x.id) === res.body.id);
    assert.equal(row?.status, status, 'stored');
  }
});

test('reservation ids are unique across the system', async () => {
  const other = app.charger(OTHER, { password: PASSWORD, handlers: { ReserveNow: () => ({ status: 'Accepted' }) } });
  await other.connect();
  await other.boot();
  const expiryDate = inMinutes(30).toISOString();
  const ids: number[] = [];
  for (const stationId of [STATION, OTHER, STATION, OTHER]) {
    const res = await reserve(stationId, { connectorId: 1, idTag: 'TAG-SOLO', expiryDate });
    assert.equal(res.status, 201, res.text);
    ids.push(res.body.id);
  }
  assert.deepEqual(other.received.map((c) => c.payload.reservationId), [ids[1], ids[3]]);
  const all = (await rows()).map((x) => Number(x.id));
  assert.equal(new Set(all).size, all.length);
  assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'allocated in order');
  await other.close();
});

test('what cannot be reserved is refused before anything is sent or stored', async () => {
  const before = (await rows()).length;
  received.length = 0;
  const future = inMinutes(30).toISOString();
  const past = await reserve(STATION, { connectorId: 1, idTag: 'TAG-SOLO', expiryDate: new Date(Date.now() - 1000).toISOString() });
  assert.deepEqual([past.status, past.body.error], [400, 'invalid_command']);
  assert.match(past.body.message, /not in the future/);
  const blocked = await reserve(STATION, { connectorId: 1, idTag: 'TAG-BLOCKED', expiryDate: future });
  assert.deepEqual([blocked.status, blocked.body.error], [400, 'invalid_command']);
  assert.match(blocked.body.message, /TAG-BLOCKED is Blocked/);
  const unknown = await reserve(STATION, { connectorId: 1, idTag: 'NOBODY', expiryDate: future });
  assert.match(unknown.body.message, /NOBODY is Invalid/);
  for (const body of [
    { connectorId: -1, idTag: 'TAG-SOLO', expiryDate: future },
    { connectorId: 1, idTag: 'X'.repeat(21), expiryDate: future },
    { connectorId: 1, idTag: 'TAG-SOLO', parentIdTag: 'P'.repeat(21), expiryDate: future },
    { connectorId: 1, idTag: 'TAG-SOLO', expiryDate: 'tomorrow' },
    { connectorId: 1, idTag: 'TAG-SOLO' },
    { connectorId: 1, idTag: 'TAG-SOLO', expiryDate: future, reservationId: 5 },
  ]) {
    const res = await reserve(STATION, body);
    assert.deepEqual([res.status, res.body.error], [400, 'validation_failed'], JSON.stringify(body));
  }
  assert.equal((await reserve('NO-SUCH', { connectorId: 1, idTag: 'TAG-SOLO', expiryDate: future })).status, 404);
  const offline = await reserve(OTHER, { connectorId: 1, idTag: 'TAG-SOLO', expiryDate: future });
  assert.deepEqual([offline.status, offline.body.error], [409, 'station_offline']);
  await app.ctx.services.stations.create({ id: 'API-RSV-PENDING', registrationStatus: 'Pending' });
  const pending = await reserve('API-RSV-PENDING', { connectorId: 1, idTag: 'TAG-SOLO', expiryDate: future });
  assert.deepEqual([pending.status, pending.body.error], [409, 'station_not_accepted']);
  assert.deepEqual(received, [], 'the charger got nothing');
  assert.equal((await rows()).length, before, 'nothing was stored');
});

test('no answer: 504 and the reservation stays Requested (the charger may hold it); a CALLERROR: 502 and Failed', async () => {
  const expiryDate = inMinutes(30).toISOString();
  const slow = await reserve(STATION, { connectorId: 7, idTag: 'TAG-SOLO', expiryDate }, '?timeout=0.3');
  assert.deepEqual([slow.status, slow.body.error], [504, 'charger_timeout']);
  const requested = await app.request('GET', `/api/v1/reservations?stationId=${STATION}&connectorId=7`);
  assert.equal(requested.body.total, 1);
  assert.equal(requested.body.items[0].status, 'Requested');
  assert.equal(requested.body.items[0].active, true);
  assert.match(requested.body.items[0].note, /did not answer ReserveNow in time/);

  const broken = await reserve(STATION, { connectorId: 8, idTag: 'TAG-SOLO', expiryDate });
  assert.deepEqual([broken.status, broken.body.error, broken.body.details.code], [502, 'charger_error', 'InternalError']);
  const failed = await app.request('GET', `/api/v1/reservations?stationId=${STATION}&connectorId=8`);
  assert.deepEqual([failed.body.items[0].status, failed.body.items[0].active], ['Failed', false]);
  assert.match(failed.body.items[0].note, /reservation store full/);
});

test('cancel: Accepted makes it Cancelled (DELETE or POST .../cancel); Rejected leaves it and says so; inactive ones are 409', async () => {
  const expiryDate = inMinutes(30).toISOString();
  const a = (await reserve(STATION, { connectorId: 1, idTag: 'TAG-SOLO', expiryDate })).body;
  const b = (await reserve(STATION, { connectorId: 1, idTag: 'TAG-SOLO', expiryDate })).body;
  received.length = 0;
  const del = await app.request('DELETE', `/api/v1/reservations/${a.id}`);
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.status, 'Accepted');
  assert.deepEqual([del.body.reservation.status, del.body.reservation.active], ['Cancelled', false]);
  assert.ok(del.body.reservation.endedAt);
  assert.deepEqual(received, [{ method: 'CancelReservation', params: { reservationId: a.id } }]);

  const again = await app.request('DELETE', `/api/v1/reservations/${a.id}`);
  assert.deepEqual([again.status, again.body.error, again.body.details.status], [409, 'reservation_not_active', 'Cancelled']);

  held.delete(b.id); // the charger lost it (a reboot, its own clock)
  const post = await app.request('POST', `/api/v1/reservations/${b.id}/cancel`);
  assert.equal(post.status, 200, post.text);
  assert.equal(post.body.status, 'Rejected');
  assert.equal(post.body.reservation.status, 'Accepted');
  assert.match(post.body.reservation.note, /CancelReservation was Rejected by the charger/);

  const refused = (await reserve(STATION, { connectorId: 9, idTag: 'TAG-SOLO', expiryDate })).body;
  assert.equal((await app.request('POST', `/api/v1/reservations/${refused.id}/cancel`)).status, 409);
  assert.equal(received.filter((c) => c.method === 'CancelReservation').length, 2, 'nothing sent for inactive reservations');
  const missing = await app.request('DELETE', '/api/v1/reservations/999999');
  assert.deepEqual([missing.status, missing.body.error], [404, 'reservation_not_found']);
  assert.equal((await app.request('GET', '/api/v1/reservations/999999')).status, 404);
});

test('a StartTransaction with the reservationId uses it and links the transaction; a token of the group may use it', async () => {
  const expiryDate = inMinutes(30).toISOString();
  const own = (await reserve(STATION, { connectorId: 1, idTag: 'TAG-R1', expiryDate })).body;
  const start = await startTx(1, 'TAG-R1', own.id);
  assert.deepEqual(start.idTagInfo, { status: 'Accepted', parentIdTag: GROUP });
  const used = (await app.request('GET', `/api/v1/reservations/${own.id}`)).body;
  assert.deepEqual([used.status, used.active, used.transactionId, used.note], ['Used', false, start.transactionId, null]);
  assert.equal((await app.request('GET', `/api/v1/transactions/${start.transactionId}`)).body.reservationId, own.id);
  await client.call('StopTransaction', { transactionId: start.transactionId, meterStop: 200, timestamp: new Date().toISOString() });

  // OCPP 1.6 §5.13: a token whose parentIdTag is the reservation's may use it.
  const group = (await reserve(STATION, { connectorId: 1, idTag: 'TAG-R1', expiryDate })).body;
  assert.deepEqual(await client.call('Authorize', { idTag: 'TAG-R2' }), { idTagInfo: { status: 'Accepted', parentIdTag: GROUP } });
  const member = await startTx(1, 'TAG-R2', group.id);
  const byMember = (await app.request('GET', `/api/v1/reservations/${group.id}`)).body;
  assert.deepEqual([byMember.status, byMember.transactionId, byMember.note], ['Used', member.transactionId, null]);
  await client.call('StopTransaction', { transactionId: member.transactionId, meterStop: 200, timestamp: new Date().toISOString() });
  assert.deepEqual(failures, []);
});

test('a StartTransaction is never refused for its reservationId: unknown, another connector or token, or already ended is recorded', async () => {
  const expiryDate = inMinutes(30).toISOString();
  const r = (await reserve(STATION, { connectorId: 1, idTag: 'TAG-R1', expiryDate })).body;
  const elsewhere = await startTx(3, 'TAG-SOLO', r.id);
  assert.equal(elsewhere.idTagInfo.status, 'Accepted');
  const used = (await app.request('GET', `/api/v1/reservations/${r.id}`)).body;
  assert.equal(used.status, 'Used', 'the charger ended it: it is used, whatever Plugboard expected');
  assert.equal(used.transactionId, elsewhere.transactionId);
  assert.equal(used.note, `used by transaction ${elsewhere.transactionId}: started on connector 3, reserved connector 1; idTag TAG-SOLO is neither the reserved idTag TAG-R1 nor of its group`);

  // Named again by another transaction: it stays linked to the first, the second is noted.
  const twice = await startTx(4, 'TAG-SOLO', r.id);
  assert.equal(twice.idTagInfo.status, 'Accepted');
  const after = (await app.request('GET', `/api/v1/reservations/${r.id}`)).body;
  assert.equal(after.transactionId, elsewhere.transactionId);
  assert.match(after.note, new RegExp(`transaction ${twice.transactionId} named it: .*already Used`));

  // Beyond 2^53 no number is exact: 0 is stored (the frame, as sent, stays in the message log).
  for (const [reservationId, stored] of [[999_999, 999_999], [-5, -5], [2 ** 40, 2 ** 40], [1e19, 0]]) {
    const start = await startTx(5, 'TAG-SOLO', reservationId);
    assert.equal(start.idTagInfo.status, 'Accepted', `reservationId ${reservationId}`);
    const tx = (await app.request('GET', `/api/v1/transactions/${start.transactionId}`)).body;
    assert.equal(tx.reservationId, stored, 'the transaction keeps the reservationId the charger reported');
  }
  assert.deepEqual(failures, []);
});

test('list filters: station, status (repeatable), active; a reservation past its expiry is not active before the sweep, Expired after', async () => {
  const at = new Date().toISOString();
  // As if it expired while the sweep has not run yet.
  const stale = await app.ctx.db.write((trx) =>
    trx.insertInto('reservations').values({
      station_id: STATION, connector_id: 6, id_tag: 'TAG-SOLO', parent_id_tag: null, expiry_date: new Date(Date.now() - 1000).toISOString(),
      status: 'Accepted', transaction_id: null, note: null, created_at: at, updated_at: at, ended_at: null,
    }).returning('id').executeTakeFirstOrThrow(),
  );
  const staleId = Number(stale.id);
  const all = await app.request('GET', `/api/v1/stations/${STATION}/reservations?limit=1000`);
  assert.equal(all.status, 200);
  const stored = (await rows()).filter((x) => x.station_id === STATION);
  assert.equal(all.body.total, stored.length);
  assert.deepEqual(all.body.items.map((x: any) => x.id), stored.map((x) => Number(x.id)).reverse(), 'newest first');
  assert.equal(all.body.items.find((x: any) => x.id === staleId).active, false);

  const active = await app.request('GET', `/api/v1/reservations?stationId=${STATION}&active=true&limit=1000`);
  const expectedActive = stored.filter((x) => ['Requested', 'Accepted'].includes(x.status) && x.expiry_date > new Date().toISOString()).map((x) => Number(x.id));
  assert.deepEqual(active.body.items.map((x: any) => x.id).sort(), expectedActive.sort());
  assert.ok(active.body.items.every((x: any) => x.active));
  const inactive = await app.request('GET', `/api/v1/reservations?stationId=${STATION}&active=false&limit=1000`);
  assert.equal(active.body.total + inactive.body.total, stored.length);

  const byStatus = await app.request('GET', `/api/v1/reservations?status=Occupied&status=Faulted&stationId=${STATION}`);
  assert.deepEqual(byStatus.body.items.map((x: any) => x.status).sort(), ['Faulted', 'Occupied']);
  const bad = await app.request('GET', '/api/v1/reservations?status=Maybe');
  assert.equal(bad.status, 400);
  assert.equal((await app.request('GET', '/api/v1/stations/NO-SUCH/reservations')).status, 404);

  assert.ok((await app.ctx.services.reservations.expireDue()) >= 1);
  const expired = (await app.request('GET', `/api/v1/reservations/${staleId}`)).body;
  assert.deepEqual([expired.status, expired.active], ['Expired', false]);
  assert.ok(expired.endedAt);
});

test('a read-only key may list and read reservations but not make or cancel them', async () => {
  const key = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'viewer', role: 'read' } })).body.key;
  assert.equal((await app.request('GET', '/api/v1/reservations', { key })).status, 200);
  const r = (await rows())[0];
  assert.equal((await app.request('GET', `/api/v1/reservations/${r.id}`, { key })).status, 200);
  const body = { connectorId: 1, idTag: 'TAG-SOLO', expiryDate: inMinutes(30).toISOString() };
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/reservations`, { body, key })).status, 403);
  assert.equal((await app.request('DELETE', `/api/v1/reservations/${r.id}`, { key })).status, 403);
  assert.equal((await app.request('GET', '/api/v1/reservations', { key: null })).status, 401);
});
