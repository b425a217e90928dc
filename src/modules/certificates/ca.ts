// The built-in CA's certificate and key: an operator's files (certificates.caCertFile and
// caKeyFile), or a CA Plugboard generates on first use into certificates.caDirectory (default:
// a `ca` folder beside secretKeyFile): ca.key written 0600 in a 0700 folder, ca.pem beside it.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { Config } from '../../config.ts';
import { certificateInfo, generateCa, pemCertificates, type CertificateInfo } from './x509.ts';

export interface CaState {
  /** the CA certificate first, then any certificates above it */
  chainPems: string[];
  key: KeyObject;
  info: CertificateInfo;
  source: 'generated' | 'configured';
  certFile: string;
  keyFile: string;
}

export class CaConfigError extends Error {}

export function caDirectory(config: Config): string {
  return resolve(config.certificates.caDirectory ?? join(dirname(config.secretKeyFile), 'ca'));
}

function warnIfReadable(path: string, warn: (m: string) => void): void {
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) warn(`${path} is readable by other users: chmod 600 it`);
}

function load(certFile: string, keyFile: string, source: CaState['source'], warn: (m: string) => void): CaState {
  const chainPems = pemCertificates(readFileSync(certFile, 'utf8'));
  if (chainPems.length === 0) throw new CaConfigError(`${certFile} holds no PEM certificate`);
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(keyFile));
  } catch (err) {
    throw new CaConfigError(`${keyFile}: not a readable private key (${(err as Error).message})`);
  }
  warnIfReadable(keyFile, warn);
  const cert = new X509Certificate(chainPems[0]);
  const certKey = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(certKey)) throw new CaConfigError(`${keyFile} is not the key of the certificate in ${certFile}`);
  if (!cert.ca) throw new CaConfigError(`${certFile}: the certificate is not a CA certificate (basicConstraints CA:TRUE)`);
  return { chainPems, key, info: certificateInfo(chainPems[0]), source, certFile, keyFile };
}

/** Loads the configured or generated CA, generating one when there is none yet. */
export async function loadOrCreateCa(config: Config, now: Date, warn: (m: string) => void): Promise<CaState> {
  const c = config.certificates;
  if (c.caCertFile !== null && c.caKeyFile !== null) return load(resolve(c.caCertFile), resolve(c.caKeyFile), 'configured', warn);
  const dir = caDirectory(config);
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) return load(certFile, keyFile, 'generated', warn);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const made = await generateCa(c.caKeyType, c.caSubject, now, c.caValidityDays);
  let fd: number;
  try {
    // 'wx': another process that made its CA in the meantime wins; use theirs.
    fd = openSync(keyFile, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      if (!existsSync(certFile)) throw new CaConfigError(`${keyFile} exists without ${certFile}: restore the certificate or remove the key`);
      return load(certFile, keyFile, 'generated', warn);
    }
    throw err;
  }
  try {
    writeSync(fd, made.keyPem);
    chmodSync(keyFile, 0o600);
  } finally {
    closeSync(fd);
  }
  const tmp = `${certFile}.tmp`;
  writeFileSync(tmp, made.certPem, { mode: 0o644 });
  renameSync(tmp, certFile);
  return load(certFile, keyFile, 'generated', warn);
}
