import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closed, nextMessage, openClient, startGateway, waitFor } from './helpers.ts';

const HEARTBEAT_RESPONSE = { currentTime: '2025-01-01T00:00:00.000Z' };

test('a frame over maxFrameBytes closes that socket with 1009; other chargers carry on', async (t) => {
  const h = await startGateway({ maxFrameBytes: 1024, onCall: async () => HEARTBEAT_RESPONSE });
  t.after(() => h.gateway.stop());
  const big = await openClient(h.base + 'BIG');
  const other = await openClient(h.base + 'OTHER');
  t.after(() => other.terminate());

  // Exactly at the limit is fine.
  const atLimit = JSON.stringify([2, 'a', 'DataTransfer', { vendorId: 'v', data: '' }]);
  const padded = JSON.stringify([2, 'a', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(1024 - atLimit.length) }]);
  assert.equal(Buffer.byteLength(padded), 1024);
  big.send(padded);
  const answer = (await nextMessage(big)) as unknown[];
  assert.equal(answer[1], 'a');

  const bigClosed = closed(big);
  big.send(JSON.stringify([2, 'b', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(2000) }]));
  const { code, reason } = await bigClosed;
  assert.equal(code, 1009);
  assert.equal(reason, 'message larger than 1024 bytes');
  await waitFor(() => h.gateway.get('BIG') === undefined);
  assert.equal(h.disconnected.find((d) => d.conn.identity === 'BIG')?.info.code, 1009);
  assert.ok(h.logs.some((l) => l.chargePointId === 'BIG' && l.level === 40), 'a warning names the charger');

  other.send(JSON.stringify([2, 'h1', 'Heartbeat', {}]));
  assert.deepEqual(await nextMessage(other), [3, 'h1', HEARTBEAT_RESPONSE]);
  assert.equal(h.gateway.size, 1);
});

test('more bad messages per minute than allowed disconnect the charger with 1008 and say why', async (t) => {
  const h = await startGateway({ maxBadMessagesPerMinute: 3, onCall: async () => HEARTBEAT_RESPONSE });
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'NOISY');
  const wsClosed = closed(ws);
  const replies: unknown[] = [];
  ws.on('message', (data) => replies.push(JSON.parse(data.toString())));

  for (let i = 0; i < 3; i++) ws.send(`[2,"m${i}","Heartbeat"`); // truncated JSON
  ws.send(JSON.stringify([2, 'ok', 'Heartbeat', {}]));
  await waitFor(() => replies.length === 4);
  assert.equal(h.gateway.get('NOISY')?.isOpen, true, 'at the limit the charger stays');
  assert.deepEqual(replies[3], [3, 'ok', HEARTBEAT_RESPONSE]);

  ws.send(JSON.stringify([2, 'bad', 'Heartbeat', { unexpected: true }])); // schema-invalid: the 4th
  const { code, reason } = await wsClosed;
  assert.equal(code, 1008);
  assert.equal(reason, 'more than 3 bad messages per minute');
  const warning = h.logs.find((l) => l.msg === 'disconnecting charger: too many bad messages');
  assert.ok(warning);
  assert.equal(warning.chargePointId, 'NOISY');
  assert.equal(warning.level, 40);
  assert.match(String(warning.reason), /unexpected|additional/i);
  assert.equal(h.gateway.size, 0);
});

test('a binary frame closes the connection with 1003 (OCPP-J is text only)', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'BIN');
  const wsClosed = closed(ws);
  ws.send(Buffer.from(JSON.stringify([2, '1', 'Heartbeat', {}])), { binary: true });
  const { code, reason } = await wsClosed;
  assert.equal(code, 1003);
  assert.match(reason, /binary frames are not supported/);
  assert.equal(h.gateway.size, 0);
});

