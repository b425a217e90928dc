// Remembers which (station, password) pairs passed the slow scrypt check, so that a charger
// reconnecting again and again (or thousands at once after a network blip) costs one hash
// comparison instead of one scrypt each. Keyed by the stored hash: a changed password (new
// hash, from any process) misses the cache and is verified afresh.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const processKey = randomBytes(32);

function digest(password: Buffer): Buffer {
  return createHmac('sha256', processKey).update(password).digest();
}

export class VerifiedCredentials {
  #entries = new Map<string, { storedHash: string; digest: Buffer }>();

  has(stationId: string, storedHash: string, password: Buffer): boolean {
    const entry = this.#entries.get(stationId);
    return entry !== undefined && entry.storedHash === storedHash && timingSafeEqual(entry.digest, digest(password));
  }

  remember(stationId: string, storedHash: string, password: Buffer): void {
    this.#entries.set(stationId, { storedHash, digest: digest(password) });
  }

  forget(stationId: string): void {
    this.#entries.delete(stationId);
  }
}
