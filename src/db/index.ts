// The database: one Kysely instance over SQLite (embedded, default) or PostgreSQL, plus the
// two write paths every module uses: write() (awaited, group-committed) and appendLater()
// (buffered, fire-and-forget). Conventions: ADR 0002.
import { existsSync, fdatasync, statSync } from 'node:fs';
import { Kysely, sql } from 'kysely';
import type { Insertable, Transaction, Updateable } from 'kysely';
import type { Logger } from 'pino';
import { AppendBuffer } from './append-buffer.ts';
import type { AppendStats } from './append-buffer.ts';
import type { DialectName } from './ddl.ts';
import { GroupCommitter } from './group-commit.ts';
import { CoalescingUpdates } from './coalescing-updates.ts';
import type { GroupCommitStats } from './group-commit.ts';
import { migrateToLatest } from './migrations.ts';
import { createPostgresDialect, warnIfCommitsNotDurable } from './postgres.ts';
import type { Database } from './schema.ts';
import { NodeSqliteDialect } from './sqlite-dialect.ts';
import type { WalSync, WalSyncStats } from './wal-sync.ts';
import { Checkpointer, type CheckpointerStats } from './checkpointer.ts';

export type { Database } from './schema.ts';
export type { DialectName } from './ddl.ts';
export { migrateToLatest, migrateDownAll } from './migrations.ts';
export { isUniqueViolation } from './errors.ts';

export interface DbStats extends GroupCommitStats, AppendStats, WalSyncStats, CheckpointerStats {}

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /**
   * Group commit: fn runs inside ONE database transaction shared with the other writes queued
   * in the same turn of the event loop; the promise resolves only after COMMIT succeeded.
   *
   * fn must use `trx` only, and await nothing but its queries: on SQLite, `db.kysely` waits
   * for the transaction (a deadlock if awaited inside fn), and every write waits for fn.
   * If fn throws, its own statements are rolled back and the other writes still commit.
   * Do not catch a database error inside fn and carry on: PostgreSQL refuses every further
   * statement until the rollback (use INSERT ... ON CONFLICT instead of try/catch).
   * fn may run more than once, its earlier effects rolled back: when another write of its
   * batch fails (the batch is rerun with a savepoint per write) and, on PostgreSQL, after a
   * deadlock or serialization failure. So keep side effects outside the database out of it.
   * On PostgreSQL, writes not awaited one after the other may commit in any order (batches run
   * concurrently there).
   */
  write<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * For fire-and-forget bulk rows (message log): buffered, flushed as multi-row INSERTs every
   * flushMs or maxRows; flush() forces it. Never throws into the caller; failures are logged.
   */
  appendLater<T extends keyof Database>(table: T, row: Insertable<Database[T]>): void;
  /**
   * For "latest value wins" updates nobody waits for (liveness timestamps): merged per row and
   * written within about flushMs, outside the group-commit batches (see coalescing-updates.ts).
   */
  updateLater<T extends keyof Database>(table: T, keyColumn: string, key: string | number, patch: Updateable<Database[T]>): void;
  /** Stores every row appended so far and waits for every write queued so far. */
  flush(): Promise<void>;
  /** Flushes, then closes. write() rejects from the moment close() is called. */
  close(): Promise<void>;
  /** Counters since open (a fresh snapshot on every read). */
  readonly stats: DbStats;
}

export interface OpenDbOptions {
  /** postgres://... selects PostgreSQL; empty or null selects SQLite at sqlitePath. */
  databaseUrl?: string | null;
  sqlitePath: string;
  log: Logger;
  /** PostgreSQL pool size, default 10. */
  poolSize?: number;
  groupCommit?: {
    /** default 500 */
    maxBatchOps?: number;
    /** PostgreSQL only (SQLite has one writer), default min(4, poolSize - 1) */
    maxConcurrentBatches?: number;
  };
  /**
   * Called once when durable storage fails (a WAL fdatasync failed or its thread died): from then
   * on every write is refused (fail-stop, see group-commit.ts). The server logs and exits.
   */
  onStorageFailure?: (err: Error) => void;
  /** Tests only: replaces the WAL fdatasync (SQLite file databases), e.g. a disk held until the test releases it. */
  syncWal?: (fd: number) => Promise<void>;
  appendLater?: {
    /** default 200 */
    flushMs?: number;
    /** default 500 */
    maxRows?: number;
    /** default 50,000 */
    maxBufferedRows?: number;
  };
}

/**
 * TEST ONLY. PLUGBOARD_TEST_FAIL_FSYNC_IF_EXISTS=<path>: while a file exists at <path>, every WAL
 * fdatasync fails with EIO, so that a test can make a real `plugboard serve` child meet a failing
 * disk (test/robustness/storage-failure.test.ts) when it chooses, by creating the file. Unset
 * (always, outside tests) the sync threads of wal-sync.ts run as usual; when set, the syncs run
 * in libuv's pool instead. Announced with a warning at start.
 */
export const TEST_FAIL_FSYNC_ENV = 'PLUGBOARD_TEST_FAIL_FSYNC_IF_EXISTS';

function testFsyncFailure(log: Logger): ((fd: number) => Promise<void>) | undefined {
  const trigger = process.env[TEST_FAIL_FSYNC_ENV];
  if (!trigger) return undefined;
  log.warn({ [TEST_FAIL_FSYNC_ENV]: trigger }, `test-only hook active: WAL fdatasync fails while ${trigger} exists; never set this outside tests`);
  return (fd) =>
    new Promise<void>((resolve, reject) => {
      if (existsSync(trigger)) {
        reject(Object.assign(new Error(`EIO: i/o error, fdatasync (${TEST_FAIL_FSYNC_ENV})`), { code: 'EIO' }));
        return;
      }
      fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const log = opts.log.child({ component: 'db' });
  let kysely: Kysely<Database>;
  let dialect: DialectName;
  let walSync: WalSync | null = null;
  let checkpointer: Checkpointer | null = null;
  if (opts.databaseUrl) {
    const poolSize = Math.max(1, opts.poolSize ?? 10);
    kysely = new Kysely<Database>({
      dialect: createPostgresDialect({ connectionString: opts.databaseUrl, poolSize, log }).dialect,
    });
    dialect = 'postgres';
  } else {
    const sqlite = new NodeSqliteDialect({ path: opts.sqlitePath, syncWal: opts.syncWal ?? testFsyncFailure(log) });
    const file = sqlite.database.filePath;
    // A new file is created 0600 (sqlite-dialect.ts); one made by an older version or by hand may not be.
    if (file && process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      log.warn({ path: file }, 'the database file is readable by other users (it holds password hashes and charger data): chmod 600 it and its -wal and -shm files');
    }
    walSync = sqlite.database.walSync;
    if (sqlite.database.filePath) checkpointer = new Checkpointer({ path: sqlite.database.filePath, log });
    kysely = new Kysely<Database>({ dialect: sqlite });
    dialect = 'sqlite';
  }

  try {
    // Fail at startup, not on the first charger's message.
    await sql`select 1`.execute(kysely);
    if (dialect === 'postgres') await warnIfCommitsNotDurable(kysely, log);
  } catch (err) {
    await kysely.destroy().catch(() => {});
    throw err;
  }

  const poolSize = Math.max(1, opts.poolSize ?? 10);
  const committer = new GroupCommitter<Database>(kysely, {
    dialect,
    log,
    maxBatchOps: opts.groupCommit?.maxBatchOps ?? 500,
    // Leave a pooled connection for reads while writes are in flight.
    maxConcurrentBatches: opts.groupCommit?.maxConcurrentBatches ?? Math.max(1, Math.min(4, poolSize - 1)),
    durable: walSync
      ? () => {
          checkpointer?.nudge();
          return walSync.sync();
        }
      : undefined,
    onStorageFailure: opts.onStorageFailure,
  });
  const appender = new AppendBuffer<Database>((fn) => committer.enqueue(fn), {
    flushMs: opts.appendLater?.flushMs ?? 200,
    maxRows: opts.appendLater?.maxRows ?? 500,
    maxBufferedRows: opts.appendLater?.maxBufferedRows ?? 50_000,
    log,
  });

  const updates = new CoalescingUpdates<Database>(kysely, (fn) => committer.enqueue(fn), { dialect, flushMs: 250, log });

  let closing = false;
  let closed: Promise<void> | undefined;
  log.info({ dialect, path: dialect === 'sqlite' ? opts.sqlitePath : undefined }, 'database opened');

  return {
    kysely,
    dialect,
    write(fn) {
      if (closing) return Promise.reject(new Error('database is closed'));
      return committer.enqueue(fn);
    },
    appendLater(table, row) {
      appender.append(table, row);
    },
    updateLater(table, keyColumn, key, patch) {
      if (!closing) updates.update(table, keyColumn, key, patch);
    },
    async flush() {
      await updates.flush();
      await appender.flush();
      await committer.drain();
    },
    close() {
      closing = true;
      closed ??= (async () => {
        await updates.flush();
        await appender.close();
        await committer.idle();
        await checkpointer?.close();
        await walSync?.close();
        await kysely.destroy();
        log.info('database closed');
      })();
      return closed;
    },
    get stats(): DbStats {
      return { ...committer.stats, ...appender.stats, walSyncs: walSync?.stats.walSyncs ?? 0, checkpoints: checkpointer?.stats.checkpoints ?? 0 };
    },
  };
}

/** openDb, then every pending migration. */
export async function openAndMigrate(opts: OpenDbOptions): Promise<Db> {
  const db = await openDb(opts);
  try {
    await migrateToLatest(db.kysely);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
