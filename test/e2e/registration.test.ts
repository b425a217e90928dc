// Registration policy and who may connect, end to end: the registration status a charger gets
// at BootNotification (OCPP 1.6 §4.2), the SecurityError gate for every other CALL before it is
// Accepted (OCPP-J 1.6 errata 3.8), the commands held back from a charger that is not
// Accepted, and the upgrade refusals of security profiles 0, 1 and 2 (OCPP-J 1.6 §3.2,
// Security Whitepaper §2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedPostgres, startTestApp, type TestApp } from '../helpers/app.ts';
import type { Config, DeepPartial } from '../../src/config.ts';
import { CallErrorResponse, type SimulatedCharger } from '../../src/simulator/charger.ts';
import { CommandRefusedError } from '../../src/modules/stations/service.ts';
import { ISO_UTC } from './support.ts';
import { basicAuth, captureLogger, expectRefused } from '../gateway/helpers.ts';

const RETRY_S = 42;
const HEARTBEAT_S = 240;
const PASSWORD = 'registration-test-key-0123';

function policyApp(unknownStations: 'accept' | 'pending' | 'reject', extra: DeepPartial<Config> = {}): Promise<TestApp> {
  return startTestApp({
    config: {
      ...extra,
      ocpp: { allowUnsecured: true, ...extra.ocpp },
      registration: { unknownStations, retryIntervalSeconds: RETRY_S, heartbeatIntervalSeconds: HEARTBEAT_S },
    },
  });
}

const isSecurityError = (err: unknown) => {
  assert.ok(err instanceof CallErrorResponse, `expected a CALLERROR, got ${String(err)}`);
  assert.equal(err.code, 'SecurityError');
  return true;
};

/** Every CALL but BootNotification is answered SecurityError, and none of them leaves a trace. */
async function assertGated(app: TestApp, cp: SimulatedCharger, idTag: string): Promise<void> {
  await assert.rejects(cp.heartbeat(), isSecurityError);
  await assert.rejects(cp.status(1, 'Available'), isSecurityError);
  await assert.rejects(cp.authorize(idTag), isSecurityError);
  await assert.rejects(cp.startTransaction(1, idTag, 0), isSecurityError);
  await assert.rejects(cp.meterValues(1, undefined, 10), isSecurityError);
  const db = app.ctx.db.kysely;
  assert.deepEqual(await db.selectFrom('connector_status').selectAll().where('station_id', '=', cp.stationId).execute(), []);
  assert.deepEqual(await db.selectFrom('transactions').selectAll().where('station_id', '=', cp.stationId).execute(), []);
  assert.deepEqual(await db.selectFrom('meter_values').selectAll().where('station_id', '=', cp.stationId).execute(), []);
}

const isRefused = (stationId: string) => (err: unknown) => {
  assert.ok(err instanceof CommandRefusedError, `expected CommandRefusedError, got ${String(err)}`);
  assert.equal(err.stationId, stationId);
  return true;
};

test('unknownStations=pending: Pending with the retry interval, SecurityError for other CALLs, only configuration commands; Accepted after the operator accepts', async (t) => {
  const app = await policyApp('pending');
  t.after(() => app.cleanup());
  const id = 'NEW-PENDING';
  const tag = 'PENDING-TAG';
  await app.ctx.services.authorization.upsertToken({ idTag: tag });
  const cp = app.charger(id, { handlers: { GetConfiguration: () => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '900' }] }) } });
  await cp.connect();

  const registered = await app.ctx.services.stations.get(id);
  assert.equal(registered?.registration_status, 'Pending', 'the newcomer is registered as Pending');
  assert.equal(registered?.security_profile, 0);

  const boot = await cp.boot({ chargePointSerialNumber: 'PEND-1' });
  assert.equal(boot.status, 'Pending');
  assert.equal(boot.interval, RETRY_S, 'interval is the minimum wait before the next BootNotification');
  assert.match(boot.currentTime, ISO_UTC);
  assert.equal((await app.ctx.services.stations.get(id))?.charge_point_serial, 'PEND-1', 'what a Pending charger says at boot is kept');

  await assertGated(app, cp, tag);

  // OCPP 1.6 §4.2: no transaction may be started or stopped remotely while Pending, and
  // nothing but configuration reaches the charger.
  await assert.rejects(app.ctx.services.transactions.remoteStart(id, { connectorId: 1, idTag: tag }), isRefused(id));
  await assert.rejects(app.ctx.services.stations.reset(id, { type: 'Hard' }), isRefused(id));
  await assert.rejects(app.ctx.services.stations.unlockConnector(id, { connectorId: 1 }), isRefused(id));
  assert.equal(cp.received.length, 0, 'refused commands never reach the charger');
  assert.deepEqual(await app.ctx.services.stations.getConfiguration(id, { key: ['HeartbeatInterval'] }), {
    configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '900' }],
  });
  assert.deepEqual(await app.ctx.services.stations.changeConfiguration(id, { key: 'HeartbeatInterval', value: String(HEARTBEAT_S) }), { status: 'Accepted' });
  assert.deepEqual(
    cp.received.map((r) => r.action),
    ['GetConfiguration', 'ChangeConfiguration'],
  );

  // Booting again while still Pending gets Pending again.
  assert.equal((await cp.boot()).status, 'Pending');

  await app.ctx.services.stations.setRegistrationStatus(id, 'Accepted');
  const accepted = await cp.boot();
  assert.equal(accepted.status, 'Accepted');
  assert.equal(accepted.interval, HEARTBEAT_S);
  assert.match((await cp.heartbeat()).currentTime, ISO_UTC);
  assert.deepEqual(await cp.status(1, 'Preparing'), {});
  assert.equal((await cp.authorize(tag)).idTagInfo.status, 'Accepted');
  const start = await cp.startTransaction(1, tag, 0);
  assert.equal(start.idTagInfo.status, 'Accepted');
  assert.deepEqual(await app.ctx.services.transactions.remoteStop(start.transactionId), { status: 'Accepted' });
  assert.deepEqual(cp.received.at(-1), { action: 'RemoteStopTransaction', payload: { transactionId: start.transactionId } });
  assert.equal((await app.ctx.services.stations.get(id))?.registration_status, 'Accepted');
});

test('unknownStations=reject: Rejected with the retry interval, SecurityError for other CALLs, no command at all; Accepted after the operator accepts', async (t) => {
  const app = await policyApp('reject');
  t.after(() => app.cleanup());
  const id = 'NEW-REJECTED';
  const cp = app.charger(id);
  await cp.connect();
  assert.equal((await app.ctx.services.stations.get(id))?.registration_status, 'Rejected');

  const boot = await cp.boot();
  assert.equal(boot.status, 'Rejected');
  assert.equal(boot.interval, RETRY_S);
  await assertGated(app, cp, 'ANY-TAG');

  await assert.rejects(app.ctx.services.transactions.remoteStart(id, { idTag: 'ANY-TAG' }), isRefused(id));
  await assert.rejects(app.ctx.services.stations.reset(id, { type: 'Soft' }), isRefused(id));
  await assert.rejects(app.ctx.services.stations.getConfiguration(id), isRefused(id));
  assert.deepEqual(cp.received, []);

  await app.ctx.services.stations.setRegistrationStatus(id, 'Accepted');
  const accepted = await cp.boot();
  assert.deepEqual([accepted.status, accepted.interval], ['Accepted', HEARTBEAT_S]);
  assert.deepEqual(await cp.status(0, 'Available'), {});
  assert.equal((await app.ctx.services.stations.connectorStatuses(id))[0]?.status, 'Available');
});

test('unknownStations=accept: an unknown charger is registered Accepted (profile 0) and works at once', async (t) => {
  const app = await policyApp('accept');
  t.after(() => app.cleanup());
  const id = 'NEW-ACCEPTED';
  const cp = app.charger(id);
  await cp.connect();
  const boot = await cp.boot();
  assert.deepEqual([boot.status, boot.interval], ['Accepted', HEARTBEAT_S]);
  assert.match((await cp.heartbeat()).currentTime, ISO_UTC);
  assert.deepEqual(await cp.status(1, 'Available'), {});
  const station = await app.ctx.services.stations.get(id);
  assert.deepEqual([station?.registration_status, station?.security_profile, station?.password_hash], ['Accepted', 0, null]);
  assert.deepEqual(await app.ctx.services.stations.reset(id, { type: 'Soft' }), { status: 'Accepted' });
});

test('an operator-registered Pending station (profile 1) boots Pending until accepted', async (t) => {
  const app = await startTestApp({ config: { registration: { retryIntervalSeconds: RETRY_S } } });
  t.after(() => app.cleanup());
  const id = 'OP-PENDING';
  await app.ctx.services.stations.create({ id, password: PASSWORD, registrationStatus: 'Pending' });
  const cp = app.charger(id, { password: PASSWORD });
  await cp.connect();
  assert.deepEqual([(await cp.boot()).status, (await cp.boot()).interval], ['Pending', RETRY_S]);
  await assert.rejects(cp.heartbeat(), isSecurityError);
  await app.ctx.services.stations.setRegistrationStatus(id, 'Accepted');
  assert.equal((await cp.boot()).status, 'Accepted');
  assert.match((await cp.heartbeat()).currentTime, ISO_UTC);
});

test('profile 0 disabled: an unknown charger is refused at the upgrade with 401 and not registered', async (t) => {
  const app = await startTestApp({ config: { registration: { unknownStations: 'accept' } } });
  t.after(() => app.cleanup());
  assert.equal(app.config.ocpp.allowUnsecured, false);
  // 401, not OCPP-J 1.6 §3.2's 404: the same answer as a wrong password (issue 11, see the next test).
  await assert.rejects(app.charger('STRANGER').connect(), (err: any) => err.statusCode === 401);
  await assert.rejects(app.charger('STRANGER', { password: 'whatever-password' }).connect(), (err: any) => err.statusCode === 401);
  assert.equal(await app.ctx.services.stations.get('STRANGER'), undefined, 'no station row for a refused stranger');
  assert.equal(app.gateway.get('STRANGER'), undefined);
  const attempts = app.ctx.services.stations.unknownAttempts();
  assert.deepEqual(
    attempts.map((a) => [a.stationId, a.count]),
    [['STRANGER', 2]],
    'the operator can see who knocked',
  );
});

test('the door does not tell which identities exist: unknown id, wrong password and no password set get the same answer; the log says which', async (t) => {
  const logs: Array<Record<string, unknown>> = [];
  const app = await startTestApp({ log: captureLogger(logs) });
  t.after(() => app.cleanup());
  await app.ctx.services.stations.create({ id: 'CP-REAL', password: PASSWORD });
  await app.ctx.services.stations.create({ id: 'CP-NOPW' });
  const base = app.ocppUrl() + '/';
  const knock = (id: string, password?: string) =>
    expectRefused(base + id, 'ocpp1.6', password === undefined ? {} : { headers: { authorization: basicAuth(id, password) } });
  const answer = (r: Awaited<ReturnType<typeof knock>>) => ({ status: r.status, body: r.body, challenge: r.headers['www-authenticate'], type: r.headers['content-type'], length: r.headers['content-length'] });

  const wrong = answer(await knock('CP-REAL', 'wrong-password-0123456'));
  assert.equal(wrong.status, 401);
  assert.match(String(wrong.challenge), /^Basic realm=/);
  assert.deepEqual(answer(await knock('CP-NOBODY', 'wrong-password-0123456')), wrong, 'unknown identity');
  assert.deepEqual(answer(await knock('CP-NOPW', 'wrong-password-0123456')), wrong, 'station without a password');
  // Without credentials: one answer too, whether the identity exists or not.
  assert.deepEqual(answer(await knock('CP-NOBODY')), answer(await knock('CP-REAL')));

  assert.deepEqual(app.ctx.services.stations.unknownAttempts().map((a) => [a.stationId, a.count]), [['CP-NOBODY', 2]], 'unknown identities are still recorded for the operator');
  const reasons = logs.filter((l) => l.msg === 'charger connection refused').map((l) => [l.chargePointId, l.reason]);
  assert.deepEqual(reasons.slice(0, 3), [['CP-REAL', 'wrong password'], ['CP-NOBODY', 'unknown charge point'], ['CP-NOPW', 'no password is set for this charge point']]);
});

test('profile 1: the right password connects; a wrong password, none, or a user name other than the identity get 401', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const id = 'CP-BASIC';
  await app.ctx.services.stations.create({ id, password: PASSWORD });

  const refusedWith = (status: number) => (err: any) => {
    assert.equal(err.statusCode, status, String(err));
    return true;
  };
  await assert.rejects(app.charger(id, { password: 'wrong-password-0123456' }).connect(), refusedWith(401));
  await assert.rejects(app.charger(id).connect(), refusedWith(401));
  // The right password under another user name: Basic auth user name must be the identity in the URL.
  const otherUser = `Basic ${Buffer.from(`CP-OTHER:${PASSWORD}`).toString('base64')}`;
  await assert.rejects(app.charger(id, { wsOptions: { headers: { authorization: otherUser } } }).connect(), refusedWith(401));
  assert.equal(app.gateway.get(id), undefined);

  const cp = app.charger(id, { password: PASSWORD });
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  assert.match((await cp.heartbeat()).currentTime, ISO_UTC);

  // A changed password takes effect at the next connection: the old one no longer works.
  await app.ctx.services.stations.setPassword(id, 'the-new-password-456789');
  await assert.rejects(app.charger(id, { password: PASSWORD }).connect(), refusedWith(401));
  const renewed = app.charger(id, { password: 'the-new-password-456789' });
  await renewed.connect();
  assert.equal((await renewed.boot()).status, 'Accepted');
});

test('profile 2: a station that must use TLS is refused over plain ws, even with the right password, with the answer an unknown id gets', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const id = 'CP-TLS-ONLY';
  await app.ctx.services.stations.create({ id, password: PASSWORD, securityProfile: 2 });
  const answer = async (stationId: string) => {
    const err: any = await app.charger(stationId, { password: PASSWORD }).connect().then(() => null, (e: unknown) => e);
    assert.ok(err !== null, `${stationId} was let in`);
    return { status: err.statusCode, message: String(err.message).replaceAll(stationId, '<id>') };
  };
  const known = await answer(id);
  assert.equal(known.status, 401, known.message);
  // A different status (it was 403) told a scanner on plain ws which ids exist.
  assert.deepEqual(known, await answer('CP-NOBODY-AT-ALL'));
  assert.equal(app.gateway.get(id), undefined);
  assert.equal((await app.ctx.services.stations.get(id))?.last_connected_at, null);
});

test('profile 2 is not undone by allowing profile 0: the TLS-only station is still refused over ws', async (t) => {
  const app = await policyApp('accept');
  t.after(() => app.cleanup());
  const id = 'CP-TLS-ONLY-2';
  await app.ctx.services.stations.create({ id, password: PASSWORD, securityProfile: 2 });
  await assert.rejects(app.charger(id, { password: PASSWORD }).connect(), (err: any) => err.statusCode === 401);
  await assert.rejects(app.charger(id).connect(), (err: any) => err.statusCode === 401);
});

test(
  'a station auto-registered under profile 0 and then given a password must use it, and keeps working once profile 0 is switched off',
  async (t) => {
    // Two runs of the server on the same database: a lab run with profile 0, then production without it.
    const dir = mkdtempSync(join(tmpdir(), 'plugboard-e2e-reg-'));
    const pg = process.env.DATABASE_URL ? await isolatedPostgres(process.env.DATABASE_URL) : null;
    t.after(async () => {
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const reuse = { databaseUrl: pg?.url ?? null, sqlitePath: join(dir, 'plugboard.db') };
    const id = 'LAB-CP';
    const password = 'set-after-auto-registration-01';

    const lab = await startTestApp({ reuse, config: { ocpp: { allowUnsecured: true }, registration: { unknownStations: 'accept' } } });
    try {
      const cp = lab.charger(id);
      await cp.connect();
      assert.equal((await cp.boot()).status, 'Accepted');
      await cp.close();
      await lab.ctx.services.stations.setPassword(id, password);
      // The operator set a password: a charger without it (or with a wrong one) must not get in.
      await assert.rejects(lab.charger(id, { password: 'not-the-password-000' }).connect(), (err: any) => err.statusCode === 401);
    } finally {
      await lab.cleanup();
    }

    const prod = await startTestApp({ reuse });
    try {
      const cp = prod.charger(id, { password });
      await cp.connect();
      assert.equal((await cp.boot()).status, 'Accepted');
    } finally {
      await prod.cleanup();
    }
  },
);
