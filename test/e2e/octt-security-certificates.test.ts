// The OCTT 1.6 central-system test cases of the Security Whitepaper's certificate management
// (ocpp-checklist.md §4.2: TC_074, TC_075_1, TC_075_2, TC_076), replayed against a real
// Plugboard with its built-in CA. The charge point (test/e2e/certificate-station.ts) makes its
// key and CSR with the openssl CLI and computes certificate hashes itself, as a real one does;
// the operator acts through the REST API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startOpenApp, startTestApp, type TestApp } from '../helpers/app.ts';
import { openssl, opensslCa, opensslKey, opensslVerify } from '../helpers/openssl-pki.ts';
import { certificateStation, chargerHashData } from './certificate-station.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp({ certificates: { renewalCheckIntervalSeconds: 0 } });
});
after(() => app.cleanup());

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/**
 * A TLS app where profile 3 works: client certificates requested, a self-signed server
 * certificate made by openssl, and the operator's station CA (openssl, ECDSA P-256) as both the
 * built-in CA's key and certificate (certificates.caCertFile/caKeyFile) and the listener's trusted
 * client CA (ocpp.tls.caFile, which the profile upgrade asks for).
 */
async function startTlsApp(): Promise<{ tls: TestApp; serverCert: Buffer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-octt-certs-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  const caKey = opensslKey('ec-p256');
  writeFileSync(join(dir, 'station-ca.key'), caKey, { mode: 0o600 });
  writeFileSync(join(dir, 'station-ca.crt'), opensslCa(caKey, '/O=Plugboard Test CPO/CN=Station CA', 30));
  const tls = await startTestApp({
    config: {
      ocpp: { tls: { host: '127.0.0.1', port: 0, certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'station-ca.crt'), requestClientCert: true } },
      certificates: { caCertFile: join(dir, 'station-ca.crt'), caKeyFile: join(dir, 'station-ca.key'), renewalCheckIntervalSeconds: 0 },
    },
  });
  return { tls, serverCert: readFileSync(join(dir, 'server.crt')), dir };
}

const PASSWORD = 'station-password-0123456789';

test('TC_074_CSMS Update Charge Point Certificate by request of CS', async (t) => {
  const { tls, serverCert, dir } = await startTlsApp();
  t.after(async () => {
    await tls.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const id = 'TC_074';
  assert.equal((await tls.request('POST', '/api/v1/stations', { body: { id, password: PASSWORD, securityProfile: 2 } })).status, 201);
  const st = certificateStation({ serialNumber: 'SN-TC074' });
  const url = tls.ocppTlsUrl()!;
  const cp = await st.connect(tls, id, {
    url,
    password: PASSWORD,
    wsOptions: { ca: serverCert },
    handlers: { ...st.handlers, ChangeConfiguration: () => ({ status: 'Accepted' }), Reset: () => ({ status: 'Accepted' }) },
  });
  // The operator asks the station to renew its certificate.
  const asked = await tls.request('POST', `/api/v1/stations/${id}/certificates/renew`);
  assert.equal(asked.status, 200, asked.text);
  assert.equal(asked.body.status, 'Accepted');
  const trigger = cp.received.find((r) => r.action === 'ExtendedTriggerMessage');
  assert.deepEqual(trigger?.payload, { requestedMessage: 'SignChargePointCertificate' }, 'connectorId omitted');
  // SignCertificate.conf Accepted, then CertificateSigned with a chain signed by the CA.
  await eventually(() => st.csrAnswers[0], 15_000, 'SignCertificate answered');
  assert.deepEqual(st.csrAnswers[0], { status: 'Accepted' });
  const chain = await eventually(() => st.chains[0], 15_000, 'CertificateSigned');
  const order = cp.received.map((r) => r.action).filter((a) => a === 'ExtendedTriggerMessage' || a === 'CertificateSigned');
  assert.deepEqual(order, ['ExtendedTriggerMessage', 'CertificateSigned']);
  const pems = chain.match(PEM)!;
  assert.ok(pems.length >= 1 && chain.length <= 10_000);
  const leaf = new X509Certificate(pems[0]);
  assert.match(leaf.subject, /CN=SN-TC074/);
  const ca = await tls.request('GET', '/api/v1/certificates/ca');
  assert.equal(ca.status, 200, ca.text);
  assert.match(opensslVerify(ca.body.certificatePem, pems[0], pems.slice(1).join('') || undefined), /OK/);
  const issued = await tls.request('GET', `/api/v1/stations/${id}/certificates/issued`);
  assert.equal(issued.body.items[0].serialNumber, leaf.serialNumber.toLowerCase().replace(/^0+/, ''));

  // The station moves to profile 3 and reconnects with the new client certificate: accepted.
  const upgrade = await tls.request('POST', `/api/v1/stations/${id}/security-profile-upgrade`, { body: { targetProfile: 3 } });
  assert.equal(upgrade.status, 200, upgrade.text);
  assert.equal(upgrade.body.status, 'Accepted', upgrade.text);
  await cp.closed();
  const back = tls.charger(id, { url, wsOptions: { ca: serverCert, cert: chain, key: st.keyPem } });
  await back.connect();
  assert.equal((await back.boot({ chargePointSerialNumber: 'SN-TC074' })).status, 'Accepted');
  await back.close();
  // Revoked, the same certificate no longer gets in.
  assert.equal((await tls.request('POST', `/api/v1/certificates/issued/${issued.body.items[0].id}/revoke`, { body: {} })).status, 200);
  const revoked = tls.charger(id, { url, wsOptions: { ca: serverCert, cert: chain, key: st.keyPem } });
  await assert.rejects(revoked.connect(), /40\d/);
});

/** A root certificate as a CPO or manufacturer has one (openssl, self-signed). */
function rootCertificate(cn: string): string {
  return opensslCa(opensslKey('ec-p256'), `/O=Root Org/CN=${cn}`, 365);
}

for (const [caseId, type] of [
  ['TC_075_1', 'ManufacturerRootCertificate'],
  ['TC_075_2', 'CentralSystemRootCertificate'],
] as const) {
  const title = type === 'ManufacturerRootCertificate' ? 'ManufacturerRootCertificate' : 'CentralSystemRootCertificate';
  test(`${caseId}_CSMS Install certificate – ${title}`, async () => {
    const id = caseId;
    const st = certificateStation({ serialNumber: `SN-${caseId}` });
    const cp = await st.connect(app, id);
    const pem = rootCertificate(`${type} ${caseId}`);
    const inst = await app.request('POST', `/api/v1/stations/${id}/certificates/installed`, { body: { certificateType: type, certificate: pem } });
    assert.equal(inst.status, 200, inst.text);
    assert.equal(inst.body.status, 'Accepted');
    const sent = cp.received.find((r) => r.action === 'InstallCertificate');
    assert.deepEqual(sent?.payload, { certificateType: type, certificate: pem });
    // Then GetInstalledCertificateIds for that type: the station lists it, the inventory shows it.
    const refresh = await app.request('POST', `/api/v1/stations/${id}/certificates/installed/refresh`, { body: { certificateType: type } });
    assert.equal(refresh.status, 200, refresh.text);
    assert.deepEqual(refresh.body.statuses, { [type]: 'Accepted' });
    assert.deepEqual(cp.received.filter((r) => r.action === 'GetInstalledCertificateIds').map((r) => r.payload), [{ certificateType: type }]);
    const inv = await app.request('GET', `/api/v1/stations/${id}/certificates/installed`);
    assert.equal(inv.body.items.length, 1);
    const item = inv.body.items[0];
    const theirs = st.installed.map((i) => i.pem);
    assert.deepEqual(theirs, [pem]);
    assert.equal(item.certificateType, type);
    assert.equal(item.pem, pem);
    assert.ok(item.reportedAt && item.installedAt);
    assert.equal(item.serialNumber, new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+/, ''));
  });
}

test('TC_076_CSMS Delete a specific certificate', async () => {
  const id = 'TC_076';
  // The station reports its hashes with SHA384: DeleteCertificate must use the same (M04.FR.07).
  const st = certificateStation({ serialNumber: 'SN-TC076', hashAlgorithm: 'SHA384' });
  const cp = await st.connect(app, id);
  const keep = rootCertificate('keep');
  const drop = rootCertificate('drop');
  for (const pem of [keep, drop]) {
    const r = await app.request('POST', `/api/v1/stations/${id}/certificates/installed`, { body: { certificateType: 'CentralSystemRootCertificate', certificate: pem } });
    assert.equal(r.body.status, 'Accepted', r.text);
  }
  // GetInstalledCertificateIds first, as the OCTT does.
  const refresh = await app.request('POST', `/api/v1/stations/${id}/certificates/installed/refresh`, { body: { certificateType: 'CentralSystemRootCertificate' } });
  assert.equal(refresh.status, 200, refresh.text);
  const target = refresh.body.items.find((i: { pem: string | null }) => i.pem === drop);
  assert.ok(target, 'the inventory knows which entry is which');
  assert.equal(target.hashAlgorithm, 'SHA384');
  const del = await app.request('DELETE', `/api/v1/stations/${id}/certificates/installed/${target.id}`);
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.status, 'Accepted');
  const sent = cp.received.filter((r) => r.action === 'DeleteCertificate').map((r) => r.payload);
  // The hash fields the charger recomputes from the certificate with its own algorithm.
  assert.deepEqual(sent, [{ certificateHashData: chargerHashData(drop, 'SHA384') }]);
  assert.deepEqual(st.installed.map((i) => i.pem), [keep]);
  const inv = await app.request('GET', `/api/v1/stations/${id}/certificates/installed`);
  assert.deepEqual(inv.body.items.map((i: { pem: string }) => i.pem), [keep]);
  // The last Central System root is not deleted without force.
  const last = await app.request('DELETE', `/api/v1/stations/${id}/certificates/installed/${inv.body.items[0].id}`);
  assert.equal(last.status, 409, last.text);
  assert.match(last.body.message, /only CentralSystemRootCertificate/);
  assert.equal(cp.received.filter((r) => r.action === 'DeleteCertificate').length, 1);
});
