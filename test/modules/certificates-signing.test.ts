// SignCertificate -> CertificateSigned through a real Plugboard with the built-in CA: the CSR
// checks (Rejected with a security event), the generated CA's files, the chain a station gets,
// revocation (isRevoked), renewal before expiry, an operator's own CA, an RSA CA.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { corruptCsrSignature, opensslCa, opensslCsr, opensslKey, opensslVerify, opensslX509Text } from '../helpers/openssl-pki.ts';
import { certificateStation } from '../e2e/certificate-station.ts';
import { caDirectory } from '../../src/modules/certificates/ca.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';

let app: TestApp;
const events: PlugboardEvent[] = [];
before(async () => {
  app = await startOpenApp({ certificates: { renewalCheckIntervalSeconds: 0 } });
  app.ctx.bus.subscribe((e) => events.push(e));
});
after(() => app.cleanup());

const certs = () => app.ctx.services.certificates;

test('a valid EC CSR is Accepted, signed by the generated CA, and sent as a chain leaf first', async () => {
  const st = certificateStation({ serialNumber: 'SN-SIGN-1' });
  await st.connect(app, 'SIGN-1');
  assert.deepEqual(await st.signCertificate(), { status: 'Accepted' });
  const chain = await eventually(() => st.chains[0], 15_000, 'CertificateSigned');
  const pems = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
  assert.equal(pems.length, 2, 'leaf, then the CA');
  const leaf = new X509Certificate(pems[0]);
  assert.match(leaf.subject, /CN=SN-SIGN-1/);
  assert.ok(leaf.publicKey.export({ type: 'spki', format: 'der' }).equals(new X509Certificate(opensslLeafFromKey(st.keyPem)).publicKey.export({ type: 'spki', format: 'der' })));
  const info = await certs().caInfo();
  assert.equal(info.source, 'generated');
  assert.match(opensslVerify(info.chain[0], pems[0]), /OK/);
  assert.ok(chain.length <= 10_000);
  // Recorded: issued certificate and the request's outcome.
  const issued = await certs().listIssued({ stationId: 'SIGN-1' });
  assert.equal(issued.length, 1);
  assert.equal(issued[0].fingerprint256, leaf.fingerprint256.replaceAll(':', '').toLowerCase());
  assert.equal(issued[0].pem.trim(), pems[0].trim());
  await eventually(async () => (await certs().listRequests({ stationId: 'SIGN-1' }))[0]?.status === 'accepted', 15_000, 'request accepted');
  // The generated CA's key is the owner's only.
  const dir = caDirectory(app.config);
  assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o077, 0);
  assert.equal((await certs().trustedCaPems())[0], info.chain[0]);
});

/** A throwaway self-signed certificate for a key, to read its public key back the way openssl does. */
function opensslLeafFromKey(keyPem: string): string {
  return opensslCa(keyPem, '/CN=x', 1);
}

for (const [name, make, why] of [
  ['wrong subject CN', () => opensslCsr(opensslKey('ec-p256'), '/CN=SOMEONE-ELSE'), /CN "SOMEONE-ELSE" is not the station's serial number/],
  ['bad signature', () => corruptCsrSignature(opensslCsr(opensslKey('ec-p256'), '/CN=SN-REJ')), /signature/],
  ['RSA 1024 key', () => opensslCsr(opensslKey('rsa-1024'), '/CN=SN-REJ'), /1024 bits/],
  ['not a CSR', () => 'not a csr at all', /not a PEM PKCS#10/],
] as const) {
  test(`a CSR with ${name} is Rejected with a security event, and nothing is signed`, async () => {
    const id = `REJ-${name.replace(/\W+/g, '-')}`;
    const st = certificateStation({ serialNumber: 'SN-REJ' });
    await st.connect(app, id);
    const from = events.length;
    assert.deepEqual(await st.signCertificate(make()), { status: 'Rejected' });
    const ev = events.slice(from).find((e) => e.type === 'security.event' && e.stationId === id);
    assert.ok(ev && ev.type === 'security.event');
    assert.equal(ev.source, 'csms');
    assert.match(ev.techInfo ?? '', why);
    assert.deepEqual(await certs().listIssued({ stationId: id }), []);
    assert.deepEqual(await certs().listRequests({ stationId: id }), []);
  });
}

test('an RSA 2048 CSR is signed too, with keyEncipherment', async () => {
  const st = certificateStation({ serialNumber: 'SN-RSA', keySpec: 'rsa-2048' });
  await st.connect(app, 'SIGN-RSA');
  assert.deepEqual(await st.signCertificate(), { status: 'Accepted' });
  const chain = await eventually(() => st.chains[0], 15_000, 'CertificateSigned');
  const leafPem = chain.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n';
  assert.match(opensslVerify((await certs().caInfo()).chain[0], leafPem), /OK/);
  assert.match(opensslX509Text(leafPem), /Digital Signature, Key Encipherment/);
});

test('a revoked certificate is revoked for isRevoked (node:tls spelling), by id, serial or fingerprint', async () => {
  const st = certificateStation({ serialNumber: 'SN-REV' });
  await st.connect(app, 'REV-1');
  await st.signCertificate();
  await eventually(() => st.chains[0], 15_000, 'CertificateSigned');
  const [issued] = await certs().listIssued({ stationId: 'REV-1' });
  const presented = { serialNumber: issued.serial_number.toUpperCase(), fingerprint256: issued.fingerprint256.toUpperCase().match(/../g)!.join(':') };
  assert.equal(await certs().isRevoked(presented), false);
  await certs().revokeIssued(issued.id, 'key compromise');
  assert.equal(await certs().isRevoked(presented), true);
  assert.equal(await certs().isRevoked({ serialNumber: issued.serial_number, fingerprint256: 'AA:BB' }), true, 'by serial');
  // Any certificate, by fingerprint only.
  const other = new X509Certificate(opensslCa(opensslKey('ec-p256'), '/CN=other', 1));
  const o = { serialNumber: other.serialNumber, fingerprint256: other.fingerprint256 };
  assert.equal(await certs().isRevoked(o), false);
  await certs().revoke({ fingerprint256: other.fingerprint256, reason: 'test' });
  assert.equal(await certs().isRevoked(o), true);
  assert.equal(await certs().isRevoked({ serialNumber: other.serialNumber, fingerprint256: '00' }), false, 'the fingerprint alone was revoked');
});

test('revocations survive a restart (loaded at start)', async () => {
  const second = await startOpenApp({ certificates: { renewalCheckIntervalSeconds: 0 } });
  try {
    await second.ctx.services.certificates.revoke({ serialNumber: '0A0B0C' });
    await second.ctx.services.certificates.stop();
    // A new service over the same database.
    const { createCertificatesService } = await import('../../src/modules/certificates/service.ts');
    const fresh = createCertificatesService(second.ctx);
    await fresh.start();
    assert.equal(await fresh.isRevoked({ serialNumber: 'A0B0C', fingerprint256: '' }), true);
    await fresh.stop();
  } finally {
    await second.cleanup();
  }
});

test('renewal: a station whose certificate expires within renewBeforeDays is asked with ExtendedTriggerMessage SignChargePointCertificate (no connectorId)', async () => {
  const st = certificateStation({ serialNumber: 'SN-RENEW' });
  const cp = await st.connect(app, 'RENEW-1');
  await st.signCertificate();
  await eventually(() => st.chains[0], 15_000, 'first chain');
  // The 365-day certificate is due once the horizon is longer than that.
  const saved = app.config.certificates.renewBeforeDays;
  app.config.certificates.renewBeforeDays = 400;
  try {
    // Every connected station with a certificate from this file is due; RENEW-1 among them.
    assert.ok((await certs().checkRenewals()) >= 1);
    const trigger = cp.received.find((r) => r.action === 'ExtendedTriggerMessage');
    assert.deepEqual(trigger?.payload, { requestedMessage: 'SignChargePointCertificate' });
    await eventually(() => st.chains[1], 15_000, 'renewed chain');
    // Asked once: the new certificate is the latest and the old one is not asked about again today.
    app.config.certificates.renewBeforeDays = 1;
    assert.equal(await certs().checkRenewals(), 0);
  } finally {
    app.config.certificates.renewBeforeDays = saved;
  }
});

test('an operator-provided RSA CA signs, and its subject is the issuer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-opca-'));
  const key = opensslKey('rsa-2048');
  const caPem = opensslCa(key, '/C=NL/O=Operator/CN=Operator Station CA', 100);
  writeFileSync(join(dir, 'ca.pem'), caPem);
  writeFileSync(join(dir, 'ca.key'), key, { mode: 0o600 });
  const op = await startOpenApp({ certificates: { caCertFile: join(dir, 'ca.pem'), caKeyFile: join(dir, 'ca.key'), renewalCheckIntervalSeconds: 0 } });
  try {
    const st = certificateStation({ serialNumber: 'SN-OP' });
    await st.connect(op, 'OP-1');
    assert.deepEqual(await st.signCertificate(), { status: 'Accepted' });
    const chain = await eventually(() => st.chains[0], 15_000, 'CertificateSigned');
    const leafPem = chain.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n';
    assert.match(opensslVerify(caPem, leafPem), /OK/);
    assert.equal(new X509Certificate(leafPem).issuer, new X509Certificate(caPem).subject);
    assert.equal((await op.ctx.services.certificates.caInfo()).source, 'configured');
  } finally {
    await op.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('certificates.caKeyType rsa-2048 generates an RSA CA', async () => {
  const rsa = await startOpenApp({ certificates: { caKeyType: 'rsa-2048', renewalCheckIntervalSeconds: 0 } });
  try {
    const info = await rsa.ctx.services.certificates.caInfo();
    assert.equal(new X509Certificate(info.chain[0]).publicKey.asymmetricKeyType, 'rsa');
    assert.ok(new X509Certificate(info.chain[0]).ca);
  } finally {
    await rsa.cleanup();
  }
});

test('certificates config: caCertFile and caKeyFile go together; the signer is builtin or external', async () => {
  const { loadConfig, ConfigError } = await import('../../src/config.ts');
  assert.throws(() => loadConfig({ env: {}, overrides: { certificates: { caCertFile: '/x/ca.pem' } } }), (e: Error) => e instanceof ConfigError && /both or neither/.test(e.message));
  assert.throws(() => loadConfig({ env: { PLUGBOARD_CERTIFICATES_SIGNER: 'someone' } }), /certificates.signer/);
  assert.equal(loadConfig({ env: { PLUGBOARD_CERTIFICATES_SIGNER: 'external', PLUGBOARD_CERTIFICATES_RENEW_BEFORE_DAYS: '10' } }).certificates.renewBeforeDays, 10);
});

test("the chain stays within the station's CertificateSignedMaxChainSize once it reported one (leaf only when the CA does not fit)", async () => {
  const st = certificateStation({ serialNumber: 'SN-SMALL' });
  st.handlers!.GetConfiguration = () => ({ configurationKey: [{ key: 'CertificateSignedMaxChainSize', readonly: true, value: '1200' }], unknownKey: [] });
  await st.connect(app, 'SMALL-1');
  await app.ctx.services.stations.sendCommand('SMALL-1', 'GetConfiguration', { key: ['CertificateSignedMaxChainSize'] });
  assert.deepEqual(await st.signCertificate(), { status: 'Accepted' });
  const chain = await eventually(() => st.chains[0], 15_000, 'CertificateSigned');
  assert.equal(chain.match(/BEGIN CERTIFICATE/g)?.length, 1, `leaf only (${chain.length} characters)`);
  assert.ok(chain.length <= 1200);
});

test('the CSR subject follows ocpp.security.certificateSubject: O checked when configured, CN = station id when chosen', async () => {
  const strict = await startOpenApp({ ocpp: { security: { certificateSubject: { commonName: 'stationId', organization: 'Plugboard Test CPO' } } }, certificates: { renewalCheckIntervalSeconds: 0 } });
  try {
    const good = certificateStation({ serialNumber: 'SN-X', subject: '/O=Plugboard Test CPO/CN=BYID-1' });
    await good.connect(strict, 'BYID-1');
    assert.deepEqual(await good.signCertificate(), { status: 'Accepted' });
    const noOrg = certificateStation({ serialNumber: 'SN-X', subject: '/CN=BYID-2' });
    await noOrg.connect(strict, 'BYID-2');
    assert.deepEqual(await noOrg.signCertificate(), { status: 'Rejected' });
  } finally {
    await strict.cleanup();
  }
});
