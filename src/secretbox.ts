// Encryption at rest for secrets Plugboard must be able to use again (webhook signing secrets),
// unlike passwords and API keys, which are only ever verified and so are stored hashed.
// AES-256-GCM under one instance key kept in a file of its own (config.secretKeyFile), created
// with mode 0600 on first start. Losing the file makes the stored secrets unreadable; copying
// the database without it discloses nothing.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12; // the GCM standard nonce size (NIST SP 800-38D §8.2)
const TAG_BYTES = 16;
const VERSION = 'v1';

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

function parseKey(text: string, path: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`${path} must hold ${KEY_BYTES} random bytes, base64-encoded (found ${key.length} bytes)`);
  return key;
}

/**
 * Reads the instance key, creating it (32 random bytes, base64, mode 0600, directory 0700)
 * when the file does not exist. `onWarning` hears about a key file others may read.
 */
export function loadOrCreateKey(path: string, onWarning: (message: string) => void = () => {}): Buffer {
  try {
    const key = parseKey(readFileSync(path, 'utf8'), path);
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      onWarning(`${path} is readable by other users: chmod 600 it`);
    }
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    // 'wx': if another process created it in the meantime, use theirs rather than overwrite it.
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseKey(readFileSync(path, 'utf8'), path);
    throw err;
  }
  try {
    const key = randomBytes(KEY_BYTES);
    writeSync(fd, `${key.toString('base64')}\n`);
    // The umask may have narrowed the mode further, never widened it; make it exact anyway.
    chmodSync(path, 0o600);
    return key;
  } finally {
    closeSync(fd);
  }
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`the key must be ${KEY_BYTES} bytes`);
    this.#key = key;
  }

  static fromKeyFile(path: string, onWarning?: (message: string) => void): SecretBox {
    return new SecretBox(loadOrCreateKey(path, onWarning));
  }

  /**
   * `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` is bound as additional authenticated
   * data: a sealed value copied to another purpose (or row) does not open there.
   */
  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed secret');
    const [, iv, tag, ct] = parts.map((p) => Buffer.from(p, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the secret does not open with this instance key (wrong key file, or tampered data)');
    }
  }
}
