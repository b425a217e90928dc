import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { closed, openClient, startGateway, waitFor } from './helpers.ts';

/** A client whose 'ping' listener is attached before the upgrade, so no early ping goes uncounted. */
async function countingPings(url: string, opts: { autoPong: boolean; onPing?: (ws: WebSocket) => void }): Promise<{ ws: WebSocket; pings(): number }> {
  let pings = 0;
  const ws = new WebSocket(url, 'ocpp1.6', { autoPong: opts.autoPong });
  ws.on('ping', () => {
    pings++;
    opts.onPing?.(ws);
  });
  await once(ws, 'open');
  return { ws, pings: () => pings };
}

// Every ping after a client's first one proves that the tick before it found the client alive:
// a tick that finds no sign of life since its previous ping terminates instead of pinging. So the
// tests wait for pings to arrive (conditions), never for an amount of time to pass, and hold on a
// loaded machine where timers fire late. The intervals are long enough that a peer that answers
// at once is read before the next tick even when the process is descheduled for a while.

test('a peer that stops answering pings is terminated; a healthy one stays', async (t) => {
  const h = await startGateway({ pingIntervalMs: 300 });
  t.after(() => h.gateway.stop());
  const dead = await countingPings(h.base + 'DEAD', { autoPong: false });
  const deadClosed = closed(dead.ws);
  const healthy = await countingPings(h.base + 'HEALTHY', { autoPong: true });
  t.after(() => healthy.ws.terminate());

  // One tick pings, the next finds no pong and terminates (the test's own timeout bounds the wait).
  const { code } = await deadClosed;
  assert.equal(code, 1006, 'terminated, not closed politely');
  assert.ok(dead.pings() >= 1, 'it was pinged before it was terminated');
  const gone = h.disconnected.find((d) => d.conn.identity === 'DEAD');
  assert.ok(gone);
  assert.equal(gone.info.code, 1006);
  assert.match(gone.info.reason, /no pong/);
  assert.ok(h.logs.some((l) => l.chargePointId === 'DEAD' && l.msg === 'terminating unresponsive charger connection'));

  // Three pings: the healthy peer went through the tick that dropped the dead one and two more.
  const seen = healthy.pings();
  await waitFor(() => healthy.pings() >= seen + 3 || healthy.ws.readyState !== WebSocket.OPEN, 30_000, 'three more pings');
  assert.equal(healthy.ws.readyState, WebSocket.OPEN, 'the healthy peer was not terminated');
  assert.equal(h.gateway.get('HEALTHY')?.isOpen, true);
  assert.equal(h.gateway.size, 1);
  assert.deepEqual(h.disconnected.map((d) => d.conn.identity), ['DEAD']);
});

test('inbound traffic counts as alive even without pongs', async (t) => {
  const h = await startGateway({ pingIntervalMs: 300 });
  t.after(() => h.gateway.stop());
  let chatting = true;
  // No pongs: the client answers each ping with a Heartbeat CALL instead.
  const chatty = await countingPings(h.base + 'CHATTY', {
    autoPong: false,
    onPing: (ws) => {
      if (chatting) ws.send(JSON.stringify([2, String(Date.now()), 'Heartbeat', {}]));
    },
  });
  t.after(() => chatty.ws.terminate());
  await waitFor(() => chatty.pings() >= 3 || chatty.ws.readyState !== WebSocket.OPEN, 30_000, 'three pings');
  assert.equal(chatty.ws.readyState, WebSocket.OPEN, 'traffic kept it alive');
  assert.equal(h.gateway.get('CHATTY')?.isOpen, true);

  chatting = false;
  await waitFor(() => h.gateway.size === 0, 30_000, 'silent peer to be dropped');
});

test('pingIntervalMs 0 sends no pings', async (t) => {
  const h = await startGateway({ pingIntervalMs: 0 });
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'QUIET', 'ocpp1.6', { autoPong: false });
  t.after(() => ws.terminate());
  let pings = 0;
  ws.on('ping', () => pings++);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(pings, 0);
  assert.equal(h.gateway.size, 1);
});
