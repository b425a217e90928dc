// POST /api/v1/transactions/{id}/close (issue 10): an operator closes a stuck transaction whose
// StopTransaction never came. Real Plugboard, a real charger over WebSocket, real database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';
import { acceptedCharger } from '../e2e/support.ts';

const V1 = '/api/v1';
let app: TestApp;
let readKey: string;
before(async () => {
  app = await startOpenApp();
  readKey = (await app.request('POST', `${V1}/api-keys`, { body: { name: 'reader', role: 'read' } })).body.key;
});
after(() => app.cleanup());

const token = async (idTag: string) => {
  await app.ctx.services.authorization.upsertToken({ idTag });
  return idTag;
};
const row = (id: number) => app.ctx.db.kysely.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

test('close: 200 with the Transaction, stopped now with the reason, published as transaction.stopped, nothing sent to the charger', async () => {
  const cp = await acceptedCharger(app, 'CL_STUCK', {}, 2);
  const id = (await cp.startTransaction(1, await token('TAG-CL1'), 1000, '2026-11-05T08:00:00.000Z')).transactionId;
  const other = (await cp.startTransaction(2, await token('TAG-CL2'), 0)).transactionId;
  const events: PlugboardEvent[] = [];
  const off = app.ctx.bus.subscribe((e) => {
    if (e.stationId === 'CL_STUCK') events.push(e);
  });
  const framesBefore = cp.received.length;
  const before = new Date().toISOString();
  let res;
  try {
    res = await app.request('POST', `${V1}/transactions/${id}/close`, { body: { reason: 'charger replaced, session lost' } });
  } finally {
    off();
  }
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const t = res.body;
  assert.equal(t.id, id);
  assert.equal(t.active, false);
  assert.equal(t.stopReason, 'charger replaced, session lost');
  assert.equal(t.meterStopWh, null, 'no reading: none was reported');
  assert.equal(t.energyWh, null);
  assert.ok(t.stopTimestamp >= before && t.stopTimestamp <= new Date().toISOString(), `stopped now: ${t.stopTimestamp}`);
  assert.equal(t.durationSeconds, Math.round((Date.parse(t.stopTimestamp) - Date.parse('2026-11-05T08:00:00.000Z')) / 1000));
  assert.deepEqual(
    events.map((e) => (e.type === 'transaction.stopped' ? { type: e.type, transactionId: e.transactionId, meterStop: e.meterStop, reason: e.reason } : { type: e.type })),
    [{ type: 'transaction.stopped', transactionId: id, meterStop: null, reason: 'charger replaced, session lost' }],
  );
  assert.equal(cp.received.length, framesBefore, 'no OCPP command went to the charger');
  assert.deepEqual((await app.request('GET', `${V1}/transactions/${id}`)).body.stopReason, 'charger replaced, session lost');
  assert.equal((await row(other)).stop_timestamp, null, 'the other connector untouched');
  assert.deepEqual(await cp.authorize('TAG-CL1'), { idTagInfo: { status: 'Accepted' } }, 'the token is no longer running');

  // already stopped: 409 with a clear message, nothing changed
  const again = await app.request('POST', `${V1}/transactions/${id}/close`, { body: { reason: 'twice' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.error, 'transaction_already_stopped');
  assert.match(again.body.message, new RegExp(`transaction ${id} is already stopped`));
  assert.equal((await row(id)).stop_reason, 'charger replaced, session lost');

  // the charger's own StopTransaction, arriving later, is accepted and completes the record
  assert.deepEqual(await cp.stopTransaction(id, 4200, { reason: 'PowerLoss' }), {});
  const done = (await app.request('GET', `${V1}/transactions/${id}`)).body;
  assert.equal(done.meterStopWh, 4200);
  assert.equal(done.stopReason, 'PowerLoss');
  assert.equal(done.energyWh, 3200);
  // a charger-stopped transaction cannot be closed either
  await cp.stopTransaction(other, 10);
  assert.equal((await app.request('POST', `${V1}/transactions/${other}/close`)).status, 409);
});

test('close: without a body or reason the stopReason is "closed by operator"', async () => {
  const cp = await acceptedCharger(app, 'CL_DEFAULT', {}, 2);
  const a = (await cp.startTransaction(1, await token('TAG-CL3'), 0)).transactionId;
  const b = (await cp.startTransaction(2, await token('TAG-CL4'), 0)).transactionId;
  const noBody = await app.request('POST', `${V1}/transactions/${a}/close`);
  assert.equal(noBody.status, 200, JSON.stringify(noBody.body));
  assert.equal(noBody.body.stopReason, 'closed by operator');
  const empty = await app.request('POST', `${V1}/transactions/${b}/close`, { body: {} });
  assert.equal(empty.status, 200, JSON.stringify(empty.body));
  assert.equal(empty.body.stopReason, 'closed by operator');
});

test('close: 404 for an unknown id, 400 for bad input, 403 for a read-only key', async () => {
  const missing = await app.request('POST', `${V1}/transactions/987654/close`, { body: {} });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'transaction_not_found');
  const cp = await acceptedCharger(app, 'CL_BAD');
  const id = (await cp.startTransaction(1, await token('TAG-CL5'), 0)).transactionId;
  for (const body of [{ reason: 'x'.repeat(256) }, { reason: '' }, { because: 'no' }]) {
    const res = await app.request('POST', `${V1}/transactions/${id}/close`, { body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error, 'validation_failed');
  }
  assert.equal((await app.request('POST', `${V1}/transactions/0/close`)).status, 400);
  const reader = await app.request('POST', `${V1}/transactions/${id}/close`, { key: readKey });
  assert.equal(reader.status, 403);
  assert.equal((await row(id)).stop_timestamp, null, 'nothing closed by the refused requests');
  const max = await app.request('POST', `${V1}/transactions/${id}/close`, { body: { reason: 'y'.repeat(255) } });
  assert.equal(max.status, 200);
});

test('close: documented in the OpenAPI document with its errors', async () => {
  const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
  const op = doc.paths['/api/v1/transactions/{id}/close']?.post;
  assert.ok(op, Object.keys(doc.paths).filter((p: string) => p.includes('transactions')).join(', '));
  assert.match(op.summary, /Close a stuck transaction/);
  for (const code of ['200', '400', '404', '409']) assert.ok(op.responses[code], `documents ${code}`);
  assert.ok(op.requestBody.content['application/json'].schema.properties.reason);
});
