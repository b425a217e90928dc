import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, ADMIN_KEY, type TestApp } from '../helpers/app.ts';
import { eventually } from '../helpers/wait.ts';

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
    assert.equal(limited.body.error, 'too_many_auth_failures');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await other.request('GET', '/api/v1/api-keys', { key: null })).status, 429, 'no key at all: 429 too');
  } finally {
    await other.cleanup();
  }
});

test('an address over the failure limit is still served with a valid key; wrong keys from it get 429 and cost no key lookup', async () => {
  const other = await startTestApp({ config: { api: { maxAuthFailuresPerMinute: 20 } } });
  try {
    const read = (await other.request('POST', '/api/v1/api-keys', { body: { name: 'reader', role: 'read' } })).body.key as string;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await other.request('GET', '/api/v1/api-keys', { key: `pb_deadbeef_wrong${i}` })).status);
    assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(10).fill(429)]);

    // From then on a wrong key never reaches the database lookup, however well-formed.
    const service = other.ctx.services.apiKeys;
    const realVerify = service.verify;
    let lookups = 0;
    service.verify = (key: string) => {
      lookups++;
      return realVerify(key);
    };
    try {
      for (let i = 0; i < 20; i++) {
        const res = await other.request('GET', '/api/v1/api-keys', { key: `pb_${read.slice(3, 11)}_${'x'.repeat(43)}${i}` });
        assert.equal(res.status, 429);
        assert.ok(Number(res.headers.get('retry-after')) > 0);
      }
      assert.equal(lookups, 0, 'wrong keys from a throttled address are refused without a lookup');

      assert.equal((await other.request('GET', '/api/v1/api-keys')).status, 200, 'the admin key from the same address is served');
      assert.equal((await other.request('GET', '/api/v1/me', { key: read })).status, 200, 'a read key too');
      assert.equal((await other.request('GET', '/api/v1/api-keys', { key: read })).status, 403, 'and it still may only read');
      assert.equal(lookups, 3);
    } finally {
      service.verify = realVerify;
    }

    // A key created or revoked meanwhile counts at once.
    const fresh = (await other.request('POST', '/api/v1/api-keys', { body: { name: 'fresh', role: 'read' } })).body;
    assert.equal((await other.request('GET', '/api/v1/me', { key: fresh.key })).status, 200);
    assert.equal((await other.request('DELETE', `/api/v1/api-keys/${fresh.id}`)).status, 204);
    assert.equal((await other.request('GET', '/api/v1/me', { key: fresh.key })).status, 429, 'a revoked key is a wrong key');
    assert.equal((await other.request('GET', '/api/v1/me', { key: 'bad' })).status, 429, 'valid requests did not lift the block');
  } finally {
    await other.cleanup();
  }
});

test('the failure block ends with its window (api.authFailureWindowSeconds)', async () => {
  const other = await startTestApp({ config: { api: { maxAuthFailuresPerMinute: 2, authFailureWindowSeconds: 1 } } });
  try {
    for (let i = 0; i < 2; i++) assert.equal((await other.request('GET', '/api/v1/me', { key: 'bad' })).status, 401);
    const limited = await other.request('GET', '/api/v1/me', { key: 'bad' });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    await eventually(async () => (await other.request('GET', '/api/v1/me', { key: 'bad' })).status === 401, 30_000, 'a wrong key answered 401 again once the window passed');
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
