// Everything X.509 the certificates module does, on @peculiar/x509 over node's WebCrypto (ADR
// 0010): read and verify CSRs (RSA and EC), issue station certificates, make a CA, and the
// OCPP certificateHashData of a certificate. The library needs a Reflect metadata polyfill
// (tsyringe inside it); it is imported here, before the library, and nowhere else.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeCertificate, type KeyObject } from 'node:crypto';

type Algorithm = webcrypto.Algorithm;
type CryptoKey = webcrypto.CryptoKey;
import { certificateFields, csrSubject, serialHex } from './der.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export type KeyKind = 'rsa' | 'ec-p256' | 'ec-p384';
export type CaKeyType = 'ecdsa-p256' | 'rsa-3072' | 'rsa-2048';
export type HashAlgorithm = 'SHA256' | 'SHA384' | 'SHA512';

export interface CertificateHashData {
  hashAlgorithm: HashAlgorithm;
  issuerNameHash: string;
  issuerKeyHash: string;
  serialNumber: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text, in order, each normalised to one PEM block ending in a newline. */
export function pemCertificates(text: string): string[] {
  return (text.match(PEM_CERT) ?? []).map((p) => `${p.trim()}\n`);
}

export function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** What Plugboard records of a certificate. */
export interface CertificateInfo {
  pem: string;
  serialNumber: string;
  /** SHA-256 of the DER, lower-case hex without separators */
  fingerprint256: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
}

export function certificateInfo(pem: string): CertificateInfo {
  const c = new NodeCertificate(pem);
  const fields = certificateFields(c.raw);
  return {
    pem,
    serialNumber: serialHex(fields.serial),
    fingerprint256: normalizeFingerprint(c.fingerprint256),
    subject: c.subject.split('\n').join(', '),
    issuer: c.issuer.split('\n').join(', '),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    selfSigned: fields.issuer.equals(fields.subject) && c.checkIssued(c) && c.verify(c.publicKey),
  };
}

/** node:tls spells fingerprints AA:BB:..; stored and compared as aabb... */
export function normalizeFingerprint(f: string): string {
  return f.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
}

/** node:tls spells serials in upper case, sometimes with leading zeros; stored as lower-case hex without them. */
export function normalizeSerial(s: string): string {
  const hex = s.replace(/[^0-9a-fA-F]/g, '').toLowerCase().replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

const HASHES: Record<HashAlgorithm, string> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

/**
 * OCPP certificateHashData (Security Whitepaper, CertificateHashDataType): hashes of the
 * issuer's DER name and of the issuer's public key (the BIT STRING's bytes, as in an OCSP
 * CertID), and the serial number in hex. `issuerPem` is the issuer's certificate; for a
 * self-signed root it is the certificate itself. Without it, issuerKeyHash is null.
 */
export function hashDataOf(pem: string, algorithm: HashAlgorithm, issuerPem?: string): { hashAlgorithm: HashAlgorithm; issuerNameHash: string; issuerKeyHash: string | null; serialNumber: string } {
  const own = certificateFields(pemToDer(pem));
  const h = (b: Buffer) => createHash(HASHES[algorithm]).update(b).digest('hex');
  const info = issuerPem ? null : certificateInfo(pem);
  const issuerKey = issuerPem ? certificateFields(pemToDer(issuerPem)).publicKeyBits : info!.selfSigned ? own.publicKeyBits : null;
  return { hashAlgorithm: algorithm, issuerNameHash: h(own.issuer), issuerKeyHash: issuerKey ? h(issuerKey) : null, serialNumber: serialHex(own.serial) };
}

// --- CSRs ---------------------------------------------------------------------------------

export interface ParsedCsr {
  pem: string;
  /** CN and O as the subject holds them (several values: an array) */
  subject: { CN?: string | string[]; O?: string | string[] };
  subjectText: string;
  /** the subject's DER, copied as is into the certificate */
  subjectDer: Buffer;
  keyKind: KeyKind | null;
  /** RSA modulus bits, or the curve's size */
  keyBits: number | null;
  publicKey: x509.PublicKey;
  /** SHA-256 of the SubjectPublicKeyInfo, hex: what ties a signed chain back to its CSR */
  publicKeyHash: string;
}

export class CsrError extends Error {}

const one = (v: string[]): string | string[] | undefined => (v.length === 0 ? undefined : v.length === 1 ? v[0] : v);

/** Parses a PEM PKCS#10 request and verifies its signature; CsrError says what is wrong. */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem.trim());
  } catch (err) {
    throw new CsrError(`the CSR is not a PEM PKCS#10 request (${(err as Error).message})`);
  }
  let valid: boolean;
  try {
    valid = await csr.verify();
  } catch (err) {
    throw new CsrError(`the CSR's signature cannot be checked (${(err as Error).message})`);
  }
  if (!valid) throw new CsrError("the CSR's signature does not verify with its public key");
  const alg = csr.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  let keyKind: KeyKind | null = null;
  let keyBits: number | null = null;
  if (alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS' || alg.name === 'RSA-OAEP') {
    keyKind = 'rsa';
    keyBits = alg.modulusLength ?? null;
  } else if (alg.name === 'ECDSA' || alg.name === 'ECDH') {
    if (alg.namedCurve === 'P-256') [keyKind, keyBits] = ['ec-p256', 256];
    else if (alg.namedCurve === 'P-384') [keyKind, keyBits] = ['ec-p384', 384];
  }
  return {
    pem,
    subject: { CN: one(csr.subjectName.getField('CN')), O: one(csr.subjectName.getField('O')) },
    subjectText: csr.subject,
    subjectDer: csrSubject(Buffer.from(csr.rawData)),
    keyKind,
    keyBits,
    publicKey: csr.publicKey,
    publicKeyHash: createHash('sha256').update(Buffer.from(csr.publicKey.rawData)).digest('hex'),
  };
}

/** Why the key type or size is not acceptable (RSA ≥ 2048 bits, EC P-256 or P-384), or null. */
export function keyProblem(csr: ParsedCsr): string | null {
  if (csr.keyKind === 'rsa') return csr.keyBits !== null && csr.keyBits >= 2048 ? null : `an RSA key of ${csr.keyBits ?? 'unknown'} bits (at least 2048 are required)`;
  if (csr.keyKind === 'ec-p256' || csr.keyKind === 'ec-p384') return null;
  const alg = csr.publicKey.algorithm as { name: string; namedCurve?: string };
  return `a ${alg.name}${alg.namedCurve ? ` ${alg.namedCurve}` : ''} key (RSA of at least 2048 bits, or EC P-256 or P-384 are accepted)`;
}

/** SHA-256 of a certificate's SubjectPublicKeyInfo, to compare with ParsedCsr.publicKeyHash. */
export function publicKeyHashOf(pem: string): string {
  return createHash('sha256').update(certificateFields(pemToDer(pem)).spki).digest('hex');
}

// --- the CA -------------------------------------------------------------------------------

export interface SigningCa {
  /** the CA certificate, then any certificates above it (as the CA file held them) */
  chainPems: string[];
  key: KeyObject;
}

function signingAlgorithm(key: KeyObject): { import: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; sign: Algorithm & { hash?: string } } {
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { import: alg, sign: alg };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { import: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
    if (curve === 'secp384r1') return { import: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } };
    throw new Error(`the CA key's curve ${curve} is not supported (P-256 or P-384)`);
  }
  throw new Error(`the CA key is ${key.asymmetricKeyType}; RSA or EC keys are supported`);
}

async function webKey(key: KeyObject): Promise<{ key: CryptoKey; sign: Algorithm }> {
  const alg = signingAlgorithm(key);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return { key: await webcrypto.subtle.importKey('pkcs8', der, alg.import, false, ['sign']), sign: alg.sign };
}

/** A random positive serial of 16 bytes (RFC 5280: at most 20 octets, CA/B: at least 64 random bits). */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  if (b[0] === 0) b[0] = 0x01;
  return b.toString('hex');
}

export interface IssueParams {
  ca: SigningCa;
  csr: ParsedCsr;
  now: Date;
  validityDays: number;
}

/**
 * A station certificate for the CSR: the CSR's subject and key, the issuer copied byte for
 * byte from the CA certificate's subject, a validity that never leaves the CA's, keyUsage
 * digitalSignature plus keyAgreement (EC) or keyEncipherment (RSA), extendedKeyUsage
 * clientAuth, a random serial. Throws when the CA is not valid now.
 */
export async function issueCertificate(p: IssueParams): Promise<CertificateInfo> {
  const caPem = p.ca.chainPems[0];
  const caNode = new NodeCertificate(caPem);
  const caFields = certificateFields(caNode.raw);
  const caFrom = new Date(caNode.validFrom);
  const caTo = new Date(caNode.validTo);
  // Back-dated a little for station clocks that run behind, never before the CA.
  const notBefore = new Date(Math.max(p.now.getTime() - 5 * 60_000, caFrom.getTime()));
  const notAfter = new Date(Math.min(p.now.getTime() + p.validityDays * 86_400_000, caTo.getTime()));
  if (notAfter <= p.now || caFrom > p.now) throw new Error(`the CA certificate is not valid now (valid ${caFrom.toISOString()} to ${caTo.toISOString()})`);
  const ca = new x509.X509Certificate(caPem);
  const signing = await webKey(p.ca.key);
  const usage = x509.KeyUsageFlags.digitalSignature | (p.csr.keyKind === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.keyAgreement);
  const caSki = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    issuer: new x509.Name(new Uint8Array(caFields.subject)),
    subject: new x509.Name(new Uint8Array(p.csr.subjectDer)),
    notBefore,
    notAfter,
    publicKey: p.csr.publicKey,
    signingKey: signing.key,
    signingAlgorithm: signing.sign,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([CLIENT_AUTH]),
      await x509.SubjectKeyIdentifierExtension.create(p.csr.publicKey),
      caSki ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId) : await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return certificateInfo(cert.toString('pem') + '\n');
}

/** A new self-signed CA certificate and key for the built-in CA. */
export async function generateCa(keyType: CaKeyType, subject: string, now: Date, validityDays: number): Promise<{ certPem: string; keyPem: string }> {
  const alg =
    keyType === 'ecdsa-p256'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: keyType === 'rsa-3072' ? 3072 : 2048 };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + validityDays * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { certPem: cert.toString('pem') + '\n', keyPem };
}

/** Whether `pem` is signed by the first certificate of `caPems` (or any of them) and valid at `at`. */
export function verifiesAgainst(pem: string, caPems: string[], at: Date): boolean {
  const leaf = new NodeCertificate(pem);
  if (new Date(leaf.validFrom) > at || new Date(leaf.validTo) < at) return false;
  return caPems.some((ca) => {
    const c = new NodeCertificate(ca);
    return leaf.checkIssued(c) && leaf.verify(c.publicKey);
  });
}
