import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, ADMIN_KEY, type TestApp } from '../helpers/app.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp({ config: { api: { maxAuthFailuresPerMinute: 5 } } });
});
after(() => app.cleanup());

test('requests without a valid key get 401 with the error shape and a request id', async () => {
  const none = await app.request('GET', '/api/v1/api-keys', { key: null });
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'unauthorized');
  assert.match(none.body.message, /API key is required/);
  assert.equal(none.body.requestId, none.headers.get('x-request-id'));
  const wrong = await app.request('GET', '/api/v1/api-keys', { key: 'pb_nope', headers: { 'x-request-id': 'trace-123' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.requestId, 'trace-123');
  assert.match(wrong.body.message, /not valid/);
});

test('admin creates a read-only key; read-only may read but a change gets 403; revoked keys get 401', async () => {
  const created = await app.request('POST', '/api/v1/api-keys', { body: { name: 'dashboard', role: 'read' } });
  assert.equal(created.status, 201);
  assert.match(created.body.key, /^pb_[0-9a-f]{8}_/);
  assert.equal(created.body.role, 'read');
  const readKey = created.body.key;
  const listed = await app.request('GET', '/api/v1/api-keys', { key: readKey, headers: {} });
  assert.equal(listed.status, 403, 'listing keys is admin-only');
  const health = await app.request('GET', '/health', { key: null });
  assert.equal(health.status, 200);
  const change = await app.request('POST', '/api/v1/api-keys', { key: readKey, body: { name: 'x', role: 'admin' } });
  assert.equal(change.status, 403);
  assert.equal(change.body.error, 'forbidden');
  const all = await app.request('GET', '/api/v1/api-keys');
  assert.equal(all.status, 200);
  const row = all.body.items.find((k: { name: string }) => k.name === 'dashboard');
  assert.equal(row.key, undefined, 'keys are never listed');
  assert.equal((await app.request('DELETE', `/api/v1/api-keys/${row.id}`)).status, 204);
  assert.equal((await app.request('GET', '/api/v1/api-keys', { key: readKey })).status, 401);
  // only a hash is stored
  const stored = await app.ctx.db.kysely.selectFrom('api_keys').selectAll().execute();
  assert.ok(stored.every((k) => k.key_hash !== readKey && k.key_hash !== ADMIN_KEY && /^[0-9a-f]{64}$/.test(k.key_hash)));
});

test('the last admin key cannot be revoked', async () => {
  const keys = await app.request('GET', '/api/v1/api-keys');
  const admin = keys.body.items.find((k: { role: string; revokedAt: string | null }) => k.role === 'admin' && !k.revokedAt);
  const res = await app.request('DELETE', `/api/v1/api-keys/${admin.id}`);
  assert.equal(res.status, 409);
  assert.equal(res.body.error, 'last_admin_key');
});

test('bad bodies get 400 naming the field', async () => {
  const res = await app.request('POST', '/api/v1/api-keys', { body: { name: '', role: 'owner' } });
  assert.equal(res.status, 400);
  assert.equal(res.body.error, 'validation_failed');
  assert.match(res.body.message, /name|role/);
  const notJson = await app.request('POST', '/api/v1/api-keys', { body: '{oops' });
  assert.equal(notJson.status, 400);
});

test('unknown routes get 404 in the same error shape', async () => {
  const res = await app.request('GET', '/api/v1/nothing-here');
  assert.equal(res.status, 404);
  assert.equal(res.body.error, 'not_found');
});

test('repeated authentication failures from one address get 429 with Retry-After', async () => {
  const other = await startTestApp({ config: { api: { maxAuthFailuresPerMinute: 3 } } });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await other.request('GET', '/api/v1/api-keys', { key: 'bad' })).status, 401);
    const limited = await other.request('GET', '/api/v1/api-keys', { key: 'bad' });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await other.request('GET', '/api/v1/api-keys')).status, 429, 'even a good key waits out the block from that address');
  } finally {
    await other.cleanup();
  }
});

test('the OpenAPI document is served and the docs page loads', async () => {
  const doc = await app.request('GET', '/api/v1/openapi.json', { key: null });
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi, '3.0.3');
  assert.ok(doc.body.paths['/api/v1/api-keys']);
  const docs = await fetch(`${app.httpUrl()}/docs`, { redirect: 'follow' });
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /<html/i);
});
