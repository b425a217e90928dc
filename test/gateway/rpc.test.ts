import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RPCClient } from 'ocpp-rpc';
import { ChargerNotConnectedError, type ChargerConnection } from '../../src/gateway/index.ts';
import { RpcCallError, RpcClosedError } from '../../src/protocol/index.ts';
import { closed, nextMessage, openClient, startGateway, waitFor } from './helpers.ts';

test('an inbound CALL reaches onCall with its connection and the answer goes back', async (t) => {
  const calls: Array<{ identity: string; action: string; payload: unknown }> = [];
  const frames: Array<{ identity: string; direction: string; type: number; action: string | null }> = [];
  const handled: Array<{ action: string; errorCode: string | null }> = [];
  const h = await startGateway({
    onCall: async (conn, action, payload) => {
      calls.push({ identity: conn.identity, action, payload });
      if (action === 'BootNotification') return { status: 'Accepted', currentTime: '2025-01-01T00:00:00.000Z', interval: 300 };
      return { currentTime: '2025-01-01T00:00:00.000Z' };
    },
    onFrame: (conn, direction, _text, info) => frames.push({ identity: conn.identity, direction, type: info.type, action: info.action }),
    onCallHandled: (action, _ms, errorCode) => handled.push({ action, errorCode }),
  });
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'CP1');
  t.after(() => ws.terminate());

  ws.send(JSON.stringify([2, 'boot-1', 'BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'X1' }]));
  assert.deepEqual(await nextMessage(ws), [3, 'boot-1', { status: 'Accepted', currentTime: '2025-01-01T00:00:00.000Z', interval: 300 }]);
  assert.deepEqual(calls, [{ identity: 'CP1', action: 'BootNotification', payload: { chargePointVendor: 'ACME', chargePointModel: 'X1' } }]);
  assert.deepEqual(frames, [
    { identity: 'CP1', direction: 'in', type: 2, action: 'BootNotification' },
    { identity: 'CP1', direction: 'out', type: 3, action: 'BootNotification' },
  ]);
  assert.deepEqual(handled, [{ action: 'BootNotification', errorCode: null }]);

  // Errors come back as CALLERRORs from the protocol layer, the socket stays up.
  ws.send(JSON.stringify([2, 'x-1', 'NoSuchAction', {}]));
  const error = (await nextMessage(ws)) as unknown[];
  assert.equal(error[0], 4);
  assert.equal(error[2], 'NotImplemented');
  assert.ok(h.gateway.get('CP1')?.isOpen);
});

test('an outbound call round-trips through gateway.get(id).call()', async (t) => {
  const frames: string[] = [];
  const h = await startGateway({ onFrame: (_conn, direction, text) => frames.push(`${direction} ${text}`) });
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'CP1');
  t.after(() => ws.terminate());
  ws.on('message', (data) => {
    const [type, id, action] = JSON.parse(data.toString()) as [number, string, string];
    if (type === 2 && action === 'GetConfiguration') {
      ws.send(JSON.stringify([3, id, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] }]));
    } else if (type === 2 && action === 'Reset') {
      ws.send(JSON.stringify([4, id, 'NotSupported', 'no reset here', {}]));
    }
  });
  const conn = h.gateway.get('CP1');
  assert.ok(conn);
  const result = await conn.call('GetConfiguration', { key: ['HeartbeatInterval'] });
  assert.deepEqual(result, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] });
  assert.equal(frames.length, 2);
  assert.match(frames[0], /^out \[2,"[^"]+","GetConfiguration",\{"key":\["HeartbeatInterval"\]\}\]$/);

  await assert.rejects(conn.call('Reset', { type: 'Soft' }), (err: unknown) => err instanceof RpcCallError && err.code === 'NotSupported');
});

test('ocpp-rpc RPCClient talks to the gateway both ways', async (t) => {
  const h = await startGateway({
    authenticate: async (req) =>
      req.password?.equals(Buffer.from('s3cret')) === true ? { ok: true } : { ok: false, status: 401, reason: 'bad password' },
    onCall: async (conn, action) => {
      assert.equal(conn.identity, 'RDAM 123');
      assert.equal(action, 'Heartbeat');
      return { currentTime: '2025-06-01T12:00:00.000Z' };
    },
  });
  t.after(() => h.gateway.stop());
  const client = new RPCClient({
    endpoint: h.base.slice(0, -1),
    identity: 'RDAM 123',
    protocols: ['ocpp1.6'],
    password: 's3cret',
    reconnect: false,
  } as ConstructorParameters<typeof RPCClient>[0]);
  client.handle('ChangeAvailability', async ({ params }) => {
    assert.deepEqual(params, { connectorId: 1, type: 'Inoperative' });
    return { status: 'Scheduled' };
  });
  await client.connect();
  t.after(() => client.close({ force: true }));

  assert.deepEqual(await client.call('Heartbeat', {}), { currentTime: '2025-06-01T12:00:00.000Z' });
  const conn = h.gateway.get('RDAM 123');
  assert.ok(conn);
  assert.deepEqual(await conn.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' }), { status: 'Scheduled' });
});

test('calls to a closed connection reject at once; pending calls are rejected when it closes', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'CP1');
  const conn = h.gateway.get('CP1') as ChargerConnection;
  // The charger never answers, so the call stays pending until the socket goes away.
  const pending = conn.call('ClearCache', {});
  const queued = conn.call('ClearCache', {});
  assert.equal(conn.pendingCalls, 2, 'one in flight, one queued behind it (OCPP-J 1.6 §4.1.1)');
  const clientClosed = closed(ws);
  ws.close(1000, 'bye');
  await Promise.all([assert.rejects(pending, RpcClosedError), assert.rejects(queued, RpcClosedError)]);
  assert.equal(conn.pendingCalls, 0);
  await clientClosed;
  await waitFor(() => h.gateway.size === 0);
  assert.equal(conn.isOpen, false);
  assert.equal(h.disconnected[0].info.code, 1000);
  assert.equal(h.disconnected[0].info.reason, 'bye');
  assert.equal(h.disconnected[0].info.replaced, false);

  await assert.rejects(conn.call('ClearCache', {}), (err: unknown) => {
    assert.ok(err instanceof ChargerNotConnectedError);
    assert.match(err.message, /Charger "CP1" is not connected .*bye/);
    return true;
  });
});

test('conn.close() ends the connection with the given code and reason', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'CP1');
  const conn = h.gateway.get('CP1') as ChargerConnection;
  const clientClosed = closed(ws);
  conn.close(4001, 'operator kicked you');
  assert.equal(conn.isOpen, false, 'closed at once, not after the close handshake');
  assert.equal(h.gateway.size, 0);
  assert.deepEqual(await clientClosed, { code: 4001, reason: 'operator kicked you' });
  assert.deepEqual(h.disconnected[0].info, { code: 4001, reason: 'operator kicked you', replaced: false });
});
