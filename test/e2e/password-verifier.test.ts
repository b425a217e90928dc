// Keyed password verifiers (ADR 0008): after a restart a charger's password costs one HMAC, not a
// scrypt run; a password set before migration 0006 is verified by scrypt once and gets its
// verifier then; a verifier made under another instance key (or a database without its key
// file) is useless, and scrypt still decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { eventually, startTestApp, type TestApp } from '../helpers/app.ts';
import { PasswordVerifier } from '../../src/modules/stations/password-verifier.ts';

const PASSWORD = 'verifier-test-password-01';

test('PasswordVerifier: match, mismatch, and unusable under another key, beside another hash, or absent; bound to the station', () => {
  const key = randomBytes(32);
  const v = new PasswordVerifier(key);
  const stored = v.make('CP1', PASSWORD, 'scrypt$hash-a');
  assert.equal(v.check('CP1', Buffer.from(PASSWORD), 'scrypt$hash-a', stored), 'match');
  assert.equal(v.check('CP1', Buffer.from('another-password-0000'), 'scrypt$hash-a', stored), 'mismatch');
  assert.equal(v.check('CP2', Buffer.from(PASSWORD), 'scrypt$hash-a', stored), 'mismatch', 'copied to another station it does not verify');
  assert.equal(v.check('CP1', Buffer.from(PASSWORD), 'scrypt$hash-b', stored), 'unusable', 'the hash changed without it');
  assert.equal(new PasswordVerifier(randomBytes(32)).check('CP1', Buffer.from(PASSWORD), 'scrypt$hash-a', stored), 'unusable', 'another instance key');
  assert.equal(v.check('CP1', Buffer.from(PASSWORD), 'scrypt$hash-a', null), 'unusable');
  assert.ok(!stored.includes(PASSWORD) && !stored.includes(key.toString('base64url')));
});

async function connectOnce(app: TestApp, id: string, password = PASSWORD): Promise<void> {
  const cp = app.charger(id, { password });
  await cp.connect();
  await cp.close();
}

test('after a restart a known charger is verified without scrypt; a pre-0006 password gets its verifier at the next login; another key file falls back to scrypt', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-verifier-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const reuse = { databaseUrl: null, sqlitePath: join(dir, 'pb.db') };
  const keyFile = join(dir, 'secret.key');
  const start = (secretKeyFile = keyFile) => startTestApp({ reuse, config: { secretKeyFile } });

  let app = await start();
  await app.ctx.services.stations.create({ id: 'CP-NEW', password: PASSWORD });
  await app.ctx.services.stations.create({ id: 'CP-OLD', password: PASSWORD });
  const verifierOf = async (id: string) => (await app.ctx.services.stations.get(id))?.password_verifier ?? null;
  assert.match((await verifierOf('CP-NEW'))!, /^v1\$/, 'a new password is stored with its verifier');
  // CP-OLD as a password set before migration 0006: the scrypt hash only.
  await app.ctx.db.write((trx) => trx.updateTable('stations').set({ password_verifier: null }).where('id', '=', 'CP-OLD').execute());
  await app.cleanup();

  // Restart: nothing verified in memory.
  app = await start();
  const stats = () => app.ctx.services.stations.verificationStats();
  await connectOnce(app, 'CP-NEW');
  assert.equal(stats().started, 0, 'the keyed verifier let it in without scrypt');
  await assert.rejects(connectOnce(app, 'CP-NEW', 'not-the-password-00000'), (err: any) => err.statusCode === 401);
  await assert.rejects(connectOnce(app, 'CP-NOBODY', 'not-the-password-00000'), (err: any) => err.statusCode === 401);
  assert.equal(stats().started, 0, 'a wrong password and an unknown id cost the same HMAC, no scrypt');
  await connectOnce(app, 'CP-OLD');
  assert.equal(stats().started, 1, 'a password without a verifier is checked by scrypt');
  await eventually(async () => {
    await app.ctx.db.flush();
    return (await verifierOf('CP-OLD')) !== null;
  }, 10_000, 'the verifier is filled in after the successful login');
  await app.cleanup();

  app = await start();
  await connectOnce(app, 'CP-OLD');
  assert.equal(stats().started, 0, 'from then on no scrypt either');
  await app.cleanup();

  // The database with another key file (a copy taken elsewhere, or the key replaced): the
  // verifiers are useless, scrypt decides, and new verifiers are written.
  app = await start(join(dir, 'other.key'));
  await connectOnce(app, 'CP-NEW');
  assert.equal(stats().started, 1);
  await app.cleanup();
});

test('keyedPasswordVerifier off: every login after a restart is a scrypt run (the old path)', async (t) => {
  const app = await startTestApp({ config: { ocpp: { admission: { keyedPasswordVerifier: false } } } });
  t.after(() => app.cleanup());
  await app.ctx.services.stations.create({ id: 'CP-SCRYPT', password: PASSWORD });
  assert.equal((await app.ctx.services.stations.get('CP-SCRYPT'))?.password_verifier, null);
  await connectOnce(app, 'CP-SCRYPT');
  assert.equal(app.ctx.services.stations.verificationStats().started, 1);
});
