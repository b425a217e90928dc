// The background sender: takes due deliveries from the database, a bounded number at a time
// (and a few per webhook, so that one hanging receiver cannot hold every slot), attempts each,
// and records the outcome: succeeded, failed after the last attempt, or pending again with an
// exponential, jittered backoff. The database is the queue, so deliveries survive a restart.
import type { Logger } from 'pino';
import type { Db } from '../../db/index.ts';
import type { WebhookDeliveriesTable } from '../../db/schema.ts';
import type { Updateable } from 'kysely';
import * as store from './store.ts';
import { attemptDelivery, type Resolver } from './send.ts';
import type { AddressPolicy } from '../../address-policy.ts';
import { retryDelayMs } from './backoff.ts';

export interface DeliveryOptions {
  /** attempts in flight at once, all webhooks together */
  concurrency: number;
  /** attempts in flight at once for one webhook */
  perWebhook: number;
  /** how often the table is checked for due deliveries (restarts, deliveries of other processes) */
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  maxAttempts: number;
  /** how long a claimed delivery is left alone before it counts as abandoned (crash) and is retried */
  leaseMs: number;
  /** how target host names are resolved (tests replace it); the system's resolver when absent */
  resolve?: Resolver;
}

export interface DeliveryTarget {
  id: number;
  /** without credentials */
  url: string;
  /** the URL's user and password, sent as HTTP Basic auth */
  credentials: { username: string; password: string } | null;
  secret: string;
}

export interface DueDelivery {
  id: number;
  webhook_id: number;
  event_type: string;
  payload: string;
  attempts: number;
  next_attempt_at: string | null;
}

export class DeliveryWorker {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #targets: () => ReadonlyMap<number, DeliveryTarget>;
  readonly #opts: DeliveryOptions;
  readonly #policy: AddressPolicy;
  readonly #inFlight = new Map<number, { webhookId: number; done: Promise<void> }>();
  #abort = new AbortController();
  #running = false;
  #pumping = false;
  #again = false;
  #poll: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAt: number | null = null;

  constructor(deps: { db: Db; log: Logger; now: () => Date; targets: () => ReadonlyMap<number, DeliveryTarget>; options: DeliveryOptions; policy: AddressPolicy }) {
    this.#policy = deps.policy;
    this.#db = deps.db;
    this.#log = deps.log;
    this.#now = deps.now;
    this.#targets = deps.targets;
    this.#opts = deps.options;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.restartPolling();
    this.wake();
  }

  /** Picks up a changed pollMs. */
  restartPolling(): void {
    clearInterval(this.#poll);
    if (!this.#running) return;
    this.#poll = setInterval(() => this.wake(), this.#opts.pollMs);
    this.#poll.unref();
  }

  /** Aborts attempts in flight (they stay pending, due at once) and waits until they are recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#poll);
    clearTimeout(this.#retryTimer);
    this.#retryAt = null;
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight.values()].map((f) => f.done));
  }

  /** Looks for due deliveries now (new rows were stored, a slot came free, a retry is due). */
  wake(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#fill();
      } while (this.#again && this.#running);
    } catch (err) {
      this.#log.error({ err }, 'looking for due webhook deliveries failed');
    } finally {
      this.#pumping = false;
    }
  }

  async #fill(): Promise<void> {
    const o = this.#opts;
    const free = o.concurrency - this.#inFlight.size;
    if (free <= 0) return;
    const perWebhook = new Map<number, number>();
    for (const f of this.#inFlight.values()) perWebhook.set(f.webhookId, (perWebhook.get(f.webhookId) ?? 0) + 1);
    const targets = this.#targets();
    const webhookIds = [...targets.keys()].filter((id) => (perWebhook.get(id) ?? 0) < o.perWebhook);
    if (webhookIds.length === 0) return;
    const rows = await store.dueDeliveries(this.#db.kysely, {
      now: this.#now().toISOString(),
      webhookIds,
      excludeIds: [...this.#inFlight.keys()],
      limit: free,
    });
    let skipped = false;
    for (const row of rows) {
      if (!this.#running || this.#inFlight.size >= o.concurrency) break;
      const target = targets.get(Number(row.webhook_id));
      const n = perWebhook.get(Number(row.webhook_id)) ?? 0;
      if (!target || n >= o.perWebhook || this.#inFlight.has(Number(row.id))) {
        skipped = true;
        continue;
      }
      perWebhook.set(Number(row.webhook_id), n + 1);
      void this.#run(row, target);
    }
    // Some rows waited for a busy webhook: look again, now without it, for the others' rows.
    if (skipped && this.#inFlight.size < o.concurrency) this.#again = true;
  }

  /** Attempts one delivery now, whether or not the worker runs (the test endpoint); resolves once recorded. */
  deliverNow(row: DueDelivery, target: DeliveryTarget): Promise<void> {
    return this.#inFlight.get(Number(row.id))?.done ?? this.#run(row, target);
  }

  #run(row: DueDelivery, target: DeliveryTarget): Promise<void> {
    const id = Number(row.id);
    const done = this.#attempt(row, target)
      .catch((err) => this.#log.error({ err, deliveryId: id, webhookId: target.id }, 'webhook delivery attempt failed unexpectedly'))
      .finally(() => {
        this.#inFlight.delete(id);
        this.wake();
      });
    this.#inFlight.set(id, { webhookId: target.id, done });
    return done;
  }

  async #attempt(row: DueDelivery, target: DeliveryTarget): Promise<void> {
    const o = this.#opts;
    const id = Number(row.id);
    const started = this.#now();
    const claimed = await this.#db.write((trx) =>
      store.claimDelivery(trx, id, { nextAttemptAt: row.next_attempt_at, attempts: row.attempts }, started.toISOString(), new Date(started.getTime() + o.timeoutMs + o.leaseMs).toISOString()),
    );
    if (!claimed) return;
    const attempt = row.attempts + 1;
    const stopSignal = this.#abort.signal;
    const result = await attemptDelivery({
      url: target.url,
      credentials: target.credentials,
      secret: target.secret,
      body: row.payload,
      eventType: row.event_type,
      deliveryId: id,
      timeoutMs: o.timeoutMs,
      signal: stopSignal,
      now: started.getTime(),
      policy: this.#policy,
      resolve: o.resolve,
    });
    const finished = this.#now();
    const common = { response_status: result.responseStatus, last_error: result.error ? result.error.slice(0, 1000) : null, error_class: result.errorClass };
    let outcome: Updateable<WebhookDeliveriesTable>;
    if (result.ok) {
      outcome = { ...common, status: 'succeeded', next_attempt_at: null };
    } else if (stopSignal.aborted && !result.responseStatus) {
      // Cut short by our own stop: not the receiver's fault, so the attempt does not count.
      outcome = { ...common, status: 'pending', attempts: row.attempts, next_attempt_at: finished.toISOString() };
    } else if (attempt >= o.maxAttempts || row.event_type === 'ping') {
      // A ping is a check the operator is watching: one attempt, no retries.
      outcome = { ...common, status: 'failed', next_attempt_at: null };
      this.#log.warn({ deliveryId: id, webhookId: target.id, attempts: attempt, error: result.error, errorClass: result.errorClass }, 'webhook delivery failed for good');
    } else {
      const delay = retryDelayMs(attempt, { baseMs: o.retryBaseMs, maxMs: o.retryMaxMs, retryAfterMs: result.retryAfterMs });
      outcome = { ...common, status: 'pending', next_attempt_at: new Date(finished.getTime() + delay).toISOString() };
      this.#wakeIn(delay);
    }
    await this.#db.write((trx) => store.recordAttempt(trx, id, outcome));
  }

  /** One timer for the earliest retry this process scheduled; later ones are found by it or by the poll. */
  #wakeIn(ms: number): void {
    if (!this.#running) return;
    const at = Date.now() + ms;
    if (this.#retryAt !== null && this.#retryAt <= at) return;
    clearTimeout(this.#retryTimer);
    this.#retryAt = at;
    this.#retryTimer = setTimeout(() => {
      this.#retryAt = null;
      this.wake();
    }, ms + 1);
    this.#retryTimer.unref();
  }
}
