// The hand-off between the bus and the database: a bus listener only pushes a row here (no I/O,
// no await), and the rows are written in batches a few milliseconds later. The charger whose
// message caused the event has its answer long before; a slow or failing webhook never shows
// on the charger path. A crash loses at most the rows of the last flushMs; a stop flushes them.
import type { Insertable } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../../db/index.ts';
import type { WebhookDeliveriesTable } from '../../db/schema.ts';
import * as store from './store.ts';

export type DeliveryRow = Insertable<WebhookDeliveriesTable>;

export class DeliveryQueue {
  #rows: DeliveryRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #dropped = 0;
  readonly #db: Db;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #maxRows: number;
  readonly #onWritten: () => void;

  constructor(opts: { db: Db; log: Logger; flushMs: number; maxRows: number; onWritten: () => void }) {
    this.#db = opts.db;
    this.#log = opts.log;
    this.#flushMs = opts.flushMs;
    this.#maxRows = opts.maxRows;
    this.#onWritten = opts.onWritten;
  }

  /** rows refused because too many were waiting for the database */
  get dropped(): number {
    return this.#dropped;
  }

  push(row: DeliveryRow): void {
    if (this.#rows.length >= this.#maxRows) {
      // The database is not keeping up: losing a delivery beats exhausting memory.
      if (this.#dropped++ % 1000 === 0) this.#log.error({ dropped: this.#dropped }, 'webhook delivery queue full: deliveries dropped');
      return;
    }
    this.#rows.push(row);
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs);
      this.#timer.unref();
    }
  }

  /** Writes every row pushed so far; resolves when they are stored (or their write failed and was logged). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#rows;
    this.#rows = [];
    if (rows.length > 0) {
      // One after another, so that deliveries get ids in event order.
      this.#chain = this.#chain
        .then(() => this.#db.write((trx) => store.insertDeliveries(trx, rows)))
        .then(
          () => this.#onWritten(),
          (err) => this.#log.error({ err, rows: rows.length }, 'storing webhook deliveries failed: they are lost'),
        );
    }
    return this.#chain;
  }
}
