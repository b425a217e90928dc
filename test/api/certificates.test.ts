// The certificates API: an external CA (CSR pending, event certificate.csr_received, chain posted
// and sent), revocation routes, the inventory kept by the generic /ocpp/{action} endpoint too,
// and what is refused (422, 409, 400).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { openssl, opensslCa, opensslCsr, opensslKey } from '../helpers/openssl-pki.ts';
import { certificateStation, chargerHashData } from '../e2e/certificate-station.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';

let app: TestApp;
const events: PlugboardEvent[] = [];
before(async () => {
  app = await startOpenApp({ certificates: { signer: 'external', renewalCheckIntervalSeconds: 0 } });
  app.ctx.bus.subscribe((e) => events.push(e));
});
after(() => app.cleanup());

/** The external CA: openssl signs the CSR with its own CA (openssl x509 -req). */
function externalCa() {
  const key = opensslKey('ec-p256');
  const ca = opensslCa(key, '/O=External CA/CN=External Station CA', 100);
  return {
    ca,
    sign(csr: string): string {
      const dir = mkdtempSync(join(tmpdir(), 'plugboard-extca-'));
      try {
        writeFileSync(join(dir, 'ca.pem'), ca);
        writeFileSync(join(dir, 'ca.key'), key);
        writeFileSync(join(dir, 'ext.cnf'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyAgreement\n');
        return openssl(['x509', '-req', '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '30', '-extfile', join(dir, 'ext.cnf')], csr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

test('external signer: the CSR waits as pending with an event; the posted chain goes out with CertificateSigned', async () => {
  const ext = externalCa();
  const st = certificateStation({ serialNumber: 'SN-EXT' });
  const cp = await st.connect(app, 'EXT-1');
  assert.deepEqual(await st.signCertificate(), { status: 'Accepted' });
  const ev = await eventually(() => events.find((e) => e.type === 'certificate.csr_received' && e.stationId === 'EXT-1'), 15_000, 'csr event');
  assert.ok(ev.type === 'certificate.csr_received');
  const pending = await app.request('GET', '/api/v1/certificate-requests?status=pending&stationId=EXT-1');
  assert.equal(pending.body.items.length, 1);
  assert.equal(pending.body.items[0].id, ev.requestId);
  assert.equal(cp.received.filter((r) => r.action === 'CertificateSigned').length, 0, 'nothing sent before the CA answers');
  // A chain for another key is refused.
  const wrong = ext.sign(opensslCsr(opensslKey('ec-p256'), '/CN=SN-EXT'));
  const refused = await app.request('POST', `/api/v1/certificate-requests/${ev.requestId}/certificate`, { body: { certificateChain: wrong } });
  assert.equal(refused.status, 422, refused.text);
  assert.match(refused.body.message, /public key/);
  // A chain for the CSR's key but another station's subject is refused too (it would be refused at connect).
  const otherSubject = ext.sign(opensslCsr(st.keyPem, '/CN=SN-SOMEONE-ELSE'));
  const misbound = await app.request('POST', `/api/v1/certificate-requests/${ev.requestId}/certificate`, { body: { certificateChain: otherSubject } });
  assert.equal(misbound.status, 422, misbound.text);
  assert.match(misbound.body.message, /does not belong to station EXT-1/);
  const leaf = ext.sign(ev.csr);
  const posted = await app.request('POST', `/api/v1/certificate-requests/${ev.requestId}/certificate`, { body: { certificateChain: leaf + ext.ca } });
  assert.equal(posted.status, 200, posted.text);
  assert.equal(posted.body.status, 'Accepted');
  assert.equal(st.chains.length, 1);
  assert.equal(new X509Certificate(st.chains[0].split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----').checkIssued(new X509Certificate(ext.ca)), true);
  const req = await app.request('GET', `/api/v1/certificate-requests/${ev.requestId}`);
  assert.equal(req.body.status, 'accepted');
  const again = await app.request('POST', `/api/v1/certificate-requests/${ev.requestId}/certificate`, { body: { certificateChain: leaf } });
  assert.equal(again.status, 409, again.text);
  const issued = await app.request('GET', '/api/v1/stations/EXT-1/certificates/issued');
  assert.equal(issued.body.items[0].signer, 'external');
  assert.equal(issued.body.items[0].status, 'valid');
  // Revoking it through the API makes isRevoked true.
  const revoked = await app.request('POST', `/api/v1/certificates/issued/${issued.body.items[0].id}/revoke`, { body: { reason: 'decommissioned' } });
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.body.status, 'revoked');
  const x = new X509Certificate(leaf);
  assert.equal(await app.ctx.services.certificates.isRevoked({ serialNumber: x.serialNumber, fingerprint256: x.fingerprint256 }), true);
  const ca = await app.request('GET', '/api/v1/certificates/ca');
  assert.deepEqual(ca.body, { signer: 'external', source: null, certificate: null, certificatePem: null, chainPem: null });
});

test('revoke any certificate by fingerprint or serial; neither is a 422, a malformed one a 400', async () => {
  const other = new X509Certificate(opensslCa(opensslKey('ec-p256'), '/CN=any', 1));
  const r = await app.request('POST', '/api/v1/certificates/revocations', { body: { fingerprint256: other.fingerprint256, reason: 'stolen' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.fingerprint256, other.fingerprint256.replaceAll(':', '').toLowerCase());
  assert.equal(await app.ctx.services.certificates.isRevoked({ serialNumber: other.serialNumber, fingerprint256: other.fingerprint256 }), true);
  const list = await app.request('GET', '/api/v1/certificates/revocations');
  assert.ok(list.body.items.some((i: { id: number }) => i.id === r.body.id));
  const none = await app.request('POST', '/api/v1/certificates/revocations', { body: { reason: 'x' } });
  assert.equal(none.status, 422, none.text);
  const bad = await app.request('POST', '/api/v1/certificates/revocations', { body: { serialNumber: 'zz' } });
  assert.equal(bad.status, 400, bad.text);
  const read = await app.request('POST', '/api/v1/certificates/revocations', { body: { serialNumber: '01' }, key: null });
  assert.equal(read.status, 401);
});

test('the generic /ocpp/{action} endpoint keeps the inventory too (InstallCertificate, GetInstalledCertificateIds, DeleteCertificate)', async () => {
  const st = certificateStation({ serialNumber: 'SN-GEN', hashAlgorithm: 'SHA512' });
  await st.connect(app, 'GEN-1');
  const pem = opensslCa(opensslKey('ec-p256'), '/CN=Generic Root', 10);
  const inst = await app.request('POST', '/api/v1/stations/GEN-1/ocpp/InstallCertificate', { body: { certificateType: 'ManufacturerRootCertificate', certificate: pem } });
  assert.equal(inst.status, 200, inst.text);
  let inv = await app.request('GET', '/api/v1/stations/GEN-1/certificates/installed');
  assert.equal(inv.body.items.length, 1);
  assert.equal(inv.body.items[0].hashAlgorithm, 'SHA256', 'computed by Plugboard until the station reports');
  assert.equal(inv.body.items[0].reportedAt, null);
  await app.request('POST', '/api/v1/stations/GEN-1/ocpp/GetInstalledCertificateIds', { body: { certificateType: 'ManufacturerRootCertificate' } });
  inv = await app.request('GET', '/api/v1/stations/GEN-1/certificates/installed');
  assert.equal(inv.body.items.length, 1, 'the same entry, now as the station reports it');
  assert.equal(inv.body.items[0].hashAlgorithm, 'SHA512');
  assert.equal(inv.body.items[0].pem, pem);
  const del = await app.request('POST', '/api/v1/stations/GEN-1/ocpp/DeleteCertificate', { body: { certificateHashData: chargerHashData(pem, 'SHA512') } });
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.status, 'Accepted');
  inv = await app.request('GET', '/api/v1/stations/GEN-1/certificates/installed');
  assert.deepEqual(inv.body.items, []);
});

test('an install that is not one PEM certificate is a 422 and nothing is sent', async () => {
  const st = certificateStation({ serialNumber: 'SN-BAD' });
  const cp = await st.connect(app, 'BAD-1');
  const r = await app.request('POST', '/api/v1/stations/BAD-1/certificates/installed', { body: { certificateType: 'CentralSystemRootCertificate', certificate: 'hello' } });
  assert.equal(r.status, 422, r.text);
  const t = await app.request('POST', '/api/v1/stations/BAD-1/certificates/installed', { body: { certificateType: 'SomethingElse', certificate: 'x' } });
  assert.equal(t.status, 400, t.text);
  assert.match(t.body.message, /CentralSystemRootCertificate, ManufacturerRootCertificate/);
  assert.equal(cp.received.filter((x) => x.action === 'InstallCertificate').length, 0);
  const unknown = await app.request('POST', '/api/v1/stations/NOPE/certificates/installed', { body: { certificateType: 'CentralSystemRootCertificate', certificate: opensslCa(opensslKey('ec-p256'), '/CN=r', 1) } });
  assert.equal(unknown.status, 404, unknown.text);
});
