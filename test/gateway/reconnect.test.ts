import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { REPLACED_CODE, REPLACED_REASON, type ChargerConnection } from '../../src/gateway/index.ts';
import { RpcClosedError } from '../../src/protocol/index.ts';
import { closed, expectRefused, openClient, startGateway, waitFor } from './helpers.ts';

/** Answers GetConfiguration so the test can prove a connection really works end to end. */
function answerCalls(ws: WebSocket): void {
  ws.on('message', (data) => {
    const [type, id, action] = JSON.parse(data.toString()) as [number, string, string];
    if (type === 2 && action === 'GetConfiguration') ws.send(JSON.stringify([3, id, { unknownKey: ['probe'] }]));
  });
}

async function assertWorks(conn: ChargerConnection | undefined): Promise<void> {
  assert.ok(conn);
  assert.deepEqual(await conn.call('GetConfiguration', { key: ['probe'] }, { timeoutMs: 2_000 }), { unknownKey: ['probe'] });
}

test('100 back-to-back reconnects leave exactly one live connection, the newest', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const clients: WebSocket[] = [];
  const closes: Array<Promise<{ code: number; reason: string }>> = [];
  t.after(() => clients.forEach((ws) => ws.terminate()));

  for (let i = 0; i < 100; i++) {
    // The charger does not close its previous socket: it thinks that one is dead.
    const ws = await openClient(h.base + 'CP1');
    clients.push(ws);
    closes.push(closed(ws));
  }

  const results = await Promise.all(closes.slice(0, 99));
  for (const result of results) assert.deepEqual(result, { code: REPLACED_CODE, reason: REPLACED_REASON });
  const last = clients[99];
  assert.equal(last.readyState, WebSocket.OPEN);
  answerCalls(last);

  assert.equal(h.gateway.size, 1);
  const live = h.gateway.get('CP1');
  assert.equal(live, h.connected[99]);
  await assertWorks(live);
  assert.equal(h.connected.length, 100);
  assert.equal(h.disconnected.length, 99);
  assert.ok(h.disconnected.every((d) => d.info.replaced && d.info.code === REPLACED_CODE));
  assert.ok(h.disconnected.every((d, i) => d.conn === h.connected[i] && !d.conn.isOpen), 'each old connection was told once, in order');
});

test('100 overlapping upgrades for one identity settle on the newest one', async (t) => {
  const h = await startGateway({
    // Authentication finishes in random order, as with a database under load.
    authenticate: async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
      return { ok: true };
    },
  });
  t.after(() => h.gateway.stop());

  const clients: WebSocket[] = [];
  t.after(() => clients.forEach((ws) => ws.terminate()));
  const outcomes = await Promise.all(
    Array.from({ length: 100 }, () => {
      const ws = new WebSocket(h.base + 'CP2', 'ocpp1.6');
      clients.push(ws);
      return new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          resolve(`http ${res.statusCode}`);
        });
        ws.once('error', (err) => resolve(`error ${err.message}`));
      });
    }),
  );
  assert.ok(outcomes.every((o) => o === 'open' || o === 'http 409'), `unexpected outcomes: ${[...new Set(outcomes)].join(', ')}`);

  await waitFor(() => clients.filter((ws) => ws.readyState === WebSocket.OPEN).length === 1, 5_000, 'one open client');
  const survivor = clients.find((ws) => ws.readyState === WebSocket.OPEN) as WebSocket;
  answerCalls(survivor);

  assert.equal(h.gateway.size, 1);
  const live = h.gateway.get('CP2');
  assert.ok(live);
  assert.equal(live.seq, 100, 'the last upgrade to start is the one that stays');
  await assertWorks(live);
  assert.equal(h.connected.length - h.disconnected.length, 1);
  assert.ok(h.disconnected.every((d) => d.info.replaced));

  // Late close events of the replaced sockets have all arrived by now; none removed the winner.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(h.gateway.get('CP2'), live);
});

test('a later upgrade that authenticates first wins; the earlier one is refused with 409', async (t) => {
  let releaseFirst!: () => void;
  const firstGate = new Promise<void>((resolve) => (releaseFirst = resolve));
  let n = 0;
  const h = await startGateway({
    authenticate: async () => {
      if (++n === 1) await firstGate;
      return { ok: true };
    },
  });
  t.after(() => h.gateway.stop());

  const first = expectRefused(h.base + 'CP3', 'ocpp1.6');
  await waitFor(() => h.authRequests.length === 1);
  const second = await openClient(h.base + 'CP3');
  t.after(() => second.terminate());
  answerCalls(second);
  releaseFirst();
  const refused = await first;
  assert.equal(refused.status, 409);
  assert.match(refused.body, /newer connection/);
  assert.equal(h.gateway.size, 1);
  await assertWorks(h.gateway.get('CP3'));
  assert.equal(h.connected.length, 1);
  assert.equal(h.disconnected.length, 0);
});

test('a replaced connection is told first, its pending calls rejected, and its late close changes nothing', async (t) => {
  const order: string[] = [];
  const h = await startGateway({
    onConnected: (conn) => order.push(`connected ${conn.seq}`),
    onDisconnected: (conn, info) => order.push(`disconnected ${conn.seq} replaced=${info.replaced}`),
  });
  t.after(() => h.gateway.stop());
  const old = await openClient(h.base + 'CP4');
  // The old socket stops reading, like a half-open TCP connection: its close handshake
  // cannot finish until the gateway gives up on it.
  old.pause();
  const oldConn = h.gateway.get('CP4') as ChargerConnection;
  const pending = oldConn.call('ClearCache', {}).then(
    () => new Error('resolved'),
    (err: unknown) => err,
  );
  const fresh = await openClient(h.base + 'CP4');
  t.after(() => fresh.terminate());
  answerCalls(fresh);

  const err = await pending;
  assert.ok(err instanceof RpcClosedError);
  assert.match(err.message, /replaced by a new connection/);
  assert.deepEqual(order, ['connected 1', 'disconnected 1 replaced=true', 'connected 2']);
  assert.equal(oldConn.isOpen, false);
  await assert.rejects(oldConn.call('ClearCache', {}), /not connected.*replaced by a new connection/);

  old.terminate(); // now the old socket's close event fires on the server
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(h.gateway.get('CP4')?.seq, 2);
  await assertWorks(h.gateway.get('CP4'));
  assert.equal(order.length, 3, 'no second disconnect for the old connection');
});
