// Slow and silent handshakes (issue 11): TCP sockets that never send a byte stayed open for
// minutes. A socket that is not a WebSocket nor an HTTP request within the handshake timeout is
// closed, on the plain and on the TLS listener, and at most maxPending handshakes are open at
// once. Raw net sockets; every wait is for a condition (the server closing the socket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClient, startGateway, waitFor } from './helpers.ts';

function rawSocket(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  s.on('error', () => {});
  return once(s, 'connect').then(() => s);
}

function closedByServer(s: Socket): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return once(s, 'close').then(() => undefined);
}

test('a socket that never sends a byte is closed after the handshake timeout; a charger still connects', async (t) => {
  const h = await startGateway({ handshakes: { timeoutMs: 300, maxPending: 100 } });
  t.after(() => h.gateway.stop());
  const port = h.gateway.addresses()[0].port;
  const silent = await rawSocket(port);
  await closedByServer(silent);
  const ws = await openClient(h.base + 'CP1');
  t.after(() => ws.terminate());
  assert.equal(h.gateway.size, 1);
  // The live WebSocket is not a handshake any more: it outlives the timeout.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(ws.readyState, ws.OPEN);
  assert.equal(h.gateway.pendingHandshakes, 0);
});

test('an upgrade whose headers dribble in is closed before they are complete', async (t) => {
  const h = await startGateway({ handshakes: { timeoutMs: 300, maxPending: 100 } });
  t.after(() => h.gateway.stop());
  const s = await rawSocket(h.gateway.addresses()[0].port);
  const gone = closedByServer(s);
  s.write('GET /ocpp/CP1 HTTP/1.1\r\nHost: x\r\n');
  let lines = 0;
  // One header line every 50 ms, never the blank line that ends them (bounded: 2,000 lines).
  const timer = setInterval(() => {
    if (s.destroyed || ++lines > 2000) return clearInterval(timer);
    s.write(`X-Dribble-${lines}: y\r\n`);
  }, 50);
  t.after(() => clearInterval(timer));
  await gone;
  assert.ok(lines < 2000, 'closed by the server, not because the test stopped');
});

test('beyond maxPending handshakes a new socket is closed at once; freed slots accept again', async (t) => {
  // A long timeout: only the bound closes sockets here.
  const h = await startGateway({ handshakes: { timeoutMs: 600_000, maxPending: 3 } });
  t.after(() => h.gateway.stop());
  const port = h.gateway.addresses()[0].port;
  const idle = await Promise.all([rawSocket(port), rawSocket(port), rawSocket(port)]);
  t.after(() => idle.forEach((s) => s.destroy()));
  await waitFor(() => h.gateway.pendingHandshakes === 3, 5000, 'three handshakes pending');
  const fourth = await rawSocket(port);
  await closedByServer(fourth);
  assert.ok(idle.every((s) => !s.destroyed), 'the pending ones are kept');
  for (const s of idle) s.destroy();
  await waitFor(() => h.gateway.pendingHandshakes === 0, 5000, 'slots freed');
  const ws = await openClient(h.base + 'CP1');
  t.after(() => ws.terminate());
});

test('TLS listener: a socket that never sends a ClientHello is closed after the handshake timeout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-hs-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=localhost'], { cwd: dir, stdio: 'pipe' });
  const h = await startGateway({
    listeners: [{ host: '127.0.0.1', port: 0, tls: { cert: readFileSync(join(dir, 'c.pem')), key: readFileSync(join(dir, 'k.pem')) } }],
    handshakes: { timeoutMs: 300, maxPending: 100 },
  });
  t.after(() => h.gateway.stop());
  const silent = await rawSocket(h.gateway.addresses()[0].port);
  await closedByServer(silent);
  // A real TLS charger connects and stays past the timeout.
  const ws = await openClient(h.base + 'CP-TLS', 'ocpp1.6', { rejectUnauthorized: false });
  t.after(() => ws.terminate());
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(ws.readyState, ws.OPEN);
  assert.equal(h.gateway.pendingHandshakes, 0);
});
