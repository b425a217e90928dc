// Buffered, fire-and-forget rows (the message log): many rows per INSERT, one transaction per
// flush, ids in append order, and a failure costs a log line, never the caller's request.
import { sql } from 'kysely';
import type { Insertable, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { insertRows } from './prepared.ts';

export interface AppendOptions {
  flushMs: number;
  /** Buffered rows that trigger a flush before flushMs is up. */
  maxRows: number;
  /** Beyond this many rows waiting (database slow or down), new rows are dropped and counted. */
  maxBufferedRows: number;
  log: Logger;
}

export interface AppendStats {
  appendedRows: number;
  /** Rows that reached the database and were refused (constraint, type) or whose batch failed */
  failedRows: number;
  /** Rows never attempted: the buffer was full, or appendLater() came after close() */
  droppedRows: number;
}

type Row = Record<string, unknown>;
type Write<DB> = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => Promise<T>;

// Few distinct chunk sizes, so that the statement cache sees few distinct INSERT texts.
const CHUNK_SIZES = [256, 64, 16, 4, 1];
// SQLite's default limit on bound parameters is 32766, PostgreSQL's 65535.
const MAX_PARAMS = 30_000;
const SAVEPOINT = 'pb_append';

function chunk(rows: Row[]): Row[][] {
  const columns = Math.max(1, Object.keys(rows[0]).length);
  const sizes = CHUNK_SIZES.filter((n) => n === 1 || n * columns <= MAX_PARAMS);
  const out: Row[][] = [];
  let at = 0;
  for (const size of sizes) {
    while (rows.length - at >= size) {
      out.push(rows.slice(at, at + size));
      at += size;
    }
  }
  return out;
}

export class AppendBuffer<DB> {
  readonly stats: AppendStats = { appendedRows: 0, failedRows: 0, droppedRows: 0 };
  readonly #write: Write<DB>;
  readonly #opts: AppendOptions;
  #buffers = new Map<string, Row[]>();
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Flushes run one after another, so rows get their ids in the order they were appended. */
  #chain: Promise<void> = Promise.resolve();
  #overflowing = false;
  #closed = false;

  constructor(write: Write<DB>, opts: AppendOptions) {
    this.#write = write;
    this.#opts = opts;
  }

  append<T extends keyof DB & string>(table: T, row: Insertable<DB[T]>): void {
    if (this.#closed || this.#count >= this.#opts.maxBufferedRows) {
      this.stats.droppedRows++;
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#opts.log.warn(
          { table, closed: this.#closed, buffered: this.#count },
          'appendLater: row dropped (buffer full or database closed); further drops are only counted',
        );
      }
      return;
    }
    let rows = this.#buffers.get(table);
    if (!rows) this.#buffers.set(table, (rows = []));
    rows.push(row as Row);
    this.#count++;
    if (this.#count >= this.#opts.maxRows) {
      void this.#startFlush();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.#startFlush(), this.#opts.flushMs);
      // Buffered rows must not keep a finished process alive; close() flushes them.
      this.#timer.unref();
    }
  }

  /** Every row appended before this call is stored, or counted and logged as failed. */
  flush(): Promise<void> {
    return this.#startFlush();
  }

  /** Stores what is buffered; rows appended from now on are dropped and counted. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #startFlush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#count === 0) return this.#chain;
    const taken = this.#buffers;
    const count = this.#count;
    this.#buffers = new Map();
    this.#count = 0;
    this.#chain = this.#chain.then(() => this.#store(taken, count));
    return this.#chain;
  }

  /** One write() per flush; never rejects. */
  async #store(taken: Map<string, Row[]>, count: number): Promise<void> {
    let stored = 0;
    let failed: unknown[] = [];
    try {
      await this.#write(async (trx) => {
        // write() may run this again (PostgreSQL deadlock retry): count afresh.
        stored = 0;
        failed = [];
        for (const [table, rows] of taken) {
          for (const part of chunk(rows)) {
            const result = await insertIsolated(trx as Transaction<any>, table, part);
            stored += result.stored;
            failed.push(...result.errors);
          }
        }
      });
    } catch (err) {
      // The transaction itself failed (database down, disk full): nothing of this flush is stored.
      this.stats.failedRows += count;
      this.#opts.log.error({ err, rows: count }, 'appendLater: flush failed; rows lost');
      return;
    }
    this.stats.appendedRows += stored;
    if (stored > 0) this.#overflowing = false;
    if (failed.length > 0) {
      this.stats.failedRows += failed.length;
      this.#opts.log.error({ err: failed[0], failed: failed.length, of: count }, 'appendLater: rows could not be stored');
    }
  }
}

/**
 * Inserts rows under a savepoint; if the multi-row INSERT fails, retries row by row so that
 * one bad row costs only itself. A savepoint, not try/catch alone: PostgreSQL refuses every
 * statement after an error until the rollback to it.
 */
async function insertIsolated(trx: Transaction<any>, table: string, rows: Row[]): Promise<{ stored: number; errors: unknown[] }> {
  await sql.raw(`savepoint ${SAVEPOINT}`).execute(trx);
  try {
    await insertRows(trx as never, table as never, rows as never);
    await sql.raw(`release savepoint ${SAVEPOINT}`).execute(trx);
    return { stored: rows.length, errors: [] };
  } catch (err) {
    await sql.raw(`rollback to savepoint ${SAVEPOINT}`).execute(trx);
    await sql.raw(`release savepoint ${SAVEPOINT}`).execute(trx);
    if (rows.length === 1) return { stored: 0, errors: [err] };
  }
  const result = { stored: 0, errors: [] as unknown[] };
  for (const row of rows) {
    const one = await insertIsolated(trx, table, [row]);
    result.stored += one.stored;
    result.errors.push(...one.errors);
  }
  return result;
}
