// Group commit (ADR 0002): the writes queued during one turn of the event loop share one
// database transaction, so one COMMIT (one fsync) pays for all of them. Each write still
// succeeds or fails on its own: a batch runs without savepoints first, and only when one of its
// writes fails is it rolled back and run again with a SAVEPOINT around each write.
import { CompiledQuery } from 'kysely';
import type { ControlledTransaction, Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName } from './ddl.ts';

export interface GroupCommitOptions {
  dialect: DialectName;
  log: Logger;
  /** Most writes in one transaction. */
  maxBatchOps: number;
  /** Transactions in flight at once. SQLite has one writer: always 1 there. */
  maxConcurrentBatches: number;
  /** A batch running longer than this gets a warning (a write fn awaiting something outside the database?). */
  slowBatchMs?: number;
  /**
   * Called after every COMMIT when the COMMIT itself is not durable (SQLite with
   * synchronous=NORMAL, ADR 0007): the batch's writes settle only once it resolves, and the
   * next batch runs meanwhile. If it rejects, so does every write of the batch.
   */
  durable?: () => Promise<void>;
  /**
   * Called once when `durable` fails. Storage is then fail-stop: a failed fsync can leave pages
   * marked clean on Linux, so a later fsync may "succeed" without writing and recovery would drop
   * batches acknowledged after it. Every later write is refused without running; the owner logs
   * and exits, and recovery at the next start decides what is on disk (as PostgreSQL does).
   */
  onStorageFailure?: (err: StorageFailedError) => void;
}

/** Writes refused because the database's durable storage failed earlier (fail-stop). */
export class StorageFailedError extends Error {
  readonly code = 'STORAGE_FAILED';
  constructor(cause: unknown) {
    super(`storage failed (${(cause as Error)?.message ?? String(cause)}): every write is refused until Plugboard restarts and recovers the database`, { cause });
  }
}

export interface GroupCommitStats {
  /** Transactions attempted */
  batches: number;
  /** write() calls settled */
  ops: number;
  /** write() calls rejected */
  failedOps: number;
  /** Transactions whose BEGIN or COMMIT failed (every write in them rejected) */
  failedBatches: number;
  /** Writes re-queued after a deadlock or serialization failure (PostgreSQL) */
  retriedOps: number;
  /** Batches run a second time, each write under a savepoint, because one write failed */
  isolatedReruns: number;
  largestBatch: number;
  peakConcurrentBatches: number;
}

interface PendingOp<DB> {
  fn: (trx: Transaction<DB>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  attempts: number;
  /** Settles (never rejects) when the write's own promise settles. */
  settled: Promise<void>;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const SAVEPOINT = 'pb_write';
// Compiled once: a savepoint pair per write, and building them with sql`` cost more than running them.
const OPEN_SAVEPOINT = CompiledQuery.raw(`savepoint ${SAVEPOINT}`);
const RELEASE_SAVEPOINT = CompiledQuery.raw(`release savepoint ${SAVEPOINT}`);
const ROLLBACK_TO_SAVEPOINT = CompiledQuery.raw(`rollback to savepoint ${SAVEPOINT}`);
// PostgreSQL: one round trip instead of two (a parameterless query goes out as a simple query,
// which may hold several statements). node:sqlite prepares only a string's first statement.
const NEXT_SAVEPOINT_PG = CompiledQuery.raw(`release savepoint ${SAVEPOINT}; savepoint ${SAVEPOINT}`);
const MAX_ATTEMPTS = 3;

/** PostgreSQL's deadlock_detected and serialization_failure: the write did nothing wrong and may simply run again. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

export class GroupCommitter<DB> {
  readonly stats: GroupCommitStats = {
    batches: 0,
    ops: 0,
    failedOps: 0,
    failedBatches: 0,
    retriedOps: 0,
    isolatedReruns: 0,
    largestBatch: 0,
    peakConcurrentBatches: 0,
  };

  readonly #db: Kysely<DB>;
  readonly #opts: GroupCommitOptions;
  #queue: PendingOp<DB>[] = [];
  #scheduled = false;
  #running = 0;
  #idleWaiters: (() => void)[] = [];
  /** Committed batches waiting for durable(). */
  #syncing = 0;
  /** Queued or running, until settled (a retried write stays in). */
  readonly #inflight = new Set<PendingOp<DB>>();

  constructor(db: Kysely<DB>, opts: GroupCommitOptions) {
    this.#db = db;
    this.#opts = {
      ...opts,
      maxConcurrentBatches: opts.dialect === 'sqlite' ? 1 : Math.max(1, opts.maxConcurrentBatches),
      maxBatchOps: Math.max(1, opts.maxBatchOps),
    };
  }

  /** Set once a durable sync failed: the committer refuses every write from then on. */
  #failed: StorageFailedError | null = null;

  get failed(): StorageFailedError | null {
    return this.#failed;
  }

  enqueue<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    let op!: PendingOp<DB>;
    const promise = new Promise<T>((resolve, reject) => {
      op = { fn, resolve: resolve as (v: unknown) => void, reject, attempts: 0, settled: undefined as unknown as Promise<void> };
    });
    op.settled = promise.then(
      () => {},
      () => {},
    );
    this.#queue.push(op);
    this.#inflight.add(op);
    this.#schedule();
    return promise;
  }

  /**
   * Resolves once every write enqueued before this call has settled. Unlike idle(), later
   * writes do not hold it up, so it returns under a steady stream of writes too.
   */
  async drain(): Promise<void> {
    await Promise.all([...this.#inflight].map((op) => op.settled));
  }

  /** Resolves once nothing is queued or running (close() uses it, after refusing new writes). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#running === 0 && !this.#scheduled && this.#syncing === 0;
  }

  #wakeIdle(): void {
    if (this.#isIdle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  // setImmediate, not a timer: an idle writer waits one turn of the event loop at most, and
  // every write issued during that turn (including by the continuations of the writes just
  // committed) joins the batch.
  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0 || this.#running >= this.#opts.maxConcurrentBatches) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#startBatches();
    });
  }

  #startBatches(): void {
    while (this.#queue.length > 0 && this.#running < this.#opts.maxConcurrentBatches) {
      // Spread the queue over the free slots: on PostgreSQL each write costs round trips
      // inside its transaction, so parallel transactions finish sooner than one long one.
      const free = this.#opts.maxConcurrentBatches - this.#running;
      const size = Math.min(this.#opts.maxBatchOps, Math.ceil(this.#queue.length / free));
      const ops = this.#queue.splice(0, size);
      this.#running++;
      this.stats.peakConcurrentBatches = Math.max(this.stats.peakConcurrentBatches, this.#running);
      void this.#runBatch(ops).finally(() => {
        this.#running--;
        this.#schedule();
        this.#wakeIdle();
      });
    }
  }

  async #runBatch(ops: PendingOp<DB>[]): Promise<void> {
    if (this.#failed) {
      for (const op of ops) this.#settle(op, { ok: false, error: this.#failed });
      return;
    }
    this.stats.batches++;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, ops.length);
    const slow = setTimeout(
      () => this.#opts.log.warn({ ops: ops.length }, 'db write batch still running: does a write() fn await something outside its transaction?'),
      this.#opts.slowBatchMs ?? 10_000,
    );
    slow.unref();
    let outcomes: Outcome[] = [];
    let trx: ControlledTransaction<DB> | undefined;
    try {
      trx = await this.#db.startTransaction().execute();
      // Optimistic first: the writes one after another with no savepoints (on PostgreSQL each
      // savepoint statement is a round trip). Nearly every batch succeeds whole.
      const failedAt = await this.#runAll(trx, ops, outcomes);
      if (failedAt >= 0 && ops.length > 1) {
        // A write failed: roll everything back and run the batch again, each write under its
        // own savepoint, so that only the failing one is undone (ADR 0002: fn may run again).
        this.stats.isolatedReruns++;
        await trx.rollback().execute();
        trx = await this.#db.startTransaction().execute();
        outcomes = [];
        await this.#runIsolated(trx, ops, outcomes);
      }
      if (ops.length === 1 && !outcomes[0].ok) {
        await trx.rollback().execute();
      } else {
        // COMMIT releases the savepoint too.
        await trx.commit().execute();
      }
    } catch (batchError) {
      clearTimeout(slow);
      this.stats.failedBatches++;
      if (trx && !trx.isCommitted && !trx.isRolledBack) {
        await trx.rollback().execute().catch((err: unknown) => this.#opts.log.error({ err }, 'db rollback failed'));
      }
      this.#opts.log.error({ err: batchError, ops: ops.length }, 'db write batch failed; none of its writes were committed');
      ops.forEach((op, i) => {
        const own = outcomes[i];
        this.#settle(op, { ok: false, error: own && !own.ok ? own.error : batchError });
      });
      return;
    }
    clearTimeout(slow);
    if (!this.#opts.durable) {
      ops.forEach((op, i) => this.#settle(op, outcomes[i]));
      return;
    }
    // Not awaited: the next batch runs while this one's COMMIT reaches the disk.
    this.#syncing++;
    this.#opts.durable().then(
      () => ops.forEach((op, i) => this.#settle(op, outcomes[i])),
      (syncError: unknown) => {
        const first = !this.#failed;
        this.#failed ??= new StorageFailedError(syncError);
        if (first) {
          this.#opts.log.fatal({ err: syncError, ops: ops.length }, 'db sync failed after COMMIT: storage is fail-stop now, every write is refused; restart to recover the database');
        }
        ops.forEach((op, i) => {
          const own = outcomes[i];
          this.#settle(op, own.ok ? { ok: false, error: syncError } : own);
        });
        // Writes queued meanwhile are refused too, without running.
        for (const op of this.#queue.splice(0)) this.#settle(op, { ok: false, error: this.#failed });
        if (first) this.#opts.onStorageFailure?.(this.#failed);
      },
    ).finally(() => {
      this.#syncing--;
      this.#wakeIdle();
    });
  }

  /** Runs the writes in order until one fails; returns its index, or -1. */
  async #runAll(trx: Transaction<DB>, ops: PendingOp<DB>[], outcomes: Outcome[]): Promise<number> {
    for (let i = 0; i < ops.length; i++) {
      try {
        outcomes.push({ ok: true, value: await ops[i].fn(trx) });
      } catch (error) {
        outcomes.push({ ok: false, error });
        return i;
      }
    }
    return -1;
  }

  /** Every write under its own savepoint: a failing one is rolled back alone. */
  async #runIsolated(trx: Transaction<DB>, ops: PendingOp<DB>[], outcomes: Outcome[]): Promise<void> {
    for (let i = 0; i < ops.length; i++) {
      await this.#savepoint(trx, i === 0);
      try {
        outcomes.push({ ok: true, value: await ops[i].fn(trx) });
      } catch (error) {
        outcomes.push({ ok: false, error });
        // Undo this write only. If this statement fails too, the connection is unusable:
        // the outer catch rejects the whole batch.
        await trx.executeQuery(ROLLBACK_TO_SAVEPOINT);
      }
    }
  }

  async #savepoint(trx: Transaction<DB>, first: boolean): Promise<void> {
    if (first) {
      await trx.executeQuery(OPEN_SAVEPOINT);
    } else if (this.#opts.dialect === 'postgres') {
      await trx.executeQuery(NEXT_SAVEPOINT_PG);
    } else {
      await trx.executeQuery(RELEASE_SAVEPOINT);
      await trx.executeQuery(OPEN_SAVEPOINT);
    }
  }

  #settle(op: PendingOp<DB>, outcome: Outcome): void {
    if (!outcome.ok && isRetryable(outcome.error) && op.attempts + 1 < MAX_ATTEMPTS) {
      // Its effects were rolled back; run it again in a later batch, after this one's locks
      // are gone. Only PostgreSQL raises these, when concurrent batches lock rows in opposite orders.
      op.attempts++;
      this.stats.retriedOps++;
      this.#queue.unshift(op);
      this.#schedule();
      return;
    }
    this.stats.ops++;
    this.#inflight.delete(op);
    if (outcome.ok) {
      op.resolve(outcome.value);
    } else {
      this.stats.failedOps++;
      op.reject(outcome.error);
    }
  }
}
