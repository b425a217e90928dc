// OCTT 1.6 central-system cases of the Security Whitepaper about credentials (ocpp-checklist.md
// §2.1): TC_073 password rotation (A01) and TC_083 security profile upgrade (A05), over real
// sockets and, for TC_083, real TLS with certificates made here by openssl. SimulatedCharger plays
// the OCTT's charge point; the API plays the operator. Plus the flows' other outcomes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startTestApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger, SimulatorOptions } from '../../src/simulator/charger.ts';

const OLD = 'initial-password-0123';
let dir: string;
let app: TestApp;
let serverCert: Buffer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plugboard-octt-sec-'));
  // The server certificate for profile 2, made for this run: nothing secret is committed.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.crt', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { cwd: dir, stdio: 'pipe' });
  serverCert = readFileSync(join(dir, 'server.crt'));
  app = await startTestApp({
    config: { ocpp: { tls: { host: '127.0.0.1', port: 0, certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: null, requestClientCert: false } } },
  });
});
after(async () => {
  await app?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function station(id: string, body: Record<string, unknown> = {}) {
  const res = await app.request('POST', '/api/v1/stations', { body: { id, password: OLD, securityProfile: 1, ...body } });
  assert.equal(res.status, 201, res.text);
}

async function booted(id: string, opts: Partial<SimulatorOptions>): Promise<SimulatedCharger> {
  const cp = app.charger(id, opts);
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  return cp;
}

/** Resolves with the HTTP status the upgrade was refused with, or 101 when it is accepted (and then closes). */
async function upgradeStatus(id: string, opts: Partial<SimulatorOptions>): Promise<number> {
  const cp = app.charger(id, opts);
  try {
    await cp.connect();
    await cp.close();
    return 101;
  } catch (err) {
    const m = /(\d{3})/.exec(String((err as Error).message));
    return m ? Number(m[1]) : -1;
  }
}

const flows = async (id: string) => (await app.request('GET', `/api/v1/stations/${id}/security-flows`)).body.items;

test('TC_073_CSMS Update Charge Point Password for HTTP Basic Auth', async () => {
  await station('TC073');
  const told: string[] = [];
  const cp = await booted('TC073', { password: OLD, handlers: { ChangeConfiguration: (p: { key: string; value: string }) => (told.push(`${p.key}=${p.value}`), { status: 'Accepted' }) } });

  // The operator rotates; the charger accepts ChangeConfiguration AuthorizationKey.
  const res = await app.request('POST', '/api/v1/stations/TC073/password-rotation');
  assert.equal(res.status, 200, res.text);
  const password: string = res.body.password;
  assert.match(password, /^[0-9a-f]{40}$/, '20 random bytes as hex: within the 16-40 characters AuthorizationKey allows');
  assert.deepEqual(told, [`AuthorizationKey=${password}`]);
  assert.equal(res.body.flow.status, 'Accepted');
  assert.ok(res.body.flow.pendingSince, 'the new password is pending');

  // The connection that used the old password is closed by the central system.
  await cp.closed();
  // Until the charger has come back with the new password, the old one still lets it in.
  assert.equal(await upgradeStatus('TC073', { password: OLD }), 101, 'old password still valid before the charger used the new one');
  // The charger reconnects with the new password: accepted.
  const back = await booted('TC073', { password });
  await back.heartbeat();
  await eventually(async () => (await flows('TC073'))[0].status === 'Completed', 30_000, 'rotation completed');
  const done = (await flows('TC073'))[0];
  assert.equal(done.pendingSince, null);
  // The old password is refused from now on; the new one keeps working.
  assert.equal(await upgradeStatus('TC073', { password: OLD }), 401);
  assert.equal(await upgradeStatus('TC073', { password }), 101);
  // The password is in no frame Plugboard kept.
  assert.ok(!(await app.request('GET', '/api/v1/stations/TC073/messages?limit=500')).text.includes(password));
});

test('password rotation Rejected or NotSupported: the old password stays, the new one never works; an operator-chosen password is not echoed', async () => {
  await station('ROT-REJ');
  let answer = 'Rejected';
  const cp = await booted('ROT-REJ', { password: OLD, handlers: { ChangeConfiguration: () => ({ status: answer }) } });
  const chosen = 'operator-chosen-pass-01';
  const rejected = await app.request('POST', '/api/v1/stations/ROT-REJ/password-rotation', { body: { password: chosen } });
  assert.equal(rejected.status, 200, rejected.text);
  assert.equal(rejected.body.flow.status, 'Rejected');
  assert.equal(rejected.body.password, undefined);
  answer = 'NotSupported';
  const unsupported = await app.request('POST', '/api/v1/stations/ROT-REJ/password-rotation');
  assert.equal(unsupported.body.flow.status, 'NotSupported');
  assert.equal(unsupported.body.password, undefined, 'nothing changed: nothing to show');
  assert.equal(cp.ws?.readyState, 1, 'the connection stays');
  assert.equal(await upgradeStatus('ROT-REJ', { password: chosen }), 401);
  assert.equal(await upgradeStatus('ROT-REJ', { password: OLD }), 101);
  // Too short a chosen password: 400, nothing sent.
  assert.equal((await app.request('POST', '/api/v1/stations/ROT-REJ/password-rotation', { body: { password: 'short' } })).status, 400);
});

test('password rotation refused with 409 when the station is offline; 404 for an unknown one', async () => {
  await station('ROT-OFF');
  const off = await app.request('POST', '/api/v1/stations/ROT-OFF/password-rotation');
  assert.equal(off.status, 409);
  assert.match(off.body.message, /not connected/);
  assert.equal((await app.request('POST', '/api/v1/stations/NOPE/password-rotation')).status, 404);
  assert.deepEqual(await flows('ROT-OFF'), [], 'nothing recorded');
});

test('PATCH /stations/{id} with a new password or profile closes the connection that used the old credentials; other changes do not', async () => {
  await station('PATCH-1');
  const cp = await booted('PATCH-1', { password: OLD });
  assert.equal((await app.request('PATCH', '/api/v1/stations/PATCH-1', { body: { registrationStatus: 'Accepted' } })).status, 200);
  assert.equal(cp.ws?.readyState, 1);
  const next = 'patched-password-0123';
  assert.equal((await app.request('PATCH', '/api/v1/stations/PATCH-1', { body: { password: next } })).status, 200);
  await cp.closed();
  assert.equal(await upgradeStatus('PATCH-1', { password: OLD }), 401);
  const cp2 = await booted('PATCH-1', { password: next });
  assert.equal((await app.request('PATCH', '/api/v1/stations/PATCH-1', { body: { securityProfile: 2 } })).status, 200);
  await cp2.closed();
});

test('TC_083_CSMS Upgrade Charge Point Security Profile – Accepted', async () => {
  await station('TC083');
  const told: string[] = [];
  const handlers = {
    ChangeConfiguration: (p: { key: string; value: string }) => (told.push(`ChangeConfiguration ${p.key}=${p.value}`), { status: 'Accepted' }),
    Reset: (p: { type: string }) => (told.push(`Reset ${p.type}`), { status: 'Accepted' }),
  };
  // Profile 1: plain ws with Basic auth.
  const cp = await booted('TC083', { password: OLD, handlers });
  const res = await app.request('POST', '/api/v1/stations/TC083/security-profile-upgrade', { body: { targetProfile: 2 } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');
  assert.deepEqual(told, ['ChangeConfiguration SecurityProfile=2', 'Reset Hard']);
  await cp.closed();
  const station2 = (await app.request('GET', '/api/v1/stations/TC083')).body;
  assert.equal(station2.securityProfile, 2);

  // The charger comes back over wss (TLS, the server certificate checked) with Basic auth: accepted.
  const secure = app.charger('TC083', { url: app.ocppTlsUrl()!, password: OLD, wsOptions: { ca: serverCert } });
  await secure.connect();
  assert.equal((await secure.boot()).status, 'Accepted');
  await secure.heartbeat();
  await eventually(async () => (await flows('TC083'))[0].status === 'Completed', 30_000, 'upgrade completed');
  await secure.close();
  // No downgrade: the plain ws connection is refused now, the secure one still accepted.
  const plain = await upgradeStatus('TC083', { password: OLD });
  assert.ok(plain >= 400 && plain < 500, `plain ws refused, got ${plain}`);
  assert.equal(await upgradeStatus('TC083', { url: app.ocppTlsUrl()!, password: OLD, wsOptions: { ca: serverCert } }), 101);
  // And no downgrade through the flow either.
  const down = await app.request('POST', '/api/v1/stations/TC083/security-profile-upgrade', { body: { targetProfile: 1 } });
  assert.equal(down.status, 409);
  assert.match(down.body.message, /no downgrade/);
});

test('profile upgrade: prerequisites (password, client certificates for 3), the CentralSystemRootCertificate installed first, Rejected keeps the profile', async () => {
  // Profile 0 -> 1 without a password: refused.
  const created = await app.request('POST', '/api/v1/stations', { body: { id: 'UPG-0', securityProfile: 0 } });
  assert.equal(created.status, 201, created.text);
  const noPassword = await app.request('POST', '/api/v1/stations/UPG-0/security-profile-upgrade', { body: { targetProfile: 1 } });
  assert.equal(noPassword.status, 409);
  assert.match(noPassword.body.message, /has no password/);
  const zero = await app.request('POST', '/api/v1/stations/UPG-0/password-rotation');
  assert.equal(zero.status, 409);
  assert.match(zero.body.message, /profile 0/);
  await station('UPG-1');
  const told: string[] = [];
  let installAnswer = 'Rejected';
  const cp = await booted('UPG-1', {
    password: OLD,
    handlers: {
      InstallCertificate: (p: { certificateType: string }) => (told.push(`InstallCertificate ${p.certificateType}`), { status: installAnswer }),
      ChangeConfiguration: (p: { key: string; value: string }) => (told.push(`ChangeConfiguration ${p.key}=${p.value}`), { status: 'Rejected' }),
    },
  });
  // Profile 3 needs client certificates, not configured here.
  const three = await app.request('POST', '/api/v1/stations/UPG-1/security-profile-upgrade', { body: { targetProfile: 3 } });
  assert.equal(three.status, 409);
  assert.match(three.body.message, /client certificates/);
  // The root certificate refused: nothing else sent, profile unchanged.
  const pem = serverCert.toString();
  const failed = await app.request('POST', '/api/v1/stations/UPG-1/security-profile-upgrade', { body: { targetProfile: 2, centralSystemRootCertificate: pem } });
  assert.equal(failed.body.status, 'Failed', failed.text);
  assert.deepEqual(told, ['InstallCertificate CentralSystemRootCertificate']);
  // Installed, then the charger rejects the new profile: it stays at 1, still connected.
  installAnswer = 'Accepted';
  const rejected = await app.request('POST', '/api/v1/stations/UPG-1/security-profile-upgrade', { body: { targetProfile: 2, centralSystemRootCertificate: pem, reset: 'None' } });
  assert.equal(rejected.body.status, 'Rejected', rejected.text);
  assert.deepEqual(told.slice(1), ['InstallCertificate CentralSystemRootCertificate', 'ChangeConfiguration SecurityProfile=2']);
  assert.equal((await app.request('GET', '/api/v1/stations/UPG-1')).body.securityProfile, 1);
  assert.equal(cp.ws?.readyState, 1);
  assert.deepEqual((await flows('UPG-1')).map((f: { status: string }) => f.status), ['Rejected', 'Failed']);
});

test('profile upgrade 2 -> 3: after Accepted and the Reset the charger comes back with its client certificate; Basic auth over TLS is refused from then on', async (t) => {
  // The stations' CA and a certificate bound to the station (O = the operator, CN = its serial number).
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'cp-ca.key', '-out', 'cp-ca.crt', '-days', '1', '-subj', '/O=Upgrade CPO/CN=Upgrade Charger CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'cp3.key', '-out', 'cp3.csr', '-subj', '/O=Upgrade CPO/CN=SERIAL-U3');
  execFileSync('sh', ['-c', 'printf "basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature,keyAgreement\\nextendedKeyUsage=clientAuth\\n" > cp3.ext'], { cwd: dir });
  openssl('x509', '-req', '-in', 'cp3.csr', '-CA', 'cp-ca.crt', '-CAkey', 'cp-ca.key', '-CAcreateserial', '-out', 'cp3.crt', '-days', '1', '-extfile', 'cp3.ext');
  const mtls = await startTestApp({
    config: {
      ocpp: {
        tls: { host: '127.0.0.1', port: 0, certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'cp-ca.crt'), requestClientCert: true },
        security: { certificateSubject: { commonName: 'serialNumber', organization: 'Upgrade CPO' } },
      },
    },
  });
  t.after(() => mtls.cleanup());
  const url = mtls.ocppTlsUrl()!;
  const clientCert = { ca: serverCert, cert: readFileSync(join(dir, 'cp3.crt')), key: readFileSync(join(dir, 'cp3.key')) };
  assert.equal((await mtls.request('POST', '/api/v1/stations', { body: { id: 'UPG-3', password: OLD, securityProfile: 2 } })).status, 201);
  const told: string[] = [];
  const handlers = {
    ChangeConfiguration: (p: { key: string; value: string }) => (told.push(`${p.key}=${p.value}`), { status: 'Accepted' }),
    Reset: (p: { type: string }) => (told.push(`Reset ${p.type}`), { status: 'Accepted' }),
  };
  const cp = mtls.charger('UPG-3', { url, password: OLD, wsOptions: { ca: serverCert }, handlers });
  await cp.connect();
  assert.equal((await cp.boot({ chargePointSerialNumber: 'SERIAL-U3' })).status, 'Accepted');

  const res = await mtls.request('POST', '/api/v1/stations/UPG-3/security-profile-upgrade', { body: { targetProfile: 3 } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted', res.text);
  assert.deepEqual(told, ['SecurityProfile=3', 'Reset Hard']);
  await cp.closed();

  const back = mtls.charger('UPG-3', { url, wsOptions: clientCert });
  await back.connect();
  assert.equal((await back.boot({ chargePointSerialNumber: 'SERIAL-U3' })).status, 'Accepted');
  await eventually(async () => (await mtls.request('GET', '/api/v1/stations/UPG-3/security-flows')).body.items[0].status === 'Completed', 30_000, 'upgrade completed');
  await back.close();
  // No downgrade: profile 2 (Basic auth over TLS, no certificate) is refused now.
  const basic = mtls.charger('UPG-3', { url, password: OLD, wsOptions: { ca: serverCert } });
  await assert.rejects(basic.connect(), /40\d/);
});

test('profile upgrade to 3 with only the built-in CA trusted (no ocpp.tls.caFile): the prerequisites are met and ChangeConfiguration is sent', async (t) => {
  const builtin = await startTestApp({
    config: { ocpp: { tls: { host: '127.0.0.1', port: 0, certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: null, requestClientCert: true } } },
  });
  t.after(() => builtin.cleanup());
  assert.ok(builtin.ctx.services.tls.trustedCas().length > 0, 'the built-in CA is trusted for client certificates');
  assert.equal((await builtin.request('POST', '/api/v1/stations', { body: { id: 'UPG-B', password: OLD, securityProfile: 2 } })).status, 201);
  const told: string[] = [];
  const cp = builtin.charger('UPG-B', {
    url: builtin.ocppTlsUrl()!,
    password: OLD,
    wsOptions: { ca: serverCert },
    handlers: { ChangeConfiguration: (p: { key: string; value: string }) => (told.push(`${p.key}=${p.value}`), { status: 'Rejected' }) },
  });
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  const res = await builtin.request('POST', '/api/v1/stations/UPG-B/security-profile-upgrade', { body: { targetProfile: 3, reset: 'None' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Rejected', res.text);
  assert.deepEqual(told, ['SecurityProfile=3']);
  await cp.close();
});
