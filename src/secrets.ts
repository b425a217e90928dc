// Hashing of secrets that callers present (charger passwords now, API keys later).
// scrypt with a per-secret random salt; stored as `scrypt$N$r$p$salt$hash` (base64url) so the
// cost can be raised later without invalidating existing hashes.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// N=2^14 is the usual interactive-login cost (~15-40 ms on one core). A reconnect storm of
// thousands of chargers would queue on libuv's 4 threads, so the stations service keeps an
// in-memory cache of already verified credentials (see verified-credentials.ts).
const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 32;

// At most two scrypt runs in libuv's thread pool at once (it has four threads, first in first
// out, shared with file reads, DNS lookups, compression): a reconnect storm of
// password-protected chargers after a restart (thousands of scrypt checks, ~17 ms each here)
// would otherwise queue all of those behind every one of them. (The WAL fsync that database
// writes wait for has threads of its own, ADR 0007.) Two threads of scrypt is also all the CPU
// a 2-core machine has to give it.
const MAX_SCRYPT_IN_POOL = 2;
let scryptRunning = 0;
const scryptWaiting: Array<() => void> = [];

async function scryptAsync(secret: Buffer, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  // A finishing run hands its slot straight to the next waiter.
  if (scryptRunning < MAX_SCRYPT_IN_POOL) scryptRunning++;
  else await new Promise<void>((resolve) => scryptWaiting.push(resolve));
  try {
    return await new Promise<Buffer>((resolve, reject) => scrypt(secret, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))));
  } finally {
    const next = scryptWaiting.shift();
    if (next) next();
    else scryptRunning--;
  }
}

export async function hashSecret(secret: string | Buffer): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(Buffer.from(secret), salt, KEY_LEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string | Buffer, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltText, keyText] = parts;
  const expected = Buffer.from(keyText, 'base64url');
  const key = await scryptAsync(Buffer.from(secret), Buffer.from(saltText, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A well-formed scrypt hash (same cost as hashSecret) that no secret matches: verifying a password
 * against it costs what a real check costs, so an unknown identity is answered in the time a known
 * one with a wrong password takes (no timing tell about which identities exist).
 */
export function unmatchableHash(): string {
  return `scrypt$${N}$${R}$${P}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LEN).toString('base64url')}`;
}
