// Limits on failed upgrades at the charger door (issue 11): per client address (any refused
// upgrade) and per identity (refused credentials). Counted in fixed windows, in memory, bounded
// in the number of keys, so a flood of made-up addresses or identities cannot grow it without
// end. The gateway does not refuse a throttled upgrade by itself: it tells the authenticate
// callback (AuthRequest.throttled), which may still accept a credential it can check cheaply
// (a known-good one), so an attacker hammering a charger's identity from elsewhere, or sharing
// its address behind a NAT, does not lock the real charger out.

/** The body of a 429 at the door: the same whether the identity exists or not. */
export const TOO_MANY_FAILURES = 'Too many failed attempts: retry later';

export interface AdmissionOptions {
  /** refused upgrades from one address within the window before it is throttled */
  maxFailuresPerAddress: number;
  /** refused credentials for one identity within the window before it is throttled */
  maxFailuresPerIdentity: number;
  windowMs: number;
  /** keys remembered per kind; beyond it the oldest window is forgotten (default 100,000) */
  maxKeys?: number;
}

interface Window {
  start: number;
  count: number;
}

/** Failures per key in fixed windows of windowMs; blocked once `max` are reached within one. */
export class FailureCounter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #windows = new Map<string, Window>();

  constructor(max: number, windowMs: number, maxKeys = 100_000) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Failures of the key in its current window (0 once the window has passed). */
  count(key: string, now = Date.now()): number {
    const w = this.#windows.get(key);
    if (w === undefined) return 0;
    if (now - w.start >= this.#windowMs) {
      this.#windows.delete(key);
      return 0;
    }
    return w.count;
  }

  blocked(key: string, now = Date.now()): boolean {
    return this.count(key, now) >= this.#max;
  }

  /** Seconds until the key's window ends (at least 1). */
  retryAfterSeconds(key: string, now = Date.now()): number {
    const w = this.#windows.get(key);
    if (w === undefined) return 1;
    return Math.max(1, Math.ceil((w.start + this.#windowMs - now) / 1000));
  }

  note(key: string, now = Date.now()): void {
    let w = this.#windows.get(key);
    if (w !== undefined && now - w.start >= this.#windowMs) {
      this.#windows.delete(key);
      w = undefined;
    }
    if (w === undefined) {
      // Map order is insertion order: the first key is the oldest window.
      if (this.#windows.size >= this.#maxKeys) this.#windows.delete(this.#windows.keys().next().value!);
      w = { start: now, count: 0 };
      this.#windows.set(key, w);
    }
    w.count++;
  }

  get size(): number {
    return this.#windows.size;
  }
}

/** What the door knows about an upgrade's address and identity before it asks authenticate. */
export interface AdmissionVerdict {
  /** the address has refused upgrades in its current window: its expensive checks go last */
  suspect: boolean;
  /**
   * Only a cheap check of a known-good credential may accept it: the address is over its
   * limit, or the identity is over its limit and this address has failed before (a clean
   * address still gets its check, so the real charger is not locked out by an attacker
   * elsewhere).
   */
  throttled: boolean;
  retryAfterSeconds: number;
}

export class Admission {
  readonly byAddress: FailureCounter;
  readonly byIdentity: FailureCounter;

  constructor(options: AdmissionOptions) {
    this.byAddress = new FailureCounter(options.maxFailuresPerAddress, options.windowMs, options.maxKeys);
    this.byIdentity = new FailureCounter(options.maxFailuresPerIdentity, options.windowMs, options.maxKeys);
  }

  verdict(address: string, identity: string, now = Date.now()): AdmissionVerdict {
    const addressFailures = this.byAddress.count(address, now);
    const addressBlocked = this.byAddress.blocked(address, now);
    const identityBlocked = this.byIdentity.blocked(identity, now);
    const throttled = addressBlocked || (identityBlocked && addressFailures > 0);
    const retryAfterSeconds = Math.max(
      addressBlocked ? this.byAddress.retryAfterSeconds(address, now) : 1,
      identityBlocked ? this.byIdentity.retryAfterSeconds(identity, now) : 1,
    );
    return { suspect: addressFailures > 0, throttled, retryAfterSeconds };
  }

  /** A refused upgrade from the address (any cause but our own overload or throttling). */
  addressFailed(address: string, now = Date.now()): void {
    this.byAddress.note(address, now);
  }

  /** Credentials refused for the identity. */
  identityFailed(identity: string, now = Date.now()): void {
    this.byIdentity.note(identity, now);
  }
}
