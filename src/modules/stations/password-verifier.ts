// Keyed password verifiers (ADR 0008): a charger's password checked with one HMAC instead of a
// scrypt run, so 10,000 chargers reconnecting after a restart are back in seconds, without a
// stolen database helping anyone guess: the key is derived from the instance key file
// (config secretKeyFile, ADR 0005), which is not in the database. With the database alone a
// verifier is a MAC under an unknown 256-bit key: no offline guessing at all (the scrypt hash
// beside it is what it always was).
//
// Stored as `v1$<keyId>$<hashTag>$<mac>` (base64url):
// - keyId names the key: a verifier made under another instance key (the key file was replaced)
//   is not usable, and the scrypt hash decides (and a new verifier is written after it);
// - hashTag is a digest of the scrypt hash the verifier was made beside: a password changed by
//   any path that wrote only the hash leaves a verifier that no longer belongs, and is ignored;
// - mac = HMAC-SHA256(key, stationId NUL password): bound to the station, so a verifier copied to
//   another row does not verify there.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
const KEY_LABEL = 'plugboard station password verifier v1';

export type VerifierCheck = 'match' | 'mismatch' | 'unusable';

export class PasswordVerifier {
  readonly #key: Buffer;
  readonly #keyId: string;
  #dummy: string | null = null;

  /** `instanceKey`: the 32-byte key of the instance key file; the verifier key is derived from it (domain-separated from the secret box). */
  constructor(instanceKey: Buffer) {
    this.#key = createHmac('sha256', instanceKey).update(KEY_LABEL).digest();
    this.#keyId = createHmac('sha256', this.#key).update('key id').digest().subarray(0, 6).toString('base64url');
  }

  #mac(stationId: string, password: Buffer | string): Buffer {
    return createHmac('sha256', this.#key).update(stationId, 'utf8').update('\0').update(password).digest();
  }

  /** The verifier to store beside `passwordHash` (the scrypt hash of the same password). */
  make(stationId: string, password: Buffer | string, passwordHash: string): string {
    return [VERSION, this.#keyId, hashTag(passwordHash), this.#mac(stationId, password).toString('base64url')].join('$');
  }

  /** Whether `password` is the one `stored` was made for; 'unusable' when it cannot tell (no verifier, other key, other hash). */
  check(stationId: string, password: Buffer, passwordHash: string, stored: string | null): VerifierCheck {
    if (stored === null) return 'unusable';
    const parts = stored.split('$');
    if (parts.length !== 4 || parts[0] !== VERSION || parts[1] !== this.#keyId || parts[2] !== hashTag(passwordHash)) return 'unusable';
    const expected = Buffer.from(parts[3], 'base64url');
    const actual = this.#mac(stationId, password);
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? 'match' : 'mismatch';
  }

  /** The same work as a check, matching nothing: an unknown identity costs what a known one does. */
  dummyCheck(stationId: string, password: Buffer): void {
    this.#dummy ??= this.make('', randomBytes(32), DUMMY_HASH);
    this.check(stationId, password, DUMMY_HASH, this.#dummy);
  }
}

const DUMMY_HASH = 'scrypt$dummy';

function hashTag(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest().subarray(0, 6).toString('base64url');
}
