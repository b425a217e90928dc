// When reservations expire. One timer, armed for the earliest expiry date Plugboard knows of
// (OCPP 1.6 §5.13: a reservation ends at expiryDate; the charger frees the connector itself, the
// central system only records it), and at least every MAX_WAIT_MS so that reservations created
// by another process are seen too. Nothing runs while no reservation is due.

const MAX_WAIT_MS = 60_000;

export interface ExpirySweepDeps {
  /** milliseconds since the epoch */
  now(): number;
  /** marks what is due as expired */
  expireDue(): Promise<unknown>;
  /** the earliest expiry (ms) among active reservations, or null */
  nextExpiry(): Promise<number | null>;
  onError(err: unknown): void;
}

export class ExpirySweep {
  #deps: ExpirySweepDeps;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #running: Promise<void> | null = null;
  #started = false;
  #stopped = false;

  constructor(deps: ExpirySweepDeps) {
    this.#deps = deps;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    // A first pass at start: what expired while Plugboard was down.
    this.armAt(this.#deps.now());
  }

  /** Makes sure a pass runs at `atMs` (or earlier). */
  armAt(atMs: number): void {
    if (!this.#started || this.#stopped || atMs >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = atMs;
    // Node's timers hold at most 2^31-1 ms; MAX_WAIT_MS caps far below that anyway.
    const delay = Math.min(MAX_WAIT_MS, Math.max(0, atMs - this.#deps.now()));
    this.#timer = setTimeout(() => this.#pass(), delay);
    this.#timer.unref();
  }

  #pass(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#running = (async () => {
      let next: number | null = null;
      try {
        await this.#deps.expireDue();
        next = await this.#deps.nextExpiry();
      } catch (err) {
        this.#deps.onError(err);
      }
      this.#running = null;
      this.armAt(Math.min(next ?? Infinity, this.#deps.now() + MAX_WAIT_MS));
    })();
  }

  /** Stops the timer and waits for a pass in progress (before the database closes). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
