// Webhook targets (ADR 0013): loopback, link-local, private and other internal addresses are
// refused by default, when a webhook is created or changed and again at delivery, after DNS
// resolution, connecting to the address that was checked; an operator allows them by
// configuration (webhooks.allowPrivateTargets, webhooks.allowedTargets).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { loadConfig, ConfigError } from '../../src/config.ts';
import type { Resolver } from '../../src/modules/webhooks/send.ts';

async function receiver() {
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers.host));
      res.writeHead(200).end('ok');
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

/** A resolver that knows a few made-up names (nothing goes to real DNS). */
const fakeDns = (names: Record<string, string[]>): Resolver => async (hostname) => {
  const addresses = names[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let app: TestApp;
let rx: Awaited<ReturnType<typeof receiver>>;
before(async () => {
  app = await startOpenApp();
  rx = await receiver();
});
after(async () => {
  await rx?.close();
  await app?.cleanup();
});

const create = (url: string) => app.request('POST', '/api/v1/webhooks', { body: { url, eventTypes: ['*'] } });

test('internal targets are refused at creation by default, numeric tricks included, with a message naming the switch', async () => {
  const refused: Array<[string, string]> = [
    ['http://127.0.0.1:9/hook', 'loopback'],
    ['http://127.8.9.10/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://[::1]:8080/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:a9fe:a9fe]/', 'link-local'],
    ['http://[64:ff9b::7f00:1]/', 'loopback'],
    ['http://localhost:3000/hook', 'loopback'],
    ['https://LOCALHOST./hook', 'loopback'],
    ['http://api.localhost/hook', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[fc00::1]/', 'private'],
    ['http://[fd12:3456::1]/', 'private'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://100.64.0.1/', 'shared (carrier-grade NAT)'],
    ['http://224.0.0.1/', 'multicast'],
  ];
  for (const [url, category] of refused) {
    const res = await create(url);
    assert.equal(res.status, 400, `${url}: ${res.text}`);
    assert.equal(res.body.error, 'webhook_target_not_allowed', url);
    assert.match(res.body.message, new RegExp(`is a ${category.replace(/[()]/g, '\\$&')} address`), url);
    assert.match(res.body.message, /only public addresses are allowed.*webhooks\.allowPrivateTargets: true.*webhooks\.allowedTargets/, url);
  }
  assert.deepEqual((await app.request('GET', '/api/v1/webhooks')).body.items, [], 'nothing was stored');

  // Public addresses and host names are fine (names are checked again when resolved).
  for (const url of ['http://93.184.215.14/hook', 'http://172.32.0.1/', 'https://hooks.example.com/plugboard', 'http://[2001:4860:4860::8888]/x']) {
    assert.equal((await create(url)).status, 201, url);
  }
  const [first] = (await app.request('GET', '/api/v1/webhooks')).body.items;
  const patched = await app.request('PATCH', `/api/v1/webhooks/${first.id}`, { body: { url: 'http://169.254.169.254/' } });
  assert.equal(patched.status, 400);
  assert.equal(patched.body.error, 'webhook_target_not_allowed');
  assert.equal((await app.request('GET', `/api/v1/webhooks/${first.id}`)).body.url, 'http://93.184.215.14/hook', 'unchanged');
  for (const w of (await app.request('GET', '/api/v1/webhooks')).body.items) await app.request('DELETE', `/api/v1/webhooks/${w.id}`);
});

test('at delivery, a host name resolving to an internal address is refused and nothing is sent', async () => {
  app.ctx.services.webhooks.configureDelivery({ resolve: fakeDns({ 'sneaky.example': ['127.0.0.1'], 'mixed.example': ['10.1.2.3', '::1'] }) });
  for (const name of ['sneaky.example', 'mixed.example']) {
    const hook = await create(`http://${name}:${rx.port}/hook`);
    assert.equal(hook.status, 201, 'a host name passes at creation');
    const ping = await app.request('POST', `/api/v1/webhooks/${hook.body.id}/test`);
    assert.equal(ping.status, 200);
    assert.equal(ping.body.status, 'failed');
    assert.equal(ping.body.responseStatus, null);
    assert.match(ping.body.lastError, new RegExp(`^target refused: ${name.replace('.', '\\.')} resolves only to (loopback|private) addresses$`));
  }
  assert.deepEqual(rx.received, [], 'the receiver got nothing');
});

test('a stored webhook with an internal literal address (from before this rule) is refused at delivery', async () => {
  const hook = await create('http://93.184.215.14/hook');
  await app.ctx.db.write((trx) => trx.updateTable('webhooks').set({ url: `http://127.0.0.1:${rx.port}/hook` }).where('id', '=', hook.body.id).execute());
  await app.ctx.services.webhooks.reload();
  const ping = await app.request('POST', `/api/v1/webhooks/${hook.body.id}/test`);
  assert.equal(ping.body.status, 'failed');
  assert.equal(ping.body.lastError, 'target refused: 127.0.0.1 is a loopback address');
  assert.deepEqual(rx.received, []);
});

test('webhooks.allowedTargets lets listed ranges through; delivery connects to the checked address only', async () => {
  const allowed = await startOpenApp({ webhooks: { allowedTargets: ['127.0.0.0/8'] } });
  try {
    const post = (url: string) => allowed.request('POST', '/api/v1/webhooks', { body: { url, eventTypes: ['*'] } });
    assert.equal((await post(`http://127.0.0.1:${rx.port}/a`)).status, 201);
    assert.equal((await post('http://localhost:1/b')).status, 201, 'localhost is 127.0.0.1, allowed');
    const v6 = await post('http://[::1]/c');
    assert.equal(v6.status, 400, '::1 is not in the list');
    assert.equal((await post('http://10.0.0.1/d')).status, 400);

    // The name resolves to a refused address and an allowed one: only the allowed one is used,
    // and it is what the socket connects to (the system resolver does not know the name).
    allowed.ctx.services.webhooks.configureDelivery({ resolve: fakeDns({ 'rebind.example': ['10.9.9.9', '127.0.0.1'] }) });
    const hook = await post(`http://rebind.example:${rx.port}/hook`);
    const ping = await allowed.request('POST', `/api/v1/webhooks/${hook.body.id}/test`);
    assert.equal(ping.body.status, 'succeeded', ping.text);
    assert.deepEqual(rx.received, [`rebind.example:${rx.port}`], 'the Host header keeps the name');
  } finally {
    await allowed.cleanup();
    rx.received.length = 0;
  }
});

test('webhooks.allowPrivateTargets and webhooks.allowedTargets are read from the environment and checked', () => {
  const cfg = loadConfig({ env: { PLUGBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', PLUGBOARD_WEBHOOK_ALLOWED_TARGETS: '10.20.0.0/16, fd00:1::/64,192.168.7.7' }, file: null });
  assert.equal(cfg.webhooks.allowPrivateTargets, true);
  assert.deepEqual(cfg.webhooks.allowedTargets, ['10.20.0.0/16', 'fd00:1::/64', '192.168.7.7']);
  assert.equal(loadConfig({ env: {}, file: null }).webhooks.allowPrivateTargets, false, 'refused by default');
  assert.throws(() => loadConfig({ env: { PLUGBOARD_WEBHOOK_ALLOWED_TARGETS: '10.0.0.0/33' }, file: null }), (e: Error) => e instanceof ConfigError && /webhooks\.allowedTargets: "10\.0\.0\.0\/33" is not a CIDR/.test(e.message));
  assert.throws(() => loadConfig({ env: { PLUGBOARD_WEBHOOK_ALLOWED_TARGETS: 'intranet' }, file: null }), ConfigError);
});
