// OCTT 1.6 security cases with real TLS (TC_086 server certificate, TC_087 client certificate) and
// the profile 3 rules around them: a client certificate bound to its station, checked at the
// upgrade and again at BootNotification; expired, revoked, wrong-CA and wrong-subject certificates
// refused with a log line and a security event; no downgrade; a certificate forwarded by a
// trusted TLS-terminating proxy; TLS 1.2 or newer with forward-secret suites; files reloaded.
// Every certificate is made here with the openssl CLI: nothing secret is committed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { eventually, startTestApp, type TestApp } from '../helpers/app.ts';
import type { DeepPartial, Config } from '../../src/config.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';
import type { SimulatorOptions } from '../../src/simulator/charger.ts';

const CPO = 'Plugboard Test CPO';
const PASSWORD = 'station-password-0123456789';
let dir: string;
const pem: Record<string, Buffer> = {};

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

const CA_CONFIG = `[ca]
default_ca = ca_default
[ca_default]
database = CA/index.txt
new_certs_dir = CA
serial = CA/serial.txt
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
[any]
organizationName = optional
commonName = supplied
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment,keyAgreement
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost
`;

/** A CA (RSA 2048) in its own folder, so that `openssl ca` keeps one database per CA. */
function makeCa(name: string, subject: string): void {
  execFileSync('mkdir', ['-p', join(dir, name)]);
  writeFileSync(join(dir, name, 'ca.cnf'), CA_CONFIG.replaceAll('CA/', `${name}/`).replace('new_certs_dir = CA', `new_certs_dir = ${name}`));
  writeFileSync(join(dir, name, 'index.txt'), '');
  writeFileSync(join(dir, name, 'serial.txt'), `${Math.floor(Math.random() * 1e6).toString(16).padStart(6, '0')}01\n`);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}/ca.key`, '-out', `${name}.crt`, '-days', '2', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

/** A certificate `ca` issues for a new key: `ec` P-256 or RSA 2048; dates as openssl ca wants them (YYYYMMDDHHMMSSZ). */
function issue(ca: string, name: string, subject: string, opts: { ext: 'client' | 'server'; key?: 'ec' | 'rsa'; start?: string; end?: string }): void {
  if (opts.key === 'rsa') openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}.key`);
  else openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  const dates = opts.start ? ['-startdate', opts.start, '-enddate', opts.end!] : ['-days', '1'];
  openssl('ca', '-batch', '-notext', '-config', `${ca}/ca.cnf`, '-cert', `${ca}.crt`, '-keyfile', `${ca}/ca.key`, '-in', `${name}.csr`, '-out', `${name}.crt`, '-extensions', opts.ext, ...dates);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'plugboard-octt-tls-'));
  // The central system's own PKI: a root and two server certificates (RSA and ECDSA, TC_086).
  makeCa('csms-root', '/O=Plugboard Test CSO/CN=Plugboard Test CSMS Root');
  issue('csms-root', 'server-rsa', '/CN=localhost', { ext: 'server', key: 'rsa' });
  issue('csms-root', 'server-ec', '/CN=localhost', { ext: 'server', key: 'ec' });
  issue('csms-root', 'server-rsa-new', '/CN=localhost', { ext: 'server', key: 'rsa' });
  // The stations' CA, and another CA with the very same name but its own key.
  makeCa('charger-ca', `/O=${CPO}/CN=Plugboard Test Charger CA`);
  makeCa('other-ca', `/O=${CPO}/CN=Plugboard Test Charger CA`);
  issue('charger-ca', 'cp-a', `/O=${CPO}/CN=SERIAL-A`, { ext: 'client' });
  issue('charger-ca', 'cp-b', `/O=${CPO}/CN=SERIAL-B`, { ext: 'client', key: 'rsa' });
  issue('charger-ca', 'cp-proxy', `/O=${CPO}/CN=SERIAL-P`, { ext: 'client' });
  issue('charger-ca', 'expired', `/O=${CPO}/CN=SERIAL-E`, { ext: 'client', start: '20200101000000Z', end: '20200201000000Z' });
  issue('charger-ca', 'wrong-o', `/O=Somebody Else/CN=SERIAL-W`, { ext: 'client' });
  issue('charger-ca', 'revoked', `/O=${CPO}/CN=SERIAL-R`, { ext: 'client' });
  issue('charger-ca', 'server-not-client', `/O=${CPO}/CN=SERIAL-S`, { ext: 'server' });
  issue('other-ca', 'foreign', `/O=${CPO}/CN=SERIAL-F`, { ext: 'client' });
  for (const name of ['csms-root', 'server-rsa', 'server-ec', 'server-rsa-new', 'charger-ca', 'other-ca', 'cp-a', 'cp-b', 'cp-proxy', 'expired', 'wrong-o', 'revoked', 'server-not-client', 'foreign']) {
    pem[`${name}.crt`] = readFileSync(join(dir, `${name}.crt`));
    if (!name.endsWith('-ca') && name !== 'csms-root') pem[`${name}.key`] = readFileSync(join(dir, `${name}.key`));
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

function tlsConfig(overrides: Record<string, unknown> = {}, security: Record<string, unknown> = {}): DeepPartial<Config> {
  return {
    ocpp: {
      tls: {
        host: '127.0.0.1',
        port: 0,
        certFile: [join(dir, 'server-rsa.crt'), join(dir, 'server-ec.crt')],
        keyFile: [join(dir, 'server-rsa.key'), join(dir, 'server-ec.key')],
        caFile: join(dir, 'charger-ca.crt'),
        requestClientCert: true,
        ...overrides,
      },
      security: { certificateSubject: { commonName: 'serialNumber', organization: CPO }, ...security },
    },
  } as DeepPartial<Config>;
}

/** Starts an app that records its log lines and security events. */
async function securityApp(config: DeepPartial<Config>): Promise<{ app: TestApp; logs: Array<Record<string, any>>; events: Array<Extract<PlugboardEvent, { type: 'security.event' }>> }> {
  const logs: Array<Record<string, any>> = [];
  const app = await startTestApp({ config });
  // The app logs through pino; we read what it logs by wrapping the logger's warn/info.
  for (const level of ['info', 'warn', 'error'] as const) {
    const original = app.ctx.log[level].bind(app.ctx.log);
    (app.ctx.log as any)[level] = (obj: any, msg?: string) => {
      logs.push(typeof obj === 'string' ? { msg: obj } : { ...obj, msg });
      return (original as any)(obj, msg);
    };
  }
  const events: Array<Extract<PlugboardEvent, { type: 'security.event' }>> = [];
  app.ctx.bus.subscribe((e) => {
    if (e.type === 'security.event') events.push(e);
  });
  return { app, logs, events };
}

const trustServer = () => ({ ca: [pem['csms-root.crt']] });
const withCert = (name: string) => ({ ...trustServer(), cert: pem[`${name}.crt`], key: pem[`${name}.key`] });

function tlsCharger(app: TestApp, id: string, opts: Partial<SimulatorOptions> = {}) {
  return app.charger(id, { url: app.ocppTlsUrl()!, ...opts, wsOptions: { ...trustServer(), ...opts.wsOptions } });
}

const refusedWith = (status: number) => (err: any) => {
  assert.equal(err.statusCode, status, String(err));
  return true;
};

/** One WebSocket upgrade over TLS 1.2 offering only `cipher`: the suite negotiated and the server certificate's key type. */
async function handshake(app: TestApp, cipher: string, id = 'CP-SUITE'): Promise<{ cipher: string; keyType: string | undefined }> {
  const ws = new WebSocket(`${app.ocppTlsUrl()}/${id}`, 'ocpp1.6', { ...trustServer(), ciphers: cipher, maxVersion: 'TLSv1.2', headers: { authorization: `Basic ${Buffer.from(`${id}:${PASSWORD}`).toString('base64')}` } });
  let result = { cipher: '', keyType: undefined as string | undefined };
  ws.once('upgrade', (res) => {
    const socket = res.socket as TLSSocket;
    result = { cipher: socket.getCipher().name, keyType: new X509Certificate(socket.getPeerCertificate().raw).publicKey.asymmetricKeyType };
  });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  } finally {
    ws.terminate();
  }
  return result;
}

let main: Awaited<ReturnType<typeof securityApp>>;
before(async () => {
  main = await securityApp(tlsConfig({}, { clientCertHeader: 'X-SSL-Client-Cert', trustedProxies: ['127.0.0.2'] }));
});
after(() => main.app.cleanup());

test('TC_086_CSMS TLS – server-side certificate – Valid', async () => {
  const { app } = main;
  await app.ctx.services.stations.create({ id: 'CP-SUITE', password: PASSWORD, securityProfile: 2 });
  // Profile 2: TLS with the server certificate, Basic auth; the charger boots and is Accepted.
  const cp = tlsCharger(app, 'CP-SUITE', { password: PASSWORD });
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  const served = new X509Certificate((cp as any).ws._socket.getPeerCertificate().raw);
  assert.ok(served.serialNumber.length > 0, 'the server certificate has a serial number');
  assert.equal(served.subject, 'CN=localhost', 'CN = the server name');
  await cp.close();

  // The whitepaper's ECDHE suites, each with the certificate of its key type (RSA and ECDSA side by side).
  assert.deepEqual(await handshake(app, 'ECDHE-ECDSA-AES128-GCM-SHA256'), { cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', keyType: 'ec' });
  assert.deepEqual(await handshake(app, 'ECDHE-ECDSA-AES256-GCM-SHA384'), { cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384', keyType: 'ec' });
  assert.deepEqual(await handshake(app, 'ECDHE-RSA-AES128-GCM-SHA256'), { cipher: 'ECDHE-RSA-AES128-GCM-SHA256', keyType: 'rsa' });
  assert.deepEqual(await handshake(app, 'ECDHE-RSA-AES256-GCM-SHA384'), { cipher: 'ECDHE-RSA-AES256-GCM-SHA384', keyType: 'rsa' });
  // Not forward secret: refused by default (the TLS_RSA_WITH_AES_*_GCM suites only with ciphers "whitepaper", below).
  await assert.rejects(handshake(app, 'AES128-SHA'), /handshake failure|alert/);
  await assert.rejects(handshake(app, 'AES128-GCM-SHA256'), /handshake failure|alert/);

  // TLS 1.1 and 1.0 are refused by the server (alert protocol_version): the local OpenSSL lets the client offer them at SECLEVEL=0.
  for (const maxVersion of ['TLSv1.1', 'TLSv1'] as const) {
    const old = new WebSocket(`${app.ocppTlsUrl()}/CP-SUITE`, 'ocpp1.6', { ...trustServer(), minVersion: 'TLSv1', maxVersion, ciphers: 'DEFAULT@SECLEVEL=0' });
    const err = await new Promise<Error>((resolve) => old.once('error', resolve));
    assert.match(err.message, /alert protocol version/, maxVersion);
  }
  // TLS 1.3 is fine.
  const modern = tlsCharger(app, 'CP-SUITE', { password: PASSWORD, wsOptions: { minVersion: 'TLSv1.3' } });
  await modern.connect();
  assert.equal((modern as any).ws._socket.getProtocol(), 'TLSv1.3');
  await modern.close();
});

test('TC_086: with ocpp.tls.ciphers "whitepaper" the two TLS_RSA_WITH_AES_*_GCM suites are served too', async (t) => {
  const { app } = await securityApp(tlsConfig({ ciphers: 'whitepaper' }));
  t.after(() => app.cleanup());
  await app.ctx.services.stations.create({ id: 'CP-SUITE', password: PASSWORD, securityProfile: 2 });
  assert.deepEqual(await handshake(app, 'AES128-GCM-SHA256'), { cipher: 'AES128-GCM-SHA256', keyType: 'rsa' });
  assert.deepEqual(await handshake(app, 'AES256-GCM-SHA384'), { cipher: 'AES256-GCM-SHA384', keyType: 'rsa' });
  assert.deepEqual(await handshake(app, 'ECDHE-ECDSA-AES128-GCM-SHA256'), { cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', keyType: 'ec' });
  await assert.rejects(handshake(app, 'AES128-SHA'), /handshake failure|alert/);
});

test('TC_087_CSMS TLS – Client-side certificate – Valid', async () => {
  const { app, events } = main;
  await app.ctx.services.stations.create({ id: 'CP-A', securityProfile: 3 });
  const cp = tlsCharger(app, 'CP-A', { wsOptions: withCert('cp-a') });
  await cp.connect();
  // The serial number is not known before the first boot: only BootNotification until it is checked.
  const early = await cp.call('Heartbeat', {}).catch((err: Error) => err);
  assert.match(String(early), /SecurityError/);
  const boot = await cp.boot({ chargePointSerialNumber: 'SERIAL-A' });
  assert.equal(boot.status, 'Accepted');
  assert.ok((await cp.heartbeat()).currentTime);
  assert.equal(app.gateway.get('CP-A')?.certificate?.subject.CN, 'SERIAL-A');
  await cp.close();
  // Again, now that the serial number is stored: checked at the upgrade already.
  const again = tlsCharger(app, 'CP-A', { wsOptions: withCert('cp-a') });
  await again.connect();
  assert.ok((await again.heartbeat()).currentTime, 'no boot needed: the subject was checked at the upgrade');
  await again.close();
  assert.equal(events.filter((e) => e.stationId === 'CP-A').length, 0);
});

/** Asserts a profile-3 upgrade is refused (401), logged and recorded as a critical security event whose techInfo matches. */
async function assertCertificateRefused(id: string, cert: string, techInfo: RegExp, opts: Partial<SimulatorOptions> = {}) {
  const { app, logs, events } = main;
  await assert.rejects(tlsCharger(app, id, { ...opts, wsOptions: { ...withCert(cert), ...opts.wsOptions } }).connect(), refusedWith(401));
  assert.equal(app.gateway.get(id), undefined);
  await eventually(() => events.some((e) => e.stationId === id), 10_000, `a security event for ${id}`);
  const event = events.find((e) => e.stationId === id)!;
  assert.equal(event.eventType, 'InvalidChargePointCertificate');
  assert.equal(event.source, 'csms');
  assert.equal(event.critical, true);
  assert.match(event.techInfo ?? '', techInfo);
  assert.ok(logs.some((l) => l.msg === 'charger client certificate refused' && l.chargePointId === id), 'a log line');
}

test('TC_087: an expired client certificate is refused, logged, and a security event', async () => {
  await main.app.ctx.services.stations.create({ id: 'CP-E', securityProfile: 3 });
  await assertCertificateRefused('CP-E', 'expired', /expired/);
});

test('TC_087: a client certificate from another CA (with the same CA name) is refused', async () => {
  await main.app.ctx.services.stations.create({ id: 'CP-F', securityProfile: 3 });
  await assertCertificateRefused('CP-F', 'foreign', /not issued by a trusted CA/);
});

test('TC_087: a client certificate with the wrong organization (O) is refused', async () => {
  await main.app.ctx.services.stations.create({ id: 'CP-W', securityProfile: 3 });
  await assertCertificateRefused('CP-W', 'wrong-o', /subject O is "Somebody Else"/);
});

test('TC_087: a certificate not made for client authentication is refused', async () => {
  await main.app.ctx.services.stations.create({ id: 'CP-S', securityProfile: 3 });
  await assertCertificateRefused('CP-S', 'server-not-client', /client authentication|purpose/i);
});

test('TC_087: a revoked client certificate is refused', async () => {
  const { app } = main;
  await app.ctx.services.stations.create({ id: 'CP-R', securityProfile: 3 });
  const cp = tlsCharger(app, 'CP-R', { wsOptions: withCert('revoked') });
  await cp.connect();
  assert.equal((await cp.boot({ chargePointSerialNumber: 'SERIAL-R' })).status, 'Accepted');
  await cp.close();
  // Revoked by the operator (the certificates service keeps the revocation list): refused from then on.
  await app.ctx.services.certificates.revoke({ serialNumber: new X509Certificate(pem['revoked.crt']).serialNumber, reason: 'key compromise' });
  await assertCertificateRefused('CP-R', 'revoked', /revoked/);
});

test('the built-in CA is trusted for station client certificates', async () => {
  const { app } = main;
  const builtin = (await app.ctx.services.certificates.trustedCaPems()).map((p) => new X509Certificate(p).fingerprint256);
  assert.ok(builtin.length > 0);
  const trusted = new Set(app.ctx.services.tls.trustedCas().map((c) => c.fingerprint256));
  for (const print of builtin) assert.ok(trusted.has(print), 'the built-in CA chain is in the trust list');
});

test('a profile-3 station cannot connect with another station\'s certificate', async () => {
  const { app, events } = main;
  // CP-B booted once with its own certificate: its serial number is SERIAL-B.
  await app.ctx.services.stations.create({ id: 'CP-B', securityProfile: 3 });
  const own = tlsCharger(app, 'CP-B', { wsOptions: withCert('cp-b') });
  await own.connect();
  assert.equal((await own.boot({ chargePointSerialNumber: 'SERIAL-B' })).status, 'Accepted');
  await own.close();
  // CP-A's certificate for CP-B: refused at the upgrade (CN SERIAL-A is not CP-B's serial number).
  await assertCertificateRefused('CP-B', 'cp-a', /CN "SERIAL-A" is not the station's serial number "SERIAL-B"/);

  // A station that never booted, with CP-A's certificate: the upgrade cannot tell yet, BootNotification does.
  await app.ctx.services.stations.create({ id: 'CP-NEW', securityProfile: 3 });
  const impostor = tlsCharger(app, 'CP-NEW', { wsOptions: withCert('cp-a') });
  await impostor.connect();
  const closed = new Promise<number>((resolve) => (impostor as any).ws.once('close', (code: number) => resolve(code)));
  assert.equal((await impostor.boot({ chargePointSerialNumber: 'SERIAL-NEW' })).status, 'Rejected');
  assert.equal(await closed, 1008, 'the connection is closed after the Rejected answer');
  await eventually(() => events.some((e) => e.stationId === 'CP-NEW'), 10_000, 'a security event for CP-NEW');
  assert.match(events.find((e) => e.stationId === 'CP-NEW')!.techInfo ?? '', /at BootNotification: .*CN "SERIAL-A" is not the station's serial number "SERIAL-NEW"/);
  assert.equal((await app.ctx.services.stations.get('CP-NEW'))?.charge_point_serial, null, 'the refused boot is not stored');

  // Nor by claiming CP-A's serial number: SERIAL-A belongs to CP-A (it booted with it in TC_087).
  const liar = tlsCharger(app, 'CP-NEW', { wsOptions: withCert('cp-a') });
  await liar.connect();
  assert.equal((await liar.boot({ chargePointSerialNumber: 'SERIAL-A' })).status, 'Rejected');
  await eventually(() => events.some((e) => e.stationId === 'CP-NEW' && /serial number of station CP-A/.test(e.techInfo ?? '')), 10_000, 'the takeover refused');
});

test('no downgrade: a profile-3 station is refused with a correct password and no certificate, and on plain ws (the 401 of a wrong password: nothing tells a scanner the id exists)', async () => {
  const { app, events } = main;
  await app.ctx.services.stations.create({ id: 'CP-3', password: PASSWORD, securityProfile: 3 });
  await assert.rejects(tlsCharger(app, 'CP-3', { password: PASSWORD }).connect(), refusedWith(401));
  await assert.rejects(app.charger('CP-3', { password: PASSWORD }).connect(), refusedWith(401));
  await assert.rejects(app.charger('CP-3', { password: PASSWORD, wsOptions: { headers: { 'x-forwarded-proto': 'https' } } }).connect(), refusedWith(401));
  // Profile 2 is still Basic auth over TLS: a client certificate alone does not do.
  await app.ctx.services.stations.create({ id: 'CP-2', password: PASSWORD, securityProfile: 2 });
  await assert.rejects(tlsCharger(app, 'CP-2', { wsOptions: withCert('cp-a') }).connect(), refusedWith(401));
  await assert.rejects(app.charger('CP-2', { password: PASSWORD }).connect(), refusedWith(401));
  assert.equal(events.filter((e) => e.stationId === 'CP-3' || e.stationId === 'CP-2').length, 0, 'no certificate, no certificate event');
});

const escaped = (name: string) => encodeURIComponent(pem[`${name}.crt`].toString());

test('behind a TLS-terminating proxy: the client certificate header counts only from a trusted proxy address', async () => {
  const { app, logs, events } = main;
  await app.ctx.services.stations.create({ id: 'CP-P', securityProfile: 3 });
  const viaProxy = (cert: string, localAddress = '127.0.0.2') => ({ wsOptions: { localAddress, headers: { 'x-ssl-client-cert': escaped(cert), 'x-forwarded-proto': 'https' } } });
  // From the trusted proxy (127.0.0.2) on the plain listener: admitted, the chain verified by Plugboard.
  const cp = app.charger('CP-P', viaProxy('cp-proxy'));
  await cp.connect();
  assert.equal((await cp.boot({ chargePointSerialNumber: 'SERIAL-P' })).status, 'Accepted');
  assert.equal(app.gateway.get('CP-P')?.certificate?.subject.CN, 'SERIAL-P');
  await cp.close();
  // The same header from any other address is ignored (and logged): no certificate, refused.
  await assert.rejects(app.charger('CP-P', viaProxy('cp-proxy', '127.0.0.1')).connect(), refusedWith(401));
  assert.ok(logs.some((l) => l.msg === 'client certificate header from an address that is not a trusted proxy: ignored' && l.chargePointId === 'CP-P'));
  assert.equal(events.filter((e) => e.stationId === 'CP-P').length, 0);

  // Forwarded certificates are checked like presented ones.
  for (const [id, cert, why] of [['CP-PE', 'expired', /expired/], ['CP-PF', 'foreign', /not issued by a trusted CA/], ['CP-PW', 'wrong-o', /subject O/]] as const) {
    await app.ctx.services.stations.create({ id, securityProfile: 3 });
    await assert.rejects(app.charger(id, viaProxy(cert)).connect(), refusedWith(401));
    await eventually(() => events.some((e) => e.stationId === id), 10_000, `a security event for ${id}`);
    assert.match(events.find((e) => e.stationId === id)!.techInfo ?? '', why);
  }
  // A profile-2 station behind the proxy: TLS ended at the proxy (X-Forwarded-Proto), Basic auth here.
  await app.ctx.services.stations.create({ id: 'CP-P2', password: PASSWORD, securityProfile: 2 });
  const p2 = app.charger('CP-P2', { password: PASSWORD, wsOptions: { localAddress: '127.0.0.2', headers: { 'x-forwarded-proto': 'https' } } });
  await p2.connect();
  await p2.close();
  await assert.rejects(app.charger('CP-P2', { password: PASSWORD, wsOptions: { localAddress: '127.0.0.2' } }).connect(), refusedWith(401));
});

test('trusted CAs can be added without a restart (the hook the built-in CA uses)', async (t) => {
  const { app } = main;
  await app.ctx.services.stations.create({ id: 'CP-F2', securityProfile: 3 });
  await assert.rejects(tlsCharger(app, 'CP-F2', { wsOptions: withCert('foreign') }).connect(), refusedWith(401));
  app.ctx.services.tls.setTrustedCas('test-ca', [pem['other-ca.crt'].toString()]);
  t.after(() => app.ctx.services.tls.setTrustedCas('test-ca', []));
  const cp = tlsCharger(app, 'CP-F2', { wsOptions: withCert('foreign') });
  await cp.connect();
  assert.equal((await cp.boot({ chargePointSerialNumber: 'SERIAL-F' })).status, 'Accepted');
  await cp.close();
  // Through the proxy header too (Plugboard's own chain check uses the same trusted CAs).
  await app.ctx.services.stations.create({ id: 'CP-F3', securityProfile: 3 });
  const proxied = app.charger('CP-F3', { wsOptions: { localAddress: '127.0.0.2', headers: { 'x-ssl-client-cert': escaped('foreign') } } });
  await proxied.connect();
  await proxied.close();
  app.ctx.services.tls.setTrustedCas('test-ca', []);
  await assert.rejects(tlsCharger(app, 'CP-F2', { wsOptions: withCert('foreign') }).connect(), refusedWith(401));
});

test('the server certificate and the CA file are reloaded without a restart when their files change', async (t) => {
  const files = mkdtempSync(join(tmpdir(), 'plugboard-tls-reload-'));
  t.after(() => rmSync(files, { recursive: true, force: true }));
  for (const name of ['server-rsa.crt', 'server-rsa.key', 'charger-ca.crt']) copyFileSync(join(dir, name), join(files, name));
  const { app, logs } = await securityApp(tlsConfig({ certFile: join(files, 'server-rsa.crt'), keyFile: join(files, 'server-rsa.key'), caFile: join(files, 'charger-ca.crt'), reloadIntervalSeconds: 1 }));
  t.after(() => app.cleanup());
  await app.ctx.services.stations.create({ id: 'CP-SUITE', password: PASSWORD, securityProfile: 2 });
  const servedSerial = async () => {
    const cp = tlsCharger(app, 'CP-SUITE', { password: PASSWORD });
    await cp.connect();
    const serial = new X509Certificate((cp as any).ws._socket.getPeerCertificate().raw).serialNumber;
    await cp.close();
    return serial;
  };
  const oldSerial = new X509Certificate(pem['server-rsa.crt']).serialNumber;
  const newSerial = new X509Certificate(pem['server-rsa-new.crt']).serialNumber;
  assert.equal(await servedSerial(), oldSerial);
  // A half-done replacement (new certificate, old key) is not taken: the old pair stays in use.
  writeFileSync(join(files, 'server-rsa.crt'), pem['server-rsa-new.crt']);
  await eventually(() => logs.some((l) => l.msg === 'new TLS files are not usable: keeping the certificate in use'), 30_000, 'the mismatch noticed');
  assert.equal(await servedSerial(), oldSerial);
  writeFileSync(join(files, 'server-rsa.key'), pem['server-rsa-new.key']);
  await eventually(() => logs.some((l) => l.msg === 'TLS certificate files reloaded'), 30_000, 'the reload');
  assert.equal(await servedSerial(), newSerial);

  // The CA file: another CA appended, its stations are trusted from then on.
  await app.ctx.services.stations.create({ id: 'CP-F', securityProfile: 3 });
  await assert.rejects(tlsCharger(app, 'CP-F', { wsOptions: withCert('foreign') }).connect(), refusedWith(401));
  writeFileSync(join(files, 'charger-ca.crt'), Buffer.concat([pem['charger-ca.crt'], pem['other-ca.crt']]));
  await eventually(() => logs.filter((l) => l.msg === 'TLS certificate files reloaded').length >= 2, 30_000, 'the CA reload');
  const cp = tlsCharger(app, 'CP-F', { wsOptions: withCert('foreign') });
  await cp.connect();
  await cp.close();
});
