// Firmware signatures (Security Whitepaper, SignedUpdateFirmware; ADR 0011), with node:crypto
// only. The signature is the base64 of a signature over the whole image file with SHA-256:
// RSA PKCS#1 v1.5 for an RSA key, ECDSA (DER-encoded) for an EC key, which is what
// `openssl dgst -sha256 -sign key.pem -out sig.bin image.bin` makes and what chargers check
// with `openssl dgst -sha256 -verify`. The signing certificate is sent with it (PEM); the
// charger verifies the signature with the certificate's public key before installing.
import { createPrivateKey, createSign, createVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { InvalidFirmwareRequestError, SigningCertificateRefusedError, SigningKeyUnusableError, SigningNotConfiguredError } from './errors.ts';

/** SignedUpdateFirmware's schema bounds (firmware.signature, firmware.signingCertificate). */
export const MAX_SIGNATURE_CHARS = 800;
export const MAX_CERTIFICATE_CHARS = 5500;

const KEY_TYPES: ReadonlySet<string> = new Set(['rsa', 'ec']);

export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** hex, upper case, as node:crypto and node:tls give it */
  serialNumber: string;
  /** SHA-256 fingerprint AA:BB:... */
  fingerprint256: string;
  validFrom: string;
  validTo: string;
  keyType: string;
}

/** The PEM certificate the operator gave, parsed; InvalidFirmwareRequestError when it is not one. */
export function parseSigningCertificate(pem: string): X509Certificate {
  const text = pem.trim();
  if (text.length > MAX_CERTIFICATE_CHARS) throw new InvalidFirmwareRequestError(`signingCertificate is limited to ${MAX_CERTIFICATE_CHARS} characters (SignedUpdateFirmware), got ${text.length}`);
  if (!/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(text) || text.split('-----BEGIN CERTIFICATE-----').length !== 2) {
    throw new InvalidFirmwareRequestError('signingCertificate must be one PEM X.509 certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(text);
  } catch (err) {
    throw new InvalidFirmwareRequestError(`signingCertificate is not a valid X.509 certificate: ${(err as Error).message}`);
  }
  const type = cert.publicKey.asymmetricKeyType ?? 'unknown';
  if (!KEY_TYPES.has(type)) throw new InvalidFirmwareRequestError(`signingCertificate has a ${type} key: RSA or EC (ECDSA) keys are supported`);
  return cert;
}

export function certificateInfo(cert: X509Certificate): CertificateInfo {
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    issuer: cert.issuer.replaceAll('\n', ', '),
    serialNumber: cert.serialNumber.toUpperCase(),
    fingerprint256: cert.fingerprint256,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    keyType: cert.publicKey.asymmetricKeyType ?? 'unknown',
  };
}

/** The base64 signature the operator gave, decoded; InvalidFirmwareRequestError when it is not base64. */
export function decodeSignature(signature: string): Buffer {
  const text = signature.trim();
  if (text.length > MAX_SIGNATURE_CHARS) throw new InvalidFirmwareRequestError(`signature is limited to ${MAX_SIGNATURE_CHARS} base64 characters (SignedUpdateFirmware), got ${text.length}`);
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new InvalidFirmwareRequestError('signature must be base64 (A-Z a-z 0-9 + /, padded with =): the signature bytes over the image, encoded');
  }
  return Buffer.from(text, 'base64');
}

/**
 * Refuses a certificate that must not be sent: outside its validity, or revoked (the
 * certificates service). SigningCertificateRefusedError says which.
 */
export async function checkCertificateUsable(cert: X509Certificate, now: Date, isRevoked: (c: { serialNumber: string; fingerprint256: string }) => Promise<boolean>): Promise<void> {
  const info = certificateInfo(cert);
  if (Date.parse(info.validTo) <= now.getTime()) throw new SigningCertificateRefusedError('expired', `the signing certificate (serial ${info.serialNumber}) expired at ${info.validTo}: sign the firmware again with a valid certificate`);
  if (Date.parse(info.validFrom) > now.getTime()) throw new SigningCertificateRefusedError('not_yet_valid', `the signing certificate (serial ${info.serialNumber}) is not valid before ${info.validFrom}`);
  if (await isRevoked({ serialNumber: info.serialNumber, fingerprint256: info.fingerprint256 })) {
    throw new SigningCertificateRefusedError('revoked', `the signing certificate (serial ${info.serialNumber}) is revoked: sign the firmware again with another certificate`);
  }
}

/** Signs the file at `path` (streamed) with SHA-256; base64. */
export async function signFile(path: string, key: KeyObject): Promise<string> {
  const signer = createSign('sha256');
  for await (const chunk of createReadStream(path)) signer.update(chunk as Buffer);
  return signer.sign(key).toString('base64');
}

/** True when `signature` is a SHA-256 signature of the file at `path` (streamed) by the certificate's key. */
export async function verifyFile(path: string, cert: X509Certificate, signature: Buffer): Promise<boolean> {
  const verifier = createVerify('sha256');
  for await (const chunk of createReadStream(path)) verifier.update(chunk as Buffer);
  try {
    return verifier.verify(cert.publicKey, signature);
  } catch {
    // A malformed DER ECDSA signature throws rather than answering false.
    return false;
  }
}

export interface SigningSettings {
  keyFile: string | null;
  certificateFile: string | null;
}

export interface SigningKey {
  key: KeyObject;
  certificate: X509Certificate;
  certificatePem: string;
}

/**
 * Reads the configured signing key and certificate (at each use, so a renewed pair is picked
 * up without a restart). Refused: not configured, a key file group or others may read (it must
 * be readable by Plugboard only, like secret.key), a key type other than RSA or EC, or a
 * certificate that is not the key's.
 */
export async function loadSigningKey(settings: SigningSettings): Promise<SigningKey> {
  if (!settings.keyFile || !settings.certificateFile) throw new SigningNotConfiguredError();
  let keyText: string;
  let certText: string;
  try {
    const st = await stat(settings.keyFile);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new SigningKeyUnusableError(
        `the firmware signing key file ${settings.keyFile} may be read by others (mode ${(st.mode & 0o777).toString(8)}): make it readable by Plugboard only (chmod 600)`,
      );
    }
    keyText = await readFile(settings.keyFile, 'utf8');
    certText = await readFile(settings.certificateFile, 'utf8');
  } catch (err) {
    if (err instanceof SigningKeyUnusableError) throw err;
    throw new SigningKeyUnusableError(`cannot read the firmware signing key or certificate: ${(err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch (err) {
    throw new SigningKeyUnusableError(`the firmware signing key file ${settings.keyFile} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!KEY_TYPES.has(key.asymmetricKeyType ?? '')) throw new SigningKeyUnusableError(`the firmware signing key is ${key.asymmetricKeyType}: use an RSA or EC (P-256, P-384) key`);
  let certificate: X509Certificate;
  try {
    certificate = parseSigningCertificate(certText);
  } catch (err) {
    throw new SigningKeyUnusableError(`the firmware signing certificate file ${settings.certificateFile}: ${(err as Error).message}`);
  }
  if (!certificate.checkPrivateKey(key)) throw new SigningKeyUnusableError(`the firmware signing certificate ${settings.certificateFile} is not the certificate of the key ${settings.keyFile}`);
  return { key, certificate, certificatePem: certText.trim() };
}
