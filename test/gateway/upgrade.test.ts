import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { closed, expectRefused, openClient, startGateway, waitFor } from './helpers.ts';

test('a percent-encoded identity arrives decoded (OCPP-J 1.6 §3.1.1)', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'RDAM%20123');
  t.after(() => ws.terminate());
  assert.equal(ws.protocol, 'ocpp1.6');
  assert.equal(h.authRequests[0].identity, 'RDAM 123');
  assert.equal(h.authRequests[0].password, null);
  assert.equal(h.authRequests[0].secure, false);
  assert.equal(h.authRequests[0].remoteAddress, '127.0.0.1');
  const conn = h.gateway.get('RDAM 123');
  assert.ok(conn);
  assert.equal(conn.identity, 'RDAM 123');
  assert.equal(conn.protocol, 'ocpp1.6');
  assert.equal(conn.secure, false);
  assert.ok(conn.isOpen);
  assert.ok(conn.connectedAt instanceof Date);
  assert.equal(h.connected.length, 1);
  assert.equal(h.gateway.size, 1);
});

test('wrong paths get 404 and an undecodable identity 400, before authentication', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const port = h.gateway.addresses()[0].port;

  const wrong = await expectRefused(`ws://127.0.0.1:${port}/other/CP1`, 'ocpp1.6');
  assert.equal(wrong.status, 404);
  assert.match(wrong.body, /\/ocpp\/\{chargePointId\}/);

  const nested = await expectRefused(`ws://127.0.0.1:${port}/ocpp/CP1/extra`, 'ocpp1.6');
  assert.equal(nested.status, 404);

  const empty = await expectRefused(`ws://127.0.0.1:${port}/ocpp/`, 'ocpp1.6');
  assert.equal(empty.status, 404);
  assert.match(empty.body, /Missing charge point identity/);

  const broken = await expectRefused(`ws://127.0.0.1:${port}/ocpp/CP%E0%A4%A`, 'ocpp1.6');
  assert.equal(broken.status, 400);
  assert.match(broken.body, /percent-encoding/);

  assert.equal(h.authRequests.length, 0);
  assert.equal(h.gateway.size, 0);
});

test('TC_088: ocpp0.1 alone is refused, ocpp0.1,ocpp1.6 gets ocpp1.6, no header is OCPP 1.6 without an echoed protocol', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());

  const alone = await expectRefused(h.base + 'CP1', 'ocpp0.1');
  assert.equal(alone.status, 400);
  assert.match(alone.body, /Unsupported subprotocol ocpp0\.1/);
  assert.equal(alone.headers['sec-websocket-protocol'], undefined);
  assert.equal(h.authRequests.length, 0, 'refused before authentication');
  assert.equal(h.gateway.size, 0);

  const ws = new WebSocket(h.base + 'CP1', ['ocpp0.1', 'ocpp1.6']);
  t.after(() => ws.terminate());
  const [response] = await Promise.all([
    new Promise<string | string[] | undefined>((resolve) => ws.once('upgrade', (res) => resolve(res.headers['sec-websocket-protocol']))),
    new Promise((resolve) => ws.once('open', resolve)),
  ]);
  assert.equal(response, 'ocpp1.6');
  assert.equal(ws.protocol, 'ocpp1.6');
  assert.equal(h.gateway.get('CP1')?.protocol, 'ocpp1.6');

  // ADR 0014: a charger offering no subprotocol is a 1.6 charger (it was refused with 400 before).
  const bare = new WebSocket(h.base + 'CP2');
  t.after(() => bare.terminate());
  const [echoed] = await Promise.all([
    new Promise<string | string[] | undefined>((resolve) => bare.once('upgrade', (res) => resolve(res.headers['sec-websocket-protocol']))),
    new Promise((resolve) => bare.once('open', resolve)),
  ]);
  assert.equal(echoed, undefined, 'no protocol echoed');
  assert.equal(h.gateway.get('CP2')?.protocol, '');
  assert.equal(h.gateway.get('CP2')?.version, '1.6');
});

const upgradeProtocol = async (url: string, protocols: string[]): Promise<{ ws: WebSocket; protocol: string | string[] | undefined }> => {
  const ws = new WebSocket(url, protocols);
  const [protocol] = await Promise.all([
    new Promise<string | string[] | undefined>((resolve) => ws.once('upgrade', (res) => resolve(res.headers['sec-websocket-protocol']))),
    new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }),
  ]);
  return { ws, protocol };
};

test('TC_B_58: the newest offered version wins; an unsupported one beside a supported one is ignored', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const both = await upgradeProtocol(h.base + 'CP1', ['ocpp1.6', 'ocpp2.0.1']);
  t.after(() => both.ws.terminate());
  assert.equal(both.protocol, 'ocpp2.0.1');
  assert.equal(h.gateway.get('CP1')?.version, '2.0.1');
  const mixed = await upgradeProtocol(h.base + 'CP2', ['ocpp0.1', 'ocpp2.0.1']);
  t.after(() => mixed.ws.terminate());
  assert.equal(mixed.protocol, 'ocpp2.0.1');
  const refused = await expectRefused(h.base + 'CP3', ['ocpp2.0', 'ocpp1.5']);
  assert.equal(refused.status, 400);
  assert.match(refused.body, /Unsupported subprotocol ocpp2\.0, ocpp1\.5: this server speaks ocpp1\.6, ocpp2\.0\.1/);
});

test('the versions the server and each station allow narrow the pick; none allowed is refused with 400', async (t) => {
  const allowed: Record<string, Array<'1.6' | '2.0.1'> | null> = { OLD: ['1.6'], NEW: ['2.0.1'], ANY: null };
  const h = await startGateway({ authenticate: async (req) => ({ ok: true, versions: allowed[req.identity] }) });
  t.after(() => h.gateway.stop());
  const old = await upgradeProtocol(h.base + 'OLD', ['ocpp2.0.1', 'ocpp1.6']);
  t.after(() => old.ws.terminate());
  assert.equal(old.protocol, 'ocpp1.6', 'the station may speak only 1.6');
  const refused = await expectRefused(h.base + 'NEW', ['ocpp1.6']);
  assert.equal(refused.status, 400);
  assert.match(refused.body, /this station may speak ocpp2\.0\.1/);
  const bare = await expectRefused(h.base + 'NEW', undefined);
  assert.equal(bare.status, 400, 'no subprotocol is 1.6, which NEW may not speak');
  const any = await upgradeProtocol(h.base + 'ANY', ['ocpp1.6', 'ocpp2.0.1']);
  t.after(() => any.ws.terminate());
  assert.equal(any.protocol, 'ocpp2.0.1');

  const only16 = await startGateway({ versions: ['1.6'], authenticate: async () => ({ ok: true, versions: ['2.0.1', '1.6'] }) });
  t.after(() => only16.gateway.stop());
  const server = await upgradeProtocol(only16.base + 'ANY', ['ocpp2.0.1', 'ocpp1.6']);
  t.after(() => server.ws.terminate());
  assert.equal(server.protocol, 'ocpp1.6', 'the server setting bounds the station list');
  const no201 = await expectRefused(only16.base + 'X', ['ocpp2.0.1']);
  assert.equal(no201.status, 400);
  assert.match(no201.body, /this server speaks ocpp1\.6\n?$/);
  assert.equal(only16.authRequests.length, 1, 'refused before authentication');
});

test('plain HTTP requests get 426 Upgrade Required', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const port = h.gateway.addresses()[0].port;
  const status = await new Promise<number | undefined>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/ocpp/CP1' }, (res) => {
      res.resume();
      resolve(res.statusCode);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 426);
});

test('stop() closes every charger with 1001 and frees the port', async () => {
  const h = await startGateway();
  const a = await openClient(h.base + 'A');
  const b = await openClient(h.base + 'B');
  const closes = Promise.all([closed(a), closed(b)]);
  await h.gateway.stop();
  const [ca, cb] = await closes;
  assert.equal(ca.code, 1001);
  assert.equal(cb.code, 1001);
  assert.equal(ca.reason, 'server shutting down');
  assert.equal(h.gateway.size, 0);
  assert.deepEqual(
    h.disconnected.map((d) => [d.conn.identity, d.info.code, d.info.replaced]).sort(),
    [
      ['A', 1001, false],
      ['B', 1001, false],
    ],
  );
  await assert.rejects(openClient(h.base + 'A'));
});

test('stop() drains: no new connections, the CALL being handled is answered before the 1001 close, a CALL sent after stop() is never read', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const handled: string[] = [];
  const h = await startGateway({
    onCall: async (_conn, action) => {
      handled.push(action);
      if (action === 'MeterValues') await gate;
      return {};
    },
  });
  const ws = await openClient(h.base + 'DRAIN');
  const frames: unknown[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8'))));
  const closing = closed(ws);
  ws.send(JSON.stringify([2, 'm1', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-11-05T08:00:00Z', sampledValue: [{ value: '1' }] }] }]));
  await waitFor(() => handled.length === 1, 3_000, 'the MeterValues handler running');
  const stopped = h.gateway.stop();
  await waitFor(() => h.gateway.addresses().length === 0, 3_000, 'the listener closed');
  await assert.rejects(openClient(h.base + 'LATE'), 'no new connection while draining');
  // Sent after stop() began: never read, so never handled nor answered.
  ws.send(JSON.stringify([2, 'h1', 'Heartbeat', {}]));
  assert.deepEqual(frames, [], 'no answer and no close while the handler runs');
  release();
  const { code } = await closing;
  await stopped;
  assert.equal(code, 1001);
  assert.deepEqual(frames, [[3, 'm1', {}]], 'the CALL read before stop() was answered, before the close');
  assert.deepEqual(handled, ['MeterValues'], 'the Heartbeat sent after stop() was not read');
});

test('stop() waits for a stuck handler only drainTimeoutMs, then closes anyway and says so', async () => {
  const h = await startGateway({ drainTimeoutMs: 50, onCall: () => new Promise(() => {}) });
  const ws = await openClient(h.base + 'STUCK');
  const closing = closed(ws);
  ws.send(JSON.stringify([2, 's1', 'Heartbeat', {}]));
  await waitFor(() => h.connected[0]?.pendingInbound === 1, 3_000, 'the CALL received');
  await h.gateway.stop();
  assert.equal((await closing).code, 1001);
  assert.ok(h.logs.some((l) => l.msg === 'stopping with charger CALLs still unanswered: the drain timeout passed' && l.calls === 1));
});

test('a handshake still authenticating when the client gives up leaves nothing behind', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const h = await startGateway({
    authenticate: async () => {
      await gate;
      return { ok: true };
    },
  });
  t.after(() => h.gateway.stop());
  const ws = new WebSocket(h.base + 'CP1', 'ocpp1.6');
  ws.on('error', () => {});
  await waitFor(() => h.authRequests.length === 1);
  ws.terminate();
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  // The server cannot see the FIN before it reads from the socket again, so it may adopt
  // the connection for a moment; what matters is that it does not stay.
  await waitFor(() => h.gateway.size === 0 && h.connected.length === h.disconnected.length, 3_000, 'cleanup');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(h.gateway.size, 0);
  assert.equal(h.connected.length, h.disconnected.length);
});
