// SimulatedCharger plays the OCTT's charge point, and like the OCTT it checks every frame the
// central system sends: OCPP-J framing, each CALL against the OCA request schema (strictly:
// timestamps with their offset), each CALLRESULT against the response schema of the CALL it
// answers, each CALLERROR's code against the 1.6 list. Here a fake central system (a bare ws
// server on loopback) sends good and bad frames; and a test using test/helpers/app.ts fails,
// saying why, when its charger saw a bad frame it never looked at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameViolationError, SimulatedCharger } from '../../src/simulator/charger.ts';
import { eventually } from '../helpers/wait.ts';

/** A central system that answers each CALL with `answer(action)` and lets the test push frames. */
async function fakeCentral(t: { after(fn: () => unknown): void }, answer: (action: string, id: string) => string | null) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'ocpp1.6' });
  await once(wss, 'listening');
  const sockets: WebSocket[] = [];
  const inbound: unknown[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as [number, string, string?];
      inbound.push(frame);
      if (frame[0] !== 2) return;
      const reply = answer(frame[2]!, frame[1]);
      if (reply !== null) ws.send(reply);
    });
  });
  t.after(() => {
    for (const ws of sockets) ws.terminate();
    wss.close();
  });
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/ocpp`, push: (text: string) => sockets[0].send(text), inbound };
}

const now = () => new Date().toISOString();
const validBoot = (id: string) => JSON.stringify([3, id, { status: 'Accepted', currentTime: now(), interval: 300 }]);

test('a CALLRESULT that fails the response schema rejects the call with FrameViolationError and is recorded', async (t) => {
  const cs = await fakeCentral(t, (action, id) => (action === 'BootNotification' ? JSON.stringify([3, id, { status: 'Accepted', currentTime: now(), interval: '300' }]) : null));
  const cp = new SimulatedCharger({ url: cs.url, stationId: 'VAL-1' });
  t.after(() => cp.close());
  await cp.connect();
  await assert.rejects(cp.boot(), (err: unknown) => {
    assert.ok(err instanceof FrameViolationError);
    assert.match(err.message, /VAL-1: the central system sent a BootNotification CALLRESULT that fails the OCA schema \(BootNotificationResponse: \/interval must be integer\)/);
    return true;
  });
  assert.deepEqual(cp.violations.map((v) => [v.kind, v.action]), [['CALLRESULT', 'BootNotification']]);
});

test('an invalid CALL is answered with the CALLERROR a charger sends, its handler is not run, and it is recorded', async (t) => {
  const cs = await fakeCentral(t, (_action, id) => validBoot(id));
  let resets = 0;
  const cp = new SimulatedCharger({ url: cs.url, stationId: 'VAL-2', handlers: { Reset: () => (resets++, { status: 'Accepted' }) } });
  t.after(() => cp.close());
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  assert.equal(cp.violations.length, 0, 'a valid answer is no violation');

  cs.push(JSON.stringify([2, 'r1', 'Reset', { type: 'Now' }]));
  // An expiry date without its UTC offset: accepted from a charger, not from a central system.
  cs.push(JSON.stringify([2, 'r2', 'ReserveNow', { connectorId: 1, expiryDate: '2030-01-01T10:00:00', idTag: 'T', reservationId: 1 }]));
  // An action only a charger sends.
  cs.push(JSON.stringify([2, 'r3', 'Heartbeat', {}]));
  cs.push(JSON.stringify([2, 'r4', 'Reset', { type: 'Soft' }]));
  await eventually(() => cs.inbound.length >= 5, 5000, 'four answers');
  assert.deepEqual(
    cs.inbound.slice(1).map((f) => (f as unknown[]).slice(0, 3)),
    [
      [4, 'r1', 'PropertyConstraintViolation'],
      [4, 'r2', 'PropertyConstraintViolation'],
      [4, 'r3', 'NotImplemented'],
      [3, 'r4', { status: 'Accepted' }],
    ],
  );
  assert.equal(resets, 1, 'only the valid Reset reached the handler');
  assert.deepEqual(cp.violations.map((v) => [v.kind, v.action]), [['CALL', 'Reset'], ['CALL', 'ReserveNow'], ['CALL', 'Heartbeat']]);
  assert.match(cp.violations[0].message, /a Reset CALL that fails the OCA schema \(ResetRequest: \/type must be one of: Hard, Soft\)/);
  assert.match(cp.violations[1].message, /ReserveNowRequest: \/expiryDate must match format "date-time"/);
  assert.deepEqual(cp.received.map((r) => r.action), ['Reset', 'ReserveNow', 'Heartbeat', 'Reset'], 'received still lists every CALL');
});

test('a frame that is not OCPP-J, and a CALLERROR with a code 1.6 does not have, are violations', async (t) => {
  const cs = await fakeCentral(t, (action, id) => (action === 'Heartbeat' ? JSON.stringify([4, id, 'Oops', 'no', {}]) : validBoot(id)));
  const cp = new SimulatedCharger({ url: cs.url, stationId: 'VAL-3' });
  t.after(() => cp.close());
  await cp.connect();
  await cp.boot();
  await assert.rejects(cp.heartbeat(), (err: unknown) => err instanceof FrameViolationError && /CALLERROR whose code Oops is not an OCPP-J 1.6 error code/.test(err.message));
  cs.push('hello');
  cs.push(JSON.stringify([5, 'x', {}]));
  await eventually(() => cp.violations.length === 3, 5000, 'three violations');
  assert.deepEqual(cp.violations.map((v) => v.kind), ['CALLERROR', 'frame', 'frame']);
  assert.match(cp.violations[1].message, /a frame that is not OCPP-J \(.*\): hello$/);
});

test('validate: false turns the checks off (for tests that want the raw frames)', async (t) => {
  const cs = await fakeCentral(t, (_action, id) => JSON.stringify([3, id, { status: 'Accepted', currentTime: now(), interval: '300' }]));
  const cp = new SimulatedCharger({ url: cs.url, stationId: 'VAL-4', validate: false });
  t.after(() => cp.close());
  await cp.connect();
  assert.equal((await cp.boot()).interval, '300');
  cs.push('hello');
  cs.push(JSON.stringify([2, 'r1', 'Reset', { type: 'Now' }]));
  await eventually(() => cs.inbound.length >= 2, 5000, 'the Reset answered');
  assert.deepEqual(cp.violations, []);
});

test('a test whose charger saw an invalid frame fails, naming the frame, even if it never looked at it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-violation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const helpers = pathToFileURL(join(import.meta.dirname, '..', 'helpers', 'app.ts')).href;
  const file = join(dir, 'violation.test.ts');
  writeFileSync(
    file,
    [
      "import { after, before, test } from 'node:test';",
      `import { startOpenApp } from '${helpers}';`,
      'let app;',
      'before(async () => { app = await startOpenApp(); });',
      'after(() => app.cleanup());',
      "test('a clean exchange', async () => { const cp = app.charger('CLEAN'); await cp.connect(); await cp.boot(); });",
      "test('an exchange with a bad frame', async () => {",
      "  const cp = app.charger('DIRTY'); await cp.connect(); await cp.boot();",
      // What a bad frame from Plugboard would look like when it arrives at the charger's socket.
      "  cp.ws.emit('message', Buffer.from(JSON.stringify([2, 'x1', 'Reset', { type: 'Sometime' }])), false);",
      '});',
    ].join('\n'),
  );
  const env = { ...process.env, NODE_TEST_CONTEXT: undefined };
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', file], { encoding: 'utf8', env, timeout: 120_000 });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 1, out);
  assert.match(out, /✔ a clean exchange/);
  assert.match(out, /✖ an exchange with a bad frame/);
  assert.match(out, /Plugboard sent 1 frame\(s\) that fail OCPP-J 1\.6 \/ the OCA schemas:\n\s*DIRTY: the central system sent a Reset CALL that fails the OCA schema \(ResetRequest: \/type must be one of: Hard, Soft\)/);
});
