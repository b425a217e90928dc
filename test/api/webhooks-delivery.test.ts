// Webhook deliveries to real local receivers: signed events, retries with backoff recorded in
// the delivery log, chargers unaffected by a receiver that hangs, deliveries surviving a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, isolatedPostgres, startOpenApp, startTestApp, type TestApp } from '../helpers/app.ts';
import { retryDelayMs } from '../../src/modules/webhooks/backoff.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}
type Behaviour = (r: Received, n: number) => number | 'hang';

/** A webhook receiver on 127.0.0.1: records every request and answers as `behave` says. */
async function receiver(behave: Behaviour = () => 200) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  // requests whose connection is still open, and the most there ever were at once
  let open = 0;
  let maxOpen = 0;
  const server = createServer((req, res) => {
    maxOpen = Math.max(maxOpen, ++open);
    res.once('close', () => open--);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = { headers: req.headers, body, json: JSON.parse(body), at: performance.now() };
      received.push(r);
      const answer = behave(r, received.length);
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 300 ? 'receiver says no' : 'ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    hanging,
    /** the most requests that were in flight at the same time */
    get maxInFlight() {
      return maxOpen;
    },
    set behave(b: Behaviour) {
      behave = b;
    },
    async close() {
      for (const h of hanging) h.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const FAST = { pollMs: 50, retryBaseMs: 200, retryMaxMs: 2000 };

function signatureOf(secret: string, r: Received): string {
  return `sha256=${createHmac('sha256', secret).update(`${r.headers['x-plugboard-timestamp']}.${r.body}`).digest('hex')}`;
}

let app: TestApp;
before(async () => {
  // The receivers listen on 127.0.0.1: a loopback target, refused unless allowed (ADR 0013).
  app = await startOpenApp({ webhooks: { maxAttempts: 4, timeoutSeconds: 1, allowPrivateTargets: true } });
  app.ctx.services.webhooks.configureDelivery(FAST);
  await app.ctx.services.authorization.upsertToken({ idTag: 'WH-TAG' });
});
after(() => app?.cleanup());

async function createWebhook(body: Record<string, unknown>): Promise<{ id: number; secret: string }> {
  const res = await app.request('POST', '/api/v1/webhooks', { body });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

const deliveries = async (id: number, query = '') => (await app.request('GET', `/api/v1/webhooks/${id}/deliveries${query}`)).body;

test('a receiver gets transaction.started and transaction.stopped, signed with its secret, and the log says succeeded', async (t) => {
  const rx = await receiver();
  t.after(() => rx.close());
  const hook = await createWebhook({ url: rx.url, eventTypes: ['transaction.*'], stationIds: ['WH-1'] });
  const other = app.charger('WH-OTHER');
  await other.connect();
  await other.boot();
  await other.startTransaction(1, 'WH-TAG', 0);
  const cp = app.charger('WH-1');
  await cp.connect();
  await cp.boot();
  await cp.status(1, 'Charging');
  const { transactionId } = await cp.startTransaction(1, 'WH-TAG', 500);
  await cp.stopTransaction(transactionId, 7500, { reason: 'Local' });

  await eventually(() => rx.received.length >= 2, 3000, 'two deliveries');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(rx.received.length, 2, 'only the two transaction events of WH-1');
  const started = rx.received.find((r) => r.json.type === 'transaction.started')!;
  const stopped = rx.received.find((r) => r.json.type === 'transaction.stopped')!;
  assert.ok(started && stopped, 'one of each');
  assert.deepEqual(Object.keys(started.json).sort(), ['createdAt', 'data', 'id', 'type']);
  assert.deepEqual({ ...started.json.data, at: undefined }, { type: 'transaction.started', stationId: 'WH-1', at: undefined, transactionId, connectorId: 1, idTag: 'WH-TAG', meterStart: 500 });
  assert.deepEqual([stopped.json.data.transactionId, stopped.json.data.meterStop, stopped.json.data.reason], [transactionId, 7500, 'Local']);
  assert.equal(started.json.createdAt, started.json.data.at);
  assert.match(started.json.id, /^[0-9a-f-]{36}$/);
  assert.notEqual(started.json.id, stopped.json.id);

  for (const r of [started, stopped]) {
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-plugboard-event'], r.json.type);
    assert.match(String(r.headers['x-plugboard-delivery']), /^\d+$/);
    const ts = Number(r.headers['x-plugboard-timestamp']);
    assert.ok(Math.abs(ts - Date.now() / 1000) < 10, 'timestamp is Unix seconds, now');
    assert.equal(r.headers['x-plugboard-signature'], signatureOf(hook.secret, r), 'the signature verifies with the secret');
    assert.notEqual(r.headers['x-plugboard-signature'], signatureOf('some-other-secret', r));
  }

  const log = await eventually(async () => {
    const d = await deliveries(hook.id);
    return d.items.every((i: { status: string }) => i.status === 'succeeded') && d.total === 2 ? d : null;
  }, 2000, 'both deliveries recorded as succeeded');
  for (const item of log.items) {
    assert.deepEqual([item.webhookId, item.attempts, item.responseStatus, item.lastError, item.nextAttemptAt], [hook.id, 1, 200, null, null]);
    const sent = rx.received.find((r) => r.headers['x-plugboard-delivery'] === String(item.id));
    assert.deepEqual(item.payload, sent?.json, 'the log holds exactly the body sent');
  }
  assert.equal((await app.request('DELETE', `/api/v1/webhooks/${hook.id}`)).status, 204);
});

test('a receiver answering 500 is retried after a backoff, and the delivery log shows the failed attempt, then success', async (t) => {
  const rx = await receiver((_r, n) => (n === 1 ? 500 : 200));
  t.after(() => rx.close());
  app.ctx.services.webhooks.configureDelivery({ retryBaseMs: 600 });
  t.after(() => app.ctx.services.webhooks.configureDelivery(FAST));
  const hook = await createWebhook({ url: rx.url, eventTypes: ['station.booted'], stationIds: ['WH-RETRY'] });
  const cp = app.charger('WH-RETRY');
  await cp.connect();
  await cp.boot();

  await eventually(() => rx.received.length === 1, 3000, 'first attempt');
  const pending = await eventually(async () => {
    const d = await deliveries(hook.id);
    return d.items[0]?.attempts === 1 && d.items[0].responseStatus === 500 ? d.items[0] : null;
  }, 1000, 'the failed attempt in the log');
  assert.equal(pending.status, 'pending');
  assert.equal(pending.lastError, 'HTTP 500', 'the status only, never the receiver\'s answer');
  assert.ok(Date.parse(pending.nextAttemptAt) > Date.parse(pending.lastAttemptAt), 'next attempt scheduled later');

  await eventually(() => rx.received.length === 2, 3000, 'the retry');
  const gap = rx.received[1].at - rx.received[0].at;
  // Timers never fire early: the retry waited at least the smallest backoff (an upper bound would fail on a busy machine).
  assert.ok(gap >= 280, `retried after ${Math.round(gap)} ms (backoff 300-600 ms)`);
  assert.equal(rx.received[1].json.id, rx.received[0].json.id, 'same event id on the retry');
  assert.equal(rx.received[1].headers['x-plugboard-delivery'], rx.received[0].headers['x-plugboard-delivery']);
  const done = await eventually(async () => {
    const d = await deliveries(hook.id);
    return d.items[0]?.status === 'succeeded' ? d.items[0] : null;
  }, 2000, 'success recorded');
  assert.deepEqual([done.attempts, done.responseStatus, done.lastError], [2, 200, null]);
});

test('a receiver that keeps failing gets exponentially spaced attempts, then the delivery is failed; a receiver that is down is recorded as such', async (t) => {
  const rx = await receiver(() => 503);
  t.after(() => rx.close());
  app.ctx.services.webhooks.configureDelivery({ retryBaseMs: 100 });
  t.after(() => app.ctx.services.webhooks.configureDelivery(FAST));
  const hook = await createWebhook({ url: rx.url, eventTypes: ['station.booted'], stationIds: ['WH-503'] });
  const down = await receiver();
  await down.close();
  const downHook = await createWebhook({ url: down.url, eventTypes: ['station.booted'], stationIds: ['WH-503'] });
  const cp = app.charger('WH-503');
  await cp.connect();
  await cp.boot();

  await eventually(() => rx.received.length === 4, 5000, 'four attempts');
  const failed = await eventually(async () => {
    const d = await deliveries(hook.id, '?status=failed');
    return d.total === 1 ? d.items[0] : null;
  }, 2000, 'the delivery failed for good');
  assert.deepEqual([failed.attempts, failed.responseStatus, failed.lastError, failed.nextAttemptAt], [4, 503, 'HTTP 503', null]);
  const gaps = rx.received.slice(1).map((r, i) => r.at - rx.received[i].at);
  // Equal jitter: retry n waits between base*2^(n-1)/2 and base*2^(n-1).
  assert.ok(gaps[0] >= 45 && gaps[1] >= 95 && gaps[2] >= 195, `gaps ${gaps.map(Math.round).join(', ')} ms`);
  assert.ok(gaps[2] > gaps[0], 'the gaps grow');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(rx.received.length, 4, 'no attempt after the last');

  const downFailed = await eventually(async () => {
    const d = await deliveries(downHook.id);
    return d.items[0]?.status === 'failed' ? d.items[0] : null;
  }, 5000, 'the delivery to the down receiver failed for good');
  assert.equal(downFailed.attempts, 4);
  assert.equal(downFailed.responseStatus, null);
  assert.equal(downFailed.lastError, 'connection refused');
  assert.equal((await deliveries(hook.id, '?status=pending')).total, 0);
});

test('a receiver that hangs does not slow chargers: their answers come at once, the webhook gets a few bounded attempts that time out', async (t) => {
  const rx = await receiver(() => 'hang');
  t.after(() => rx.close());
  const hook = await createWebhook({ url: rx.url, eventTypes: ['*'], stationIds: ['WH-HANG'] });
  const cp = app.charger('WH-HANG');
  await cp.connect();
  await cp.boot();
  await eventually(() => rx.hanging.length > 0, 2000, 'the receiver is holding a request');

  // Every answer comes while the receiver is still holding its request (no timing: a busy
  // machine must not fail this; what matters is that nothing waits for the webhook).
  for (let i = 0; i < 10; i++) await cp.status(1, i % 2 ? 'Charging' : 'SuspendedEV');
  const { transactionId } = await cp.startTransaction(1, 'WH-TAG', 0);
  assert.ok(transactionId > 0);
  assert.ok(rx.hanging.length > 0, 'the receiver was hanging all along');
  // In flight, not in total: each attempt gives up after 1 s, and on a loaded machine the steps
  // above can take longer than that, so later attempts may have started since.
  assert.ok(rx.maxInFlight <= 4, `at most 4 attempts in flight for one webhook, saw ${rx.maxInFlight}`);

  const timedOut = await eventually(async () => {
    const d = await deliveries(hook.id);
    return d.items.find((i: { lastError: string | null }) => i.lastError === 'no response within 1 s');
  }, 4000, 'an attempt recorded as timed out');
  assert.equal(timedOut.responseStatus, null);
  assert.equal((await app.request('DELETE', `/api/v1/webhooks/${hook.id}`)).status, 204);
  assert.equal((await app.ctx.db.kysely.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hook.id).execute()).length, 0, 'its log is gone with it');
});

test('the test endpoint sends a signed ping now and returns its delivery; inactive webhooks get no events; the log pages', async (t) => {
  const rx = await receiver();
  t.after(() => rx.close());
  const hook = await createWebhook({ url: rx.url, eventTypes: ['station.booted'], active: false });
  const ping = await app.request('POST', `/api/v1/webhooks/${hook.id}/test`);
  assert.equal(ping.status, 200, ping.text);
  assert.deepEqual([ping.body.eventType, ping.body.status, ping.body.attempts, ping.body.responseStatus], ['ping', 'succeeded', 1, 200]);
  assert.equal(rx.received.length, 1);
  assert.equal(rx.received[0].json.type, 'ping');
  assert.equal(rx.received[0].headers['x-plugboard-signature'], signatureOf(hook.secret, rx.received[0]));

  const cp = app.charger('WH-INACTIVE');
  await cp.connect();
  await cp.boot();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(rx.received.length, 1, 'an inactive webhook got no event');

  assert.equal((await app.request('PATCH', `/api/v1/webhooks/${hook.id}`, { body: { active: true } })).status, 200);
  await cp.boot();
  await cp.boot();
  await eventually(() => rx.received.length === 3, 3000, 'events once active');
  const page = await deliveries(hook.id, '?limit=2&offset=1');
  assert.equal(page.total, 3);
  assert.equal(page.items.length, 2);
  assert.deepEqual([page.limit, page.offset], [2, 1]);
  assert.equal(page.items.at(-1).eventType, 'ping', 'newest first');

  const dead = await receiver();
  await dead.close();
  assert.equal((await app.request('PATCH', `/api/v1/webhooks/${hook.id}`, { body: { url: dead.url } })).status, 200);
  const failed = await app.request('POST', `/api/v1/webhooks/${hook.id}/test`);
  assert.equal(failed.status, 200);
  assert.deepEqual([failed.body.status, failed.body.attempts, failed.body.responseStatus], ['failed', 1, null]);
  assert.equal(failed.body.lastError, 'connection refused');
});

test('the retry schedule: exponential, capped, jittered by half, Retry-After honoured within the cap', () => {
  const opts = { baseMs: 1000, maxMs: 60_000 };
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, opts, () => 0)), [500, 1000, 2000, 4000]);
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, opts, () => 1)), [1000, 2000, 4000, 8000]);
  assert.equal(retryDelayMs(20, opts, () => 1), 60_000);
  assert.equal(retryDelayMs(1, { ...opts, retryAfterMs: 30_000 }, () => 0), 30_000);
  assert.equal(retryDelayMs(1, { ...opts, retryAfterMs: 3_600_000 }, () => 0), 60_000);
});

test('deliveries survive a restart: an attempt cut short by a stop is made again by the next process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-wh-restart-'));
  const pg = process.env.DATABASE_URL ? await isolatedPostgres(process.env.DATABASE_URL) : null;
  t.after(async () => {
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const reuse = { databaseUrl: pg?.url ?? null, sqlitePath: join(dir, 'plugboard.db') };
  const config = { ocpp: { allowUnsecured: true }, secretKeyFile: join(dir, 'secret.key'), webhooks: { timeoutSeconds: 30, allowPrivateTargets: true } };
  const rx = await receiver(() => 'hang');
  t.after(() => rx.close());

  const first = await startTestApp({ reuse, config });
  let hookId: number;
  let secret: string;
  try {
    first.ctx.services.webhooks.configureDelivery(FAST);
    const created = await first.request('POST', '/api/v1/webhooks', { body: { url: rx.url, eventTypes: ['station.booted'] } });
    ({ id: hookId, secret } = created.body);
    const cp = first.charger('WH-RESTART');
    await cp.connect();
    await cp.boot();
    await eventually(() => rx.hanging.length === 1, 3000, 'the attempt is in flight');
  } finally {
    // Stopping must not wait for the 30 s attempt timeout: the test's own timeout bounds it.
    await first.cleanup();
  }

  rx.behave = () => 200;
  const second = await startTestApp({ reuse, config });
  try {
    await eventually(() => rx.received.length === 2, 5000, 'the delivery made again after the restart');
    const [cut, again] = rx.received;
    assert.equal(again.json.id, cut.json.id, 'the same event');
    assert.equal(again.headers['x-plugboard-signature'], signatureOf(secret, again), 'signed with the same secret after the restart');
    const log = await eventually(async () => {
      const d = (await second.request('GET', `/api/v1/webhooks/${hookId}/deliveries`)).body;
      return d.items[0]?.status === 'succeeded' ? d.items[0] : null;
    }, 3000, 'recorded as succeeded');
    assert.equal(log.attempts, 1, 'the attempt our own stop cut short does not count');
  } finally {
    await second.cleanup();
  }
});
