// The door's limits as units: failure windows per address and identity (src/gateway/admission.ts)
// and the bounded, fair verification queue (src/modules/stations/verification-queue.ts), with
// checks the test finishes by hand, so every ordering is deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission, FailureCounter } from '../../src/gateway/admission.ts';
import { VerificationQueue, VerificationQueueFullError } from '../../src/modules/stations/verification-queue.ts';

test('FailureCounter: blocked at max failures within a window, free again after it; bounded in keys', () => {
  const c = new FailureCounter(3, 60_000, 2);
  for (let i = 0; i < 3; i++) c.note('a', 1_000);
  assert.equal(c.blocked('a', 1_000), true);
  assert.equal(c.retryAfterSeconds('a', 31_000), 30);
  assert.equal(c.blocked('a', 61_000), false, 'the window passed');
  c.note('b', 1_000);
  c.note('c', 1_000);
  c.note('d', 1_000);
  assert.equal(c.size, 2, 'the oldest window is forgotten beyond maxKeys');
});

test('Admission: an identity over its limit throttles only addresses that failed before', () => {
  const a = new Admission({ maxFailuresPerAddress: 5, maxFailuresPerIdentity: 2, windowMs: 60_000 });
  a.addressFailed('10.0.0.66', 0);
  a.identityFailed('CP1', 0);
  a.addressFailed('10.0.0.66', 0);
  a.identityFailed('CP1', 0);
  assert.deepEqual(a.verdict('10.0.0.66', 'CP1', 1_000), { suspect: true, throttled: true, retryAfterSeconds: 59 });
  assert.deepEqual(a.verdict('10.0.0.1', 'CP1', 1_000), { suspect: false, throttled: false, retryAfterSeconds: 59 }, 'the real charger from a clean address still gets its check');
  for (let i = 0; i < 3; i++) a.addressFailed('10.0.0.66', 0);
  assert.equal(a.verdict('10.0.0.66', 'OTHER', 1_000).throttled, true, 'an address over its limit is throttled for every identity');
});

/** A check the test finishes: resolve(true/false) when it wants. */
function held() {
  const started: string[] = [];
  const pending = new Map<string, (ok: boolean) => void>();
  const check = (name: string) => () => {
    started.push(name);
    return new Promise<boolean>((resolve) => pending.set(name, resolve));
  };
  const finish = async (name: string) => {
    pending.get(name)!(false);
    pending.delete(name);
    await new Promise((r) => setImmediate(r));
  };
  return { started, check, finish };
}

test('VerificationQueue: bounded concurrency, per-address lanes take turns, clean addresses first', async () => {
  const q = new VerificationQueue({ concurrency: 1, maxWaiting: 100, maxWaitingPerAddress: 100 });
  const h = held();
  const results: Array<Promise<boolean>> = [];
  results.push(q.run('attacker', false, h.check('a0')));
  for (let i = 1; i <= 5; i++) results.push(q.run('attacker', true, h.check(`a${i}`)));
  results.push(q.run('other-attacker', true, h.check('b1')));
  results.push(q.run('charger', false, h.check('real')));
  assert.deepEqual(q.stats(), { running: 1, waiting: 7, started: 1, refused: 0 });
  await h.finish('a0');
  assert.equal(h.started.at(-1), 'real', 'the clean address goes before every suspect one');
  await h.finish('real');
  await h.finish('a1');
  assert.deepEqual(h.started.slice(-2), ['a1', 'b1'], 'suspect lanes take turns');
  for (const name of ['b1', 'a2', 'a3', 'a4', 'a5']) await h.finish(name);
  assert.deepEqual(await Promise.all(results), Array(8).fill(false));
  assert.deepEqual(q.stats(), { running: 0, waiting: 0, started: 8, refused: 0 });
});

test('VerificationQueue: full queue and full lane refuse at once with Retry-After; a clean check displaces a suspect one', async () => {
  const q = new VerificationQueue({ concurrency: 1, maxWaiting: 3, maxWaitingPerAddress: 2 });
  const h = held();
  const first = q.run('x', true, h.check('x0'));
  const x1 = q.run('x', true, h.check('x1'));
  const x2 = q.run('x', true, h.check('x2'));
  await assert.rejects(q.run('x', true, h.check('x3')), (err: unknown) => err instanceof VerificationQueueFullError && err.retryAfterSeconds >= 1, 'lane full');
  const y1 = q.run('y', true, h.check('y1'));
  await assert.rejects(q.run('z', true, h.check('z1')), VerificationQueueFullError, 'queue full for a suspect check');
  const real = q.run('charger', false, h.check('real'));
  await assert.rejects(x2, VerificationQueueFullError, 'the newest check of the busiest suspect address made room');
  await h.finish('x0');
  assert.equal(h.started.at(-1), 'real');
  for (const name of ['real', 'x1', 'y1']) await h.finish(name);
  assert.deepEqual(await Promise.all([first, x1, y1, real]), [false, false, false, false]);
  assert.equal(q.stats().refused, 3);
});
