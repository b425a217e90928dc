// Keys, CSRs and CAs made by the openssl CLI, as a station's or an operator's tooling makes them,
// so tests never check Plugboard's X.509 code against itself. Files go to a temp folder per call.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeySpec = 'ec-p256' | 'ec-p384' | 'ec-secp256k1' | 'rsa-2048' | 'rsa-1024';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-pki-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A private key in PEM. */
export function opensslKey(spec: KeySpec): string {
  if (spec.startsWith('rsa-')) return openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec.slice(4)}`]);
  const curve = spec === 'ec-p256' ? 'prime256v1' : spec === 'ec-p384' ? 'secp384r1' : 'secp256k1';
  return openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`]);
}

/** A PKCS#10 CSR (PEM) for `subject` in openssl's /CN=.../O=... form. */
export function opensslCsr(keyPem: string, subject: string): string {
  return withDir((dir) => {
    writeFileSync(join(dir, 'k.pem'), keyPem);
    return openssl(['req', '-new', '-key', join(dir, 'k.pem'), '-subj', subject]);
  });
}

/** The same CSR with one byte of its signature changed. */
export function corruptCsrSignature(csrPem: string): string {
  const der = Buffer.from(csrPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 3] ^= 0x01;
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64.trim()}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** A self-signed CA certificate for `keyPem` (openssl req -x509), valid `days`. */
export function opensslCa(keyPem: string, subject: string, days = 30): string {
  return withDir((dir) => {
    writeFileSync(join(dir, 'k.pem'), keyPem);
    return openssl(['req', '-x509', '-new', '-key', join(dir, 'k.pem'), '-subj', subject, '-days', String(days), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  });
}

/** openssl verify of `leafPem` against `caPem` (-purpose sslclient); the output, or throws. */
export function opensslVerify(caPem: string, leafPem: string, untrusted?: string): string {
  return withDir((dir) => {
    writeFileSync(join(dir, 'ca.pem'), caPem);
    writeFileSync(join(dir, 'leaf.pem'), leafPem);
    const extra = untrusted ? (writeFileSync(join(dir, 'u.pem'), untrusted), ['-untrusted', join(dir, 'u.pem')]) : [];
    return openssl(['verify', '-purpose', 'sslclient', '-CAfile', join(dir, 'ca.pem'), ...extra, join(dir, 'leaf.pem')]);
  });
}

/** The DER of a certificate field as openssl prints it (e.g. -issuer / -subject with -nameopt RFC2253). */
export function opensslX509Text(pem: string): string {
  return openssl(['x509', '-noout', '-text'], pem);
}

export function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}
