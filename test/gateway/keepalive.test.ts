import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closed, openClient, startGateway, waitFor } from './helpers.ts';

test('a peer that stops answering pings is terminated; a healthy one stays', async (t) => {
  const h = await startGateway({ pingIntervalMs: 100 });
  t.after(() => h.gateway.stop());
  const dead = await openClient(h.base + 'DEAD', 'ocpp1.6', { autoPong: false });
  const healthy = await openClient(h.base + 'HEALTHY');
  t.after(() => healthy.terminate());
  let pingsSeen = 0;
  dead.on('ping', () => pingsSeen++);
  const deadClosed = closed(dead);

  // One tick pings, the next finds no pong and terminates (the test's own timeout bounds the wait).
  const { code } = await deadClosed;
  assert.equal(code, 1006, 'terminated, not closed politely');
  assert.ok(pingsSeen >= 1);
  const gone = h.disconnected.find((d) => d.conn.identity === 'DEAD');
  assert.ok(gone);
  assert.equal(gone.info.code, 1006);
  assert.match(gone.info.reason, /no pong/);
  assert.ok(h.logs.some((l) => l.chargePointId === 'DEAD' && l.msg === 'terminating unresponsive charger connection'));

  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.equal(h.gateway.get('HEALTHY')?.isOpen, true);
  assert.equal(h.gateway.size, 1);
});

test('inbound traffic counts as alive even without pongs', async (t) => {
  const h = await startGateway({ pingIntervalMs: 80 });
  t.after(() => h.gateway.stop());
  const chatty = await openClient(h.base + 'CHATTY', 'ocpp1.6', { autoPong: false });
  t.after(() => chatty.terminate());
  const timer = setInterval(() => chatty.send(JSON.stringify([2, String(Date.now()), 'Heartbeat', {}])), 20);
  t.after(() => clearInterval(timer));
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(h.gateway.get('CHATTY')?.isOpen, true);

  clearInterval(timer);
  await waitFor(() => h.gateway.size === 0, 1_000, 'silent peer to be dropped');
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
