// The X.509 layer of the certificates module (src/modules/certificates/x509.ts) against CSRs and
// CAs made by the openssl CLI: EC and RSA CSRs are read and verified, bad ones refused with the
// reason, and an issued certificate carries the CA's subject byte for byte as its issuer, a
// validity inside the CA's, the client-auth usages, and verifies with openssl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsrError, hashDataOf, issueCertificate, keyProblem, parseCsr, certificateInfo, pemCertificates } from '../../src/modules/certificates/x509.ts';
import { certificateFields } from '../../src/modules/certificates/der.ts';
import { subjectCheck } from '../../src/modules/certificates/binding.ts';
import { corruptCsrSignature, openssl, opensslCa, opensslCsr, opensslKey, opensslVerify, opensslX509Text } from '../helpers/openssl-pki.ts';

const SUBJECT = '/CN=SN-0001/O=Plugboard Test';

test('reads and verifies an EC P-256 CSR made by openssl', async () => {
  const csr = await parseCsr(opensslCsr(opensslKey('ec-p256'), SUBJECT));
  assert.equal(csr.keyKind, 'ec-p256');
  assert.deepEqual(csr.subject, { CN: 'SN-0001', O: 'Plugboard Test' });
  assert.equal(keyProblem(csr), null);
  assert.equal(subjectCheck(csr.subject, { id: 'CP1', serialNumber: 'SN-0001' }, { commonName: 'serialNumber', organization: 'Plugboard Test' }).problem, null);
});

test('reads EC P-384 and RSA 2048 CSRs', async () => {
  const p384 = await parseCsr(opensslCsr(opensslKey('ec-p384'), SUBJECT));
  assert.equal(p384.keyKind, 'ec-p384');
  assert.equal(keyProblem(p384), null);
  const rsa = await parseCsr(opensslCsr(opensslKey('rsa-2048'), SUBJECT));
  assert.equal(rsa.keyKind, 'rsa');
  assert.equal(rsa.keyBits, 2048);
  assert.equal(keyProblem(rsa), null);
});

test('a CSR whose signature does not verify is refused', async () => {
  for (const spec of ['ec-p256', 'rsa-2048'] as const) {
    const bad = corruptCsrSignature(opensslCsr(opensslKey(spec), SUBJECT));
    await assert.rejects(parseCsr(bad), (err: Error) => err instanceof CsrError && /signature/.test(err.message), spec);
  }
});

test('a small RSA key and an unsupported curve are refused; garbage is not a CSR', async () => {
  const small = await parseCsr(opensslCsr(opensslKey('rsa-1024'), SUBJECT));
  assert.match(keyProblem(small) ?? '', /1024 bits \(at least 2048/);
  // WebCrypto has no secp256k1: the CSR is refused one way or the other, never signed.
  const k1 = await parseCsr(opensslCsr(opensslKey('ec-secp256k1'), SUBJECT)).then(keyProblem, (e: Error) => e.message);
  assert.ok(k1 !== null && k1.length > 0);
  await assert.rejects(parseCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), CsrError);
  await assert.rejects(parseCsr('hello'), CsrError);
});

test('a wrong subject is a problem for the binding rule', async () => {
  const csr = await parseCsr(opensslCsr(opensslKey('ec-p256'), '/CN=SN-9999/O=Plugboard Test'));
  assert.match(subjectCheck(csr.subject, { id: 'CP1', serialNumber: 'SN-0001' }, { commonName: 'serialNumber', organization: null }).problem ?? '', /SN-9999/);
});

async function issueWith(caSpec: 'ec-p256' | 'rsa-2048', leafSpec: 'ec-p256' | 'rsa-2048', caDays: number, validityDays: number) {
  const caKey = opensslKey(caSpec);
  // Mixed string types in the CA's subject (PrintableString C, UTF8String O with a non-ASCII
  // letter): a re-encoded name would differ from the CA's subject bytes.
  const caPem = opensslCa(caKey, '/C=DE/O=Opérateur CA/CN=Station CA', caDays);
  const csr = await parseCsr(opensslCsr(opensslKey(leafSpec), SUBJECT));
  const leaf = await issueCertificate({ ca: { chainPems: pemCertificates(caPem), key: createPrivateKey(caKey) }, csr, now: new Date(), validityDays });
  return { caPem, leaf };
}

test('an issued certificate: issuer byte for byte the CA subject, validity within the CA, client-auth usages, verifies with openssl', async () => {
  for (const [caSpec, leafSpec] of [['ec-p256', 'ec-p256'], ['rsa-2048', 'rsa-2048'], ['ec-p256', 'rsa-2048']] as const) {
    const { caPem, leaf } = await issueWith(caSpec, leafSpec, 30, 365);
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(leaf.pem);
    assert.ok(certificateFields(cert.raw).issuer.equals(certificateFields(ca.raw).subject), 'issuer DER equals the CA subject DER');
    assert.ok(new Date(cert.validFrom) >= new Date(ca.validFrom), 'starts inside the CA');
    assert.equal(new Date(cert.validTo).getTime(), new Date(ca.validTo).getTime(), 'a 365-day certificate from a 30-day CA ends with the CA');
    const text = opensslX509Text(leaf.pem);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, (Key Agreement|Key Encipherment)/);
    assert.match(text, leafSpec === 'rsa-2048' ? /Key Encipherment/ : /Key Agreement/);
    assert.match(text, /TLS Web Client Authentication/);
    assert.match(text, /CA:FALSE/);
    assert.match(opensslVerify(caPem, leaf.pem), /OK/);
    assert.match(leaf.serialNumber, /^[0-9a-f]{20,32}$/);
  }
});

test('serials are random, validity follows validityDays inside a long-lived CA', async () => {
  const a = await issueWith('ec-p256', 'ec-p256', 3650, 10);
  const b = await issueWith('ec-p256', 'ec-p256', 3650, 10);
  assert.notEqual(a.leaf.serialNumber, b.leaf.serialNumber);
  const days = (new Date(a.leaf.notAfter).getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 9.9 && days <= 10, `about 10 days, got ${days}`);
});

test('certificateHashData equals the CertID openssl computes (issuer name and key hashes, serial), for each hash algorithm', () => {
  const root = opensslCa(opensslKey('ec-p256'), '/C=DE/O=Root Org/CN=Root', 10);
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-ocsp-'));
  try {
    writeFileSync(join(dir, 'root.pem'), root);
    for (const [alg, flag] of [['SHA256', '-sha256'], ['SHA384', '-sha384'], ['SHA512', '-sha512']] as const) {
      const out = openssl(['ocsp', flag, '-issuer', join(dir, 'root.pem'), '-cert', join(dir, 'root.pem'), '-no_nonce', '-req_text', '-reqout', join(dir, 'req.der')]);
      // openssl wraps long values with a backslash at the end of the line.
      const flat = out.replace(/\\\n/g, '');
      const field = (name: string) => flat.match(new RegExp(`${name}: ([0-9A-F]+)`))![1].toLowerCase();
      const h = hashDataOf(root, alg);
      assert.equal(h.issuerNameHash, field('Issuer Name Hash'), alg);
      assert.equal(h.issuerKeyHash, field('Issuer Key Hash'), alg);
      assert.equal(h.serialNumber, field('Serial Number').replace(/^0+/, ''), alg);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(certificateInfo(root).selfSigned, true);
});
