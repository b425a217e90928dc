// Webhook subscriptions over the API: create (secret shown once, stored encrypted under the
// instance key), list, get, change, delete, validation and access rules; the secret box itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { loadOrCreateKey, SecretBox, SecretBoxError } from '../../src/secretbox.ts';

let app: TestApp;
before(async () => {
  // RECEIVER is on 127.0.0.1: a loopback target, refused unless allowed (ADR 0013).
  app = await startOpenApp({ webhooks: { allowPrivateTargets: true } });
});
after(() => app?.cleanup());

const RECEIVER = 'http://127.0.0.1:9/hook';

test('create returns the secret once; it is stored encrypted under a 0600 instance key; lists never show it', async () => {
  const created = await app.request('POST', '/api/v1/webhooks', {
    body: { url: RECEIVER, eventTypes: ['transaction.started', 'transaction.stopped'], stationIds: ['CP-1'], description: 'billing' },
  });
  assert.equal(created.status, 201, created.text);
  const { id, secret } = created.body;
  assert.match(secret, /^whsec_[\w-]{43}$/);
  assert.deepEqual(
    { ...created.body, id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined },
    { id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined, url: RECEIVER, hasCredentials: false, eventTypes: ['transaction.started', 'transaction.stopped'], stationIds: ['CP-1'], description: 'billing', active: true },
  );

  const listed = await app.request('GET', '/api/v1/webhooks');
  assert.equal(listed.status, 200);
  const row = listed.body.items.find((w: { id: number }) => w.id === id);
  assert.equal(row.secret, undefined);
  assert.ok(!listed.text.includes(secret));
  const one = await app.request('GET', `/api/v1/webhooks/${id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.secret, undefined);

  const stored = await app.ctx.db.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.ok(!stored.secret_encrypted.includes(secret) && !stored.secret_encrypted.includes(secret.slice(6)), 'not in plain text');
  assert.match(stored.secret_encrypted, /^v1\./);
  const keyFile = app.config.secretKeyFile;
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the instance key file is private');
  const box = new SecretBox(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64'));
  assert.equal(box.open(stored.secret_encrypted, `webhook:${id}`), secret, 'it decrypts with the instance key');
  assert.throws(() => box.open(stored.secret_encrypted, `webhook:${id + 1}`), SecretBoxError, 'bound to its own row');
});

test('a secret given in the body is used; PATCH changes fields and can rotate the secret', async () => {
  const mine = 'my-own-signing-secret-0123456789';
  const created = await app.request('POST', '/api/v1/webhooks', { body: { url: RECEIVER, eventTypes: ['*'], secret: mine } });
  assert.equal(created.status, 201);
  assert.equal(created.body.secret, mine);
  assert.equal(created.body.stationIds, null);
  assert.equal(created.body.description, null);
  const id = created.body.id;

  const patched = await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: { active: false, eventTypes: ['station.*'], stationIds: ['A', 'B'], description: 'ops' } });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual([patched.body.active, patched.body.eventTypes, patched.body.stationIds, patched.body.description], [false, ['station.*'], ['A', 'B'], 'ops']);
  assert.equal(patched.body.url, RECEIVER, 'untouched fields stay');
  const cleared = await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: { stationIds: null, description: null } });
  assert.deepEqual([cleared.body.stationIds, cleared.body.description], [null, null]);

  const rotated = await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: { secret: 'rotated-secret-abcdefghijklmnop' } });
  assert.equal(rotated.status, 200);
  assert.equal(rotated.body.secret, undefined, 'a secret is never echoed');
  const stored = await app.ctx.db.kysely.selectFrom('webhooks').select('secret_encrypted').where('id', '=', id).executeTakeFirstOrThrow();
  const box = new SecretBox(Buffer.from(readFileSync(app.config.secretKeyFile, 'utf8').trim(), 'base64'));
  assert.equal(box.open(stored.secret_encrypted, `webhook:${id}`), 'rotated-secret-abcdefghijklmnop');
});

test('validation: url scheme, event types, empty patches, unknown ids', async () => {
  const bad = async (body: unknown, status = 400) => {
    const res = await app.request('POST', '/api/v1/webhooks', { body });
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
    return res.body;
  };
  assert.match((await bad({ url: 'ftp://127.0.0.1/x', eventTypes: ['*'] })).message, /http:\/\/ or https:\/\//);
  assert.match((await bad({ url: 'not a url', eventTypes: ['*'] })).message, /not a URL/);
  assert.match((await bad({ url: RECEIVER, eventTypes: ['transaction.begun'] })).message, /unknown event type transaction.begun/);
  await bad({ url: RECEIVER, eventTypes: [] });
  await bad({ url: RECEIVER });
  await bad({ url: RECEIVER, eventTypes: ['*'], secret: 'short' });
  await bad({ url: RECEIVER, eventTypes: ['*'], extra: 1 });

  const created = await app.request('POST', '/api/v1/webhooks', { body: { url: RECEIVER, eventTypes: ['*'] } });
  const id = created.body.id;
  assert.equal((await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: {} })).status, 400);
  assert.equal((await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: { url: 'mailto:x@y' } })).status, 400);
  assert.equal((await app.request('PATCH', '/api/v1/webhooks/999999', { body: { active: true } })).status, 404);
  assert.equal((await app.request('GET', '/api/v1/webhooks/999999')).status, 404);
  assert.equal((await app.request('GET', '/api/v1/webhooks/999999/deliveries')).status, 404);
  assert.equal((await app.request('POST', '/api/v1/webhooks/999999/test')).status, 404);
  assert.equal((await app.request('DELETE', `/api/v1/webhooks/${id}`)).status, 204);
  assert.equal((await app.request('DELETE', `/api/v1/webhooks/${id}`)).status, 404);
  assert.equal((await app.request('GET', `/api/v1/webhooks/${id}`)).status, 404);
});

test('webhooks are admin-only, reads included', async () => {
  const read = await app.request('POST', '/api/v1/api-keys', { body: { name: 'viewer', role: 'read' } });
  const key = read.body.key;
  assert.equal((await app.request('GET', '/api/v1/webhooks', { key })).status, 403);
  assert.equal((await app.request('POST', '/api/v1/webhooks', { key, body: { url: RECEIVER, eventTypes: ['*'] } })).status, 403);
  assert.equal((await app.request('GET', '/api/v1/webhooks', { key: null })).status, 401);
});

test('secret box: the key file is created 0600 once and reused; tampering and a wrong key are detected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-secretbox-'));
  try {
    const path = join(dir, 'nested', 'secret.key');
    const key = loadOrCreateKey(path);
    assert.equal(key.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'nested')).mode & 0o777, 0o700);
    assert.deepEqual(loadOrCreateKey(path), key, 'the same key on the next start');

    const box = new SecretBox(key);
    const sealed = box.seal('s3cret', 'ctx');
    assert.notEqual(box.seal('s3cret', 'ctx'), sealed, 'a fresh nonce every time');
    assert.equal(box.open(sealed, 'ctx'), 's3cret');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    assert.throws(() => box.open([...parts.slice(0, 3), flipped.toString('base64url')].join('.'), 'ctx'), SecretBoxError);
    assert.throws(() => new SecretBox(Buffer.alloc(32, 7)).open(sealed, 'ctx'), /does not open with this instance key/);
    assert.throws(() => box.open('garbage', 'ctx'), SecretBoxError);

    const warnings: string[] = [];
    const loose = join(dir, 'loose.key');
    writeFileSync(loose, `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o644 });
    loadOrCreateKey(loose, (m) => warnings.push(m));
    assert.match(warnings[0] ?? '', /readable by other users/);
    writeFileSync(join(dir, 'short.key'), 'c2hvcnQ=\n');
    assert.throws(() => loadOrCreateKey(join(dir, 'short.key')), /must hold 32 random bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the delivery log keeps finished deliveries for the retention period, pending ones until they finish', async () => {
  const created = await app.request('POST', '/api/v1/webhooks', { body: { url: RECEIVER, eventTypes: ['*'], active: false } });
  const id = created.body.id;
  const now = new Date();
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
  const row = (status: 'pending' | 'succeeded' | 'failed', createdAt: string) => ({
    webhook_id: id, event_type: 'station.booted', payload: '{}', status, attempts: 1, next_attempt_at: null,
    last_attempt_at: createdAt, response_status: null, last_error: null, created_at: createdAt,
  });
  await app.ctx.db.write((trx) =>
    trx.insertInto('webhook_deliveries').values([row('succeeded', daysAgo(31)), row('failed', daysAgo(40)), row('pending', daysAgo(45)), row('succeeded', daysAgo(29))]).execute(),
  );
  assert.equal(await app.ctx.services.webhooks.prune(now), 2);
  const left = await app.ctx.db.kysely.selectFrom('webhook_deliveries').select(['status', 'created_at']).where('webhook_id', '=', id).orderBy('created_at').execute();
  assert.deepEqual(left.map((r) => [r.status, r.created_at]), [['pending', daysAgo(45)], ['succeeded', daysAgo(29)]]);
});
