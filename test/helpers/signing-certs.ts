// Firmware signing keys and certificates for tests, made with the openssl command line
// (node:crypto cannot issue a certificate): self-signed ones, and ones from a small CA with any
// validity dates (an expired certificate). Files are written 0600 into `dir`.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SigningPair {
  keyFile: string;
  certificateFile: string;
  keyPem: string;
  certificatePem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKeyArgs(type: 'ec' | 'rsa'): string[] {
  return type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
}

function pairOf(keyFile: string, certificateFile: string): SigningPair {
  chmodSync(keyFile, 0o600);
  return { keyFile, certificateFile, keyPem: readFileSync(keyFile, 'utf8'), certificatePem: readFileSync(certificateFile, 'utf8') };
}

/** A self-signed firmware signing certificate valid for `days` from now. */
export function selfSignedPair(dir: string, name: string, type: 'ec' | 'rsa' = 'ec', days = 30): SigningPair {
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, `${name}.key`);
  const certificateFile = join(dir, `${name}.pem`);
  openssl(['req', '-x509', ...newKeyArgs(type), '-nodes', '-keyout', keyFile, '-out', certificateFile, '-days', String(days), '-subj', `/O=Plugboard tests/CN=${name}`], dir);
  return pairOf(keyFile, certificateFile);
}

/** A certificate issued by a throwaway CA with the given validity (YYYYMMDDHHMMSSZ), e.g. one that expired in 2021. */
export function pairWithDates(dir: string, name: string, startDate: string, endDate: string, type: 'ec' | 'rsa' = 'ec'): SigningPair {
  const caDir = join(dir, `${name}-ca`);
  mkdirSync(join(caDir, 'db'), { recursive: true });
  writeFileSync(join(caDir, 'db', 'index'), '');
  writeFileSync(join(caDir, 'db', 'serial'), '1000\n');
  writeFileSync(
    join(caDir, 'ca.cnf'),
    '[ca]\ndefault_ca = c\n[c]\ndatabase = db/index\nserial = db/serial\nnew_certs_dir = db\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n',
  );
  openssl(['req', '-x509', ...newKeyArgs('ec'), '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '36500', '-subj', '/CN=test firmware CA'], caDir);
  const keyFile = join(dir, `${name}.key`);
  const certificateFile = join(dir, `${name}.pem`);
  openssl(['req', '-new', ...newKeyArgs(type), '-nodes', '-keyout', keyFile, '-out', join(caDir, 'req.csr'), '-subj', `/CN=${name}`], caDir);
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'req.csr', '-out', certificateFile, '-startdate', startDate, '-enddate', endDate, '-notext'], caDir);
  return pairOf(keyFile, certificateFile);
}
