// Reconnect storms through the real app (DESIGN.md: "a charger that reconnects replaces its
// old connection cleanly, at any speed"). The charger never closes its previous socket (it
// believes it dead), some upgrades overlap, and in the end exactly one connection per
// charger is live: the newest, working in both directions, with every replaced socket closed
// by the server and no outage recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { eventually, startOpenApp, startTestApp, type TestApp } from '../helpers/app.ts';
import { REPLACED_CODE, REPLACED_REASON } from '../../src/gateway/index.ts';
import type { SimulatedCharger, SimulatorOptions } from '../../src/simulator/charger.ts';

interface Attempt {
  cp: SimulatedCharger;
  outcome: 'open' | 'superseded';
  /** resolves when the client sees its socket close, with what the server said */
  closed?: Promise<{ code: number; reason: string }>;
}

interface Storm {
  attempts: Attempt[];
  last: SimulatedCharger;
  elapsedMs: number;
}

const CLOSE_WAIT_MS = 5_000;

/**
 * Opens `count` connections for one identity as fast as possible. Every fifth group of
 * connects is started all at once (overlapping upgrades); the final connect starts only after
 * every earlier one settled, so it is unambiguously the newest.
 */
async function storm(app: TestApp, stationId: string, count: number, opts: Partial<SimulatorOptions> = {}): Promise<Storm> {
  const attempts: Attempt[] = [];
  const attempt = async (marker: number): Promise<void> => {
    const cp = app.charger(stationId, {
      ...opts,
      // Each socket answers GetConfiguration with its own number, so a command shows which socket it reached.
      handlers: { GetConfiguration: () => ({ configurationKey: [{ key: 'socket', readonly: true, value: String(marker) }] }) },
    });
    const a: Attempt = { cp, outcome: 'open' };
    attempts.push(a);
    try {
      await cp.connect();
      a.closed = cp.closed();
    } catch (err) {
      // An upgrade overtaken by a newer one of the same charger is refused with 409.
      assert.equal((err as { statusCode?: number }).statusCode, 409, `unexpected failure: ${(err as Error).message}`);
      a.outcome = 'superseded';
    }
  };
  const started = performance.now();
  let n = 0;
  while (n < count - 1) {
    const group = Math.min(5, count - 1 - n);
    if ((n / 5) % 5 === 2) {
      await Promise.all(Array.from({ length: group }, () => attempt(n++)));
    } else {
      for (let i = 0; i < group; i++) await attempt(n++);
    }
  }
  await attempt(n);
  const elapsedMs = performance.now() - started;
  return { attempts, last: attempts[attempts.length - 1].cp, elapsedMs };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** The storm left one live, working connection per charger, and the server closed every other. */
async function assertSettled(app: TestApp, stationId: string, s: Storm): Promise<void> {
  const { attempts, last } = s;
  assert.equal(attempts.at(-1)!.outcome, 'open', 'the newest connect succeeded');
  assert.equal(last.ws?.readyState, WebSocket.OPEN);

  const replaced = attempts.slice(0, -1).filter((a) => a.outcome === 'open');
  const results = await withTimeout(Promise.all(replaced.map((a) => a.closed!)), CLOSE_WAIT_MS, `${stationId}: replaced sockets closed`);
  for (const r of results) assert.deepEqual(r, { code: REPLACED_CODE, reason: REPLACED_REASON }, `${stationId}: closed by the server as replaced`);
  assert.ok(replaced.length >= attempts.length / 2, `${stationId}: most connects really opened (${replaced.length + 1}/${attempts.length})`);

  // Charger -> central system.
  const hb = await last.heartbeat();
  assert.ok(!Number.isNaN(Date.parse(hb.currentTime)));
  // Central system -> charger: the command reaches the newest socket and no other.
  const conf = await app.ctx.services.stations.getConfiguration(stationId);
  assert.deepEqual(conf.configurationKey, [{ key: 'socket', readonly: true, value: String(attempts.length - 1) }]);
  for (const a of attempts.slice(0, -1)) assert.equal(a.cp.received.length, 0, `${stationId}: a replaced socket got a command`);
  assert.equal(last.received.length, 1);
}

/** A few connects of another charger first: the storm measures a running server, not its first JIT pass. */
async function warmUp(app: TestApp, opts: Partial<SimulatorOptions> = {}, stationId = 'WARM-UP'): Promise<void> {
  let cp: SimulatedCharger | undefined;
  for (let i = 0; i < 10; i++) {
    cp = app.charger(stationId, opts);
    await cp.connect();
  }
  await cp!.close();
  await eventually(() => app.gateway.get(stationId) === undefined, 5000, 'warm-up charger gone');
}

async function assertNoOutageRecorded(app: TestApp, stationIds: string[]): Promise<void> {
  // A replaced connection is not an outage (app.ts): nothing may have written last_disconnected_at.
  await app.ctx.db.flush();
  const rows = await app.ctx.db.kysely.selectFrom('stations').select(['id', 'last_disconnected_at', 'last_connected_at']).where('id', 'in', stationIds).execute();
  assert.equal(rows.length, stationIds.length);
  for (const r of rows) {
    assert.equal(r.last_disconnected_at, null, `${r.id}: no disconnection recorded`);
    assert.ok(r.last_connected_at, `${r.id}: connection recorded`);
  }
}

async function connectedGauge(app: TestApp): Promise<number> {
  return (await app.ctx.metrics.connectedChargers.get()).values[0]?.value ?? 0;
}

test('a charger reconnecting 100 times back to back ends with one live connection, the newest, working both ways', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  await warmUp(app);
  const s = await storm(app, 'STORM-1', 100);
  t.diagnostic(`100 reconnects took ${Math.round(s.elapsedMs)} ms`);
  assert.ok(s.attempts.some((a, i) => i < 99 && a.outcome === 'open'), 'earlier sockets were open when replaced');

  assert.equal(app.gateway.size, 1);
  await assertSettled(app, 'STORM-1', s);
  assert.equal(app.gateway.size, 1);
  assert.equal(await connectedGauge(app), 1, 'the connected-chargers gauge counts each replaced socket out once');
  await assertNoOutageRecorded(app, ['STORM-1']);
});

test('the same with HTTP Basic auth (security profile 1): 100 reconnects back to back', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const password = 'storm-password-0123456789';
  await app.ctx.services.stations.create({ id: 'STORM-AUTH', password, securityProfile: 1 });
  await app.ctx.services.stations.create({ id: 'WARM-UP', password, securityProfile: 1 });
  await warmUp(app, { password });

  const s = await storm(app, 'STORM-AUTH', 100, { password });
  // Only the first connect pays for scrypt; the verified-credentials cache answers the rest.
  t.diagnostic(`100 authenticated reconnects took ${Math.round(s.elapsedMs)} ms`);
  assert.equal(app.gateway.size, 1);
  await assertSettled(app, 'STORM-AUTH', s);
  await assertNoOutageRecorded(app, ['STORM-AUTH']);

  // The cache does not let a wrong password in, however warm it is.
  const intruder = app.charger('STORM-AUTH', { password: 'wrong-password' });
  await assert.rejects(intruder.connect(), (err: Error & { statusCode?: number }) => err.statusCode === 401);
  assert.equal(app.gateway.size, 1);
  await s.last.heartbeat();
});

test('20 chargers reconnecting 20 times each, all at once, end with one working connection each', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const ids = Array.from({ length: 20 }, (_, i) => `FLEET-${String(i).padStart(2, '0')}`);
  // Correctness only: how long the storm and the answers after it take is the next test's subject.
  const storms = await Promise.all(ids.map((id) => storm(app, id, 20, { callTimeoutMs: 60_000 })));

  assert.equal(app.gateway.size, 20);
  await Promise.all(ids.map((id, i) => assertSettled(app, id, storms[i])));
  assert.equal(app.gateway.size, 20);
  assert.equal(await connectedGauge(app), 20);
  await assertNoOutageRecorded(app, ids);
});


test('a reconnect storm of 20 chargers does not stall the database: every Heartbeat right after it is answered', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const ids = Array.from({ length: 20 }, (_, i) => `STALL-${String(i).padStart(2, '0')}`);
  const stormStarted = performance.now();
  const storms = await Promise.all(ids.map((id) => storm(app, id, 20)));
  const stormMs = performance.now() - stormStarted;
  const started = performance.now();
  const slowest = Math.max(
    ...(await Promise.all(
      storms.map(async (s) => {
        const t0 = performance.now();
        await s.last.heartbeat();
        return performance.now() - t0;
      }),
    )),
  );
  const all = performance.now() - started;
  assert.equal(app.ctx.db.stats.retriedOps, 0, 'no write had to be retried after a deadlock');
  t.diagnostic(`400 concurrent reconnects took ${Math.round(stormMs)} ms`);
  t.diagnostic(`slowest Heartbeat after the storm took ${Math.round(slowest)} ms (all: ${Math.round(all)} ms)`);
});
