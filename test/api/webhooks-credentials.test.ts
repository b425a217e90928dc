// `user:pass@` in a webhook URL (ADR 0013): stored encrypted under the instance key apart from
// the URL, never shown back in plain text (masked ****:****), sent as HTTP Basic auth; URLs
// stored with credentials before migration 0012 are moved out at start. A failed delivery
// shows its status or error class, never the receiver's answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedPostgres, startOpenApp, startTestApp, type TestApp } from '../helpers/app.ts';
import { SecretBox } from '../../src/secretbox.ts';

async function receiver(status = 200, body = 'ok') {
  const received: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ url: req.url!, headers: req.headers });
      res.writeHead(status, { 'content-type': 'text/plain', location: 'http://10.0.0.1/internal-secret-path' }).end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    port,
    received,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

let app: TestApp;
let rx: Awaited<ReturnType<typeof receiver>>;
before(async () => {
  // The receiver is on 127.0.0.1: a loopback target, refused unless allowed.
  app = await startOpenApp({ webhooks: { allowPrivateTargets: true } });
  rx = await receiver();
});
after(async () => {
  await rx?.close();
  await app?.cleanup();
});

test('URL credentials are stored encrypted, shown masked, and sent as Basic auth', async () => {
  const created = await app.request('POST', '/api/v1/webhooks', { body: { url: `http://alice:s%40cr%3Aet@127.0.0.1:${rx.port}/hook?x=1`, eventTypes: ['*'] } });
  assert.equal(created.status, 201, created.text);
  const masked = `http://****:****@127.0.0.1:${rx.port}/hook?x=1`;
  assert.equal(created.body.url, masked);
  assert.equal(created.body.hasCredentials, true);
  const id = created.body.id;
  assert.equal((await app.request('GET', `/api/v1/webhooks/${id}`)).body.url, masked);
  const listed = await app.request('GET', '/api/v1/webhooks');
  assert.doesNotMatch(listed.text, /alice|s%40cr|s@cr/, 'the list never shows them');

  const row = await app.ctx.db.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.url, `http://127.0.0.1:${rx.port}/hook?x=1`, 'the stored URL has no credentials');
  assert.doesNotMatch(row.url_credentials_encrypted!, /alice|s@cr/);
  const box = new SecretBox(Buffer.from(readFileSync(app.ctx.config.secretKeyFile, 'utf8').trim(), 'base64'));
  assert.deepEqual(JSON.parse(box.open(row.url_credentials_encrypted!, `webhook-url:${id}`)), { username: 'alice', password: 's@cr:et' });

  const ping = await app.request('POST', `/api/v1/webhooks/${id}/test`);
  assert.equal(ping.body.status, 'succeeded', ping.text);
  assert.equal(rx.received.at(-1)!.headers.authorization, basic('alice', 's@cr:et'));
  assert.equal(rx.received.at(-1)!.url, '/hook?x=1');

  // The masked URL sent back keeps them (here with another path) ...
  const moved = await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: { url: `http://****:****@127.0.0.1:${rx.port}/other` } });
  assert.equal(moved.body.url, `http://****:****@127.0.0.1:${rx.port}/other`);
  await app.request('POST', `/api/v1/webhooks/${id}/test`);
  assert.deepEqual([rx.received.at(-1)!.url, rx.received.at(-1)!.headers.authorization], ['/other', basic('alice', 's@cr:et')]);
  // ... other credentials replace them ...
  await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: { url: `http://bob:hunter2@127.0.0.1:${rx.port}/other` } });
  await app.request('POST', `/api/v1/webhooks/${id}/test`);
  assert.equal(rx.received.at(-1)!.headers.authorization, basic('bob', 'hunter2'));
  // ... and a URL without any removes them.
  const plain = await app.request('PATCH', `/api/v1/webhooks/${id}`, { body: { url: `http://127.0.0.1:${rx.port}/other` } });
  assert.deepEqual([plain.body.url, plain.body.hasCredentials], [`http://127.0.0.1:${rx.port}/other`, false]);
  await app.request('POST', `/api/v1/webhooks/${id}/test`);
  assert.equal(rx.received.at(-1)!.headers.authorization, undefined);
  const after = await app.ctx.db.kysely.selectFrom('webhooks').select('url_credentials_encrypted').where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(after.url_credentials_encrypted, null);

  const mask = await app.request('POST', '/api/v1/webhooks', { body: { url: `http://****:****@127.0.0.1:${rx.port}/hook`, eventTypes: ['*'] } });
  assert.equal(mask.status, 400);
  assert.match(mask.body.message, /are the mask the API shows: write the real user and password/);
});

test('a failed delivery keeps the status only: not the body, not a redirect target', async (t) => {
  const loud = await receiver(500, 'stack trace: password=topsecret at /internal/db');
  const redirect = await receiver(302, '');
  t.after(() => Promise.all([loud.close(), redirect.close()]));
  for (const [r, status, errorClass, lastError] of [[loud, 500, 'http_status', 'HTTP 500'], [redirect, 302, 'redirect', 'HTTP 302: redirect (not followed)']] as const) {
    const hook = (await app.request('POST', '/api/v1/webhooks', { body: { url: `http://127.0.0.1:${r.port}/hook`, eventTypes: ['*'] } })).body;
    const ping = await app.request('POST', `/api/v1/webhooks/${hook.id}/test`);
    assert.deepEqual([ping.body.status, ping.body.responseStatus, ping.body.errorClass, ping.body.lastError], ['failed', status, errorClass, lastError]);
    const log = await app.request('GET', `/api/v1/webhooks/${hook.id}/deliveries`);
    assert.doesNotMatch(log.text, /topsecret|internal/);
    const stored = await app.ctx.db.kysely.selectFrom('webhook_deliveries').select(['last_error', 'error_class']).where('webhook_id', '=', hook.id).execute();
    assert.deepEqual(stored, [{ last_error: lastError, error_class: errorClass }]);
  }
  const closed = (await app.request('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] } })).body;
  const refused = await app.request('POST', `/api/v1/webhooks/${closed.id}/test`);
  assert.deepEqual([refused.body.responseStatus, refused.body.errorClass, refused.body.lastError], [null, 'connection_refused', 'connection refused']);
});

test('credentials stored in a URL before migration 0012 are moved out and sealed at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-wh-creds-'));
  const pg = process.env.DATABASE_URL ? await isolatedPostgres(process.env.DATABASE_URL) : null;
  t.after(async () => {
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const reuse = { databaseUrl: pg?.url ?? null, sqlitePath: join(dir, 'plugboard.db') };
  const config = { ocpp: { allowUnsecured: true }, secretKeyFile: join(dir, 'secret.key'), webhooks: { allowPrivateTargets: true } };
  const first = await startTestApp({ reuse, config });
  let id: number;
  try {
    id = (await first.request('POST', '/api/v1/webhooks', { body: { url: `http://127.0.0.1:${rx.port}/old`, eventTypes: ['*'] } })).body.id;
    // As an older Plugboard stored it: the credentials in the URL itself.
    await first.ctx.db.write((trx) => trx.updateTable('webhooks').set({ url: `http://carol:0ld%20pw@127.0.0.1:${rx.port}/old` }).where('id', '=', id).execute());
  } finally {
    await first.cleanup();
  }
  const second = await startTestApp({ reuse, config });
  try {
    const row = await second.ctx.db.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.url, `http://127.0.0.1:${rx.port}/old`);
    assert.ok(row.url_credentials_encrypted?.startsWith('v1.'));
    assert.equal((await second.request('GET', `/api/v1/webhooks/${id}`)).body.url, `http://****:****@127.0.0.1:${rx.port}/old`);
    assert.equal((await second.request('POST', `/api/v1/webhooks/${id}/test`)).body.status, 'succeeded');
    assert.equal(rx.received.at(-1)!.headers.authorization, basic('carol', '0ld pw'));
  } finally {
    await second.cleanup();
  }
});
