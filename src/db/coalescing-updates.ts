// Updates nobody waits for and only the latest value matters (a station's last_seen_at,
// last_connected_at, ...): merged per row in memory and written every flushMs.
//
// Why not db.write(): on PostgreSQL, concurrent group-commit batches that update the same
// rows in different orders deadlock (seen in reconnect storms: every deadlock stalls all
// writes for deadlock_timeout). Here each row is its own autocommit statement on PostgreSQL,
// so no transaction ever holds one of these row locks while waiting for another. On SQLite (one
// writer, no deadlocks) one transaction for the whole flush saves an fsync per row.
import type { Kysely, Transaction, Updateable } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName } from './ddl.ts';
import { updateByKey } from './prepared.ts';

type Enqueue<DB> = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => Promise<T>;

export class CoalescingUpdates<DB> {
  #pending = new Map<string, { table: keyof DB & string; keyColumn: string; key: string | number; patch: Record<string, unknown> }>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #kysely: Kysely<DB>;
  #enqueue: Enqueue<DB>;
  #dialect: DialectName;
  #flushMs: number;
  #log: Logger;

  constructor(kysely: Kysely<DB>, enqueue: Enqueue<DB>, opts: { dialect: DialectName; flushMs: number; log: Logger }) {
    this.#kysely = kysely;
    this.#enqueue = enqueue;
    this.#dialect = opts.dialect;
    this.#flushMs = opts.flushMs;
    this.#log = opts.log;
  }

  update<T extends keyof DB & string>(table: T, keyColumn: string, key: string | number, patch: Updateable<DB[T]>): void {
    const id = `${table}\u0000${keyColumn}\u0000${key}`;
    // An undefined value means "leave the column alone", as in Kysely's set().
    const defined = Object.fromEntries(Object.entries(patch as Record<string, unknown>).filter(([, v]) => v !== undefined));
    const entry = this.#pending.get(id);
    if (entry) Object.assign(entry.patch, defined);
    else this.#pending.set(id, { table, keyColumn, key, patch: defined });
    this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
  }

  /** Writes everything merged so far (and waits for an earlier flush still running). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const batch = [...this.#pending.values()].filter((u) => Object.keys(u.patch).length > 0).sort((a, b) => (a.table + String(a.key) < b.table + String(b.key) ? -1 : 1));
    this.#pending.clear();
    this.#flushing = this.#flushing.then(() => (batch.length ? this.#write(batch) : undefined));
    return this.#flushing;
  }

  async #write(batch: Array<{ table: string; keyColumn: string; key: string | number; patch: Record<string, unknown> }>): Promise<void> {
    // Compiled once per (table, columns): these run for every connecting and active station.
    const one = (db: Kysely<any>, u: (typeof batch)[number]) => updateByKey(db, u.table as never, u.keyColumn, u.key, u.patch);
    try {
      if (this.#dialect === 'sqlite') {
        await this.#enqueue(async (trx) => {
          for (const u of batch) await one(trx, u);
        });
      } else {
        for (const u of batch) await one(this.#kysely, u);
      }
    } catch (err) {
      this.#log.error({ err, rows: batch.length }, 'coalesced updates failed');
    }
  }
}
