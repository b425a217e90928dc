// The charger door under attack (issue 11): failed upgrades and Basic-auth attempts are limited
// per address and per identity without locking the real charger out, and every password check
// waits in a bounded, fair queue that a real charger is not stuck behind. Loopback only: the
// attacker connects from 127.0.0.2, the real charger from 127.0.0.1; floods are bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestApp } from '../helpers/app.ts';
import { basicAuth, expectRefused, type Refused } from '../gateway/helpers.ts';
import type { Config, DeepPartial } from '../../src/config.ts';

const PASSWORD = 'the-real-charger-key-0123';
const ATTACKER = '127.0.0.2';
const CHARGER = '127.0.0.1';

function app(admission: DeepPartial<Config['ocpp']['admission']>) {
  return startTestApp({ config: { ocpp: { admission } } });
}

function knock(base: string, id: string, password: string, localAddress: string): Promise<Refused> {
  return expectRefused(base + encodeURIComponent(id), 'ocpp1.6', { localAddress, headers: { authorization: basicAuth(id, password) } });
}

test('per address: past the limit a wrong password is 429 with Retry-After and costs no scrypt; a known-good credential from that address still connects', async (t) => {
  const a = await app({ maxFailuresPerAddress: 3, maxFailuresPerIdentity: 1000, keyedPasswordVerifier: false });
  t.after(() => a.cleanup());
  const stations = a.ctx.services.stations;
  await stations.create({ id: 'CP-NAT', password: PASSWORD });
  await stations.create({ id: 'CP-NEW', password: PASSWORD });
  // The real charger connected once before the attack: its credential is known-good.
  const warm = a.charger('CP-NAT', { password: PASSWORD, wsOptions: { localAddress: ATTACKER } });
  await warm.connect();
  await warm.close();
  const base = a.ocppUrl() + '/';

  for (let i = 0; i < 3; i++) assert.equal((await knock(base, `GUESS-${i}`, 'wrong-password-0123456', ATTACKER)).status, 401);
  const started = stations.verificationStats().started;
  const throttled = await knock(base, 'GUESS-9', 'wrong-password-0123456', ATTACKER);
  assert.equal(throttled.status, 429);
  assert.match(throttled.body, /Too many failed attempts/);
  assert.ok(Number(throttled.headers['retry-after']) >= 1, 'Retry-After says when');
  assert.equal((await knock(base, 'CP-NAT', 'wrong-password-0123456', ATTACKER)).status, 429, 'the same answer for a known identity');
  assert.equal(stations.verificationStats().started, started, 'no scrypt ran for the throttled attempts');

  // The real charger behind the same address: its known-good credential passes without a check.
  const cp = a.charger('CP-NAT', { password: PASSWORD, wsOptions: { localAddress: ATTACKER } });
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  // One this process never verified needs the expensive check, which a throttled address does not get.
  await assert.rejects(a.charger('CP-NEW', { password: PASSWORD, wsOptions: { localAddress: ATTACKER } }).connect(), (err: any) => err.statusCode === 429);
  // Another address is not affected.
  const other = a.charger('CP-NEW', { password: PASSWORD, wsOptions: { localAddress: CHARGER } });
  await other.connect();
});

test('per identity: an attacker hammering a charger\'s identity is throttled; the real charger from its own address still gets in', async (t) => {
  // Scrypt checks (no keyed verifier), so that "no scrypt ran" means the limit held.
  const a = await app({ maxFailuresPerAddress: 1000, maxFailuresPerIdentity: 3, keyedPasswordVerifier: false });
  t.after(() => a.cleanup());
  const stations = a.ctx.services.stations;
  await stations.create({ id: 'CP-VICTIM', password: PASSWORD });
  const base = a.ocppUrl() + '/';
  // The Basic challenge (a request without credentials, as chargers send first) counts nothing.
  for (let i = 0; i < 5; i++) assert.equal((await expectRefused(base + 'CP-VICTIM', 'ocpp1.6', { localAddress: ATTACKER })).status, 401);
  for (let i = 0; i < 3; i++) assert.equal((await knock(base, 'CP-VICTIM', `wrong-password-${i}-0123456`, ATTACKER)).status, 401);
  const started = stations.verificationStats().started;
  for (let i = 0; i < 5; i++) assert.equal((await knock(base, 'CP-VICTIM', `wrong-password-x${i}-012345`, ATTACKER)).status, 429);
  assert.equal(stations.verificationStats().started, started, 'throttled guesses run no scrypt');
  // The real charger was never verified by this process (say, right after a restart): its clean address gets the check.
  const cp = a.charger('CP-VICTIM', { password: PASSWORD, wsOptions: { localAddress: CHARGER } });
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
});

test('a legitimate charger gets in while a flood of wrong passwords is still waiting for its checks', async (t) => {
  // One check at a time and room for the whole flood, so that the flood really queues. Scrypt
  // for every check, as for passwords without a keyed verifier (set before 0006, ADR 0008).
  const a = await app({ maxFailuresPerAddress: 1_000_000, maxFailuresPerIdentity: 1_000_000, verifyConcurrency: 1, verifyQueueLength: 1000, verifyQueuePerAddress: 1000, keyedPasswordVerifier: false });
  t.after(() => a.cleanup());
  const stations = a.ctx.services.stations;
  await stations.create({ id: 'CP-REAL', password: PASSWORD });
  for (let i = 0; i < 10; i++) await stations.create({ id: `CP-TARGET-${i}`, password: PASSWORD });
  const base = a.ocppUrl() + '/';
  const FLOOD = 150;
  let answered = 0;
  const flood = Array.from({ length: FLOOD }, (_, i) =>
    knock(base, `CP-TARGET-${i % 10}`, `wrong-password-${i}-0123456`, ATTACKER).then((r) => {
      answered++;
      return r.status;
    }),
  );
  await eventually(() => stations.verificationStats().waiting >= FLOOD / 2, 30_000, 'the flood is queued');

  const cp = a.charger('CP-REAL', { password: PASSWORD, wsOptions: { localAddress: CHARGER } });
  await cp.connect();
  const stillWaiting = FLOOD - answered;
  assert.ok(stillWaiting > 0, `the charger was let in while ${stillWaiting} flood checks were still waiting (not after all of them)`);
  assert.equal((await cp.boot()).status, 'Accepted');
  assert.deepEqual(new Set(await Promise.all(flood)), new Set([401]));
});

test('a full verification queue answers 503 with Retry-After at once instead of queueing; a charger from another address still gets in', async (t) => {
  const a = await app({ maxFailuresPerAddress: 1_000_000, maxFailuresPerIdentity: 1_000_000, verifyConcurrency: 1, verifyQueueLength: 4, verifyQueuePerAddress: 2, keyedPasswordVerifier: false });
  t.after(() => a.cleanup());
  const stations = a.ctx.services.stations;
  await stations.create({ id: 'CP-REAL', password: PASSWORD });
  const base = a.ocppUrl() + '/';
  const flood = await Promise.all(Array.from({ length: 30 }, (_, i) => knock(base, `NOBODY-${i}`, 'wrong-password-0123456', ATTACKER)));
  const busy = flood.filter((r) => r.status === 503);
  assert.ok(busy.length > 0, 'some attempts found the queue full');
  for (const r of busy) {
    assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.match(r.body, /Busy checking credentials/);
  }
  assert.ok(flood.every((r) => r.status === 503 || r.status === 401));
  assert.ok(stations.verificationStats().refused >= busy.length);
  const cp = a.charger('CP-REAL', { password: PASSWORD, wsOptions: { localAddress: CHARGER } });
  await cp.connect();
});
