// Kysely over Node's built-in `node:sqlite` (ADR 0002). Kysely's SqliteDialect expects a
// better-sqlite3-shaped database object; NodeSqliteDatabase is that shape over DatabaseSync.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { WalSync } from './wal-sync.ts';
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type {
  DatabaseConnection,
  DialectAdapter,
  Driver,
  SqliteDatabase,
  SqliteStatement,
} from 'kysely';

export interface SqliteOptions {
  /** File path, or ':memory:' */
  path: string;
  /** How long a writer waits for another process's lock before SQLITE_BUSY. Blocks the event loop meanwhile. */
  busyTimeoutMs?: number;
  /** Prepared statements kept per connection, least recently used evicted first. */
  statementCacheSize?: number;
  /** For tests: replaces the fdatasync of the WAL on WalSync's own thread (see wal-sync.ts). */
  syncWal?: (fd: number) => Promise<void>;
}

type Row = Record<string, unknown>;

/**
 * node:sqlite hands rows out as null-prototype objects. Copy them into plain objects so that a
 * row compares, spreads and inspects the same on SQLite as on PostgreSQL.
 */
function plain(row: unknown): Row {
  return Object.assign({}, row as Row);
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #stmt: StatementSync;

  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    // A statement that yields columns (SELECT, PRAGMA, INSERT ... RETURNING) must go
    // through all(): run() would discard the rows Kysely is waiting for.
    this.reader = stmt.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...(parameters as any[])).map(plain);
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt.run(...(parameters as any[]));
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    for (const row of this.#stmt.iterate(...(parameters as any[]))) yield plain(row);
  }
}

/**
 * Creates the database file, empty and readable by its owner only (like the secret key file),
 * when it does not exist yet: SQLite would create it 0644 (less the umask), and it holds
 * password hashes, tokens and every charger's history. SQLite creates the -wal and -shm files
 * with the database file's permissions, so they are 0600 too. An existing file keeps the mode
 * its operator gave it (openDb warns when others may read it).
 */
function createPrivate(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** The better-sqlite3-like object Kysely's SqliteDriver drives, with a bounded statement cache. */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  /**
   * Makes committed transactions durable off the event loop (ADR 0007); null for an in-memory
   * database. Whoever commits must await walSync.sync() before telling anyone it is stored.
   */
  readonly walSync: WalSync | null;
  /** The database file, or null in memory. */
  readonly filePath: string | null;
  readonly #cache = new Map<string, NodeSqliteStatement>();
  readonly #cacheSize: number;

  constructor(opts: SqliteOptions) {
    const inMemory = opts.path === ':memory:' || opts.path.includes('mode=memory');
    this.filePath = inMemory ? null : opts.path.startsWith('file:') ? new URL(opts.path).pathname : opts.path;
    if (this.filePath !== null) {
      if (!opts.path.startsWith('file:')) mkdirSync(dirname(this.filePath), { recursive: true, mode: 0o700 });
      createPrivate(this.filePath);
    }
    this.raw = new DatabaseSync(opts.path);
    this.#cacheSize = opts.statementCacheSize ?? 500;
    const busyMs = opts.busyTimeoutMs ?? 5000;
    // WAL: readers never block the writer. synchronous=NORMAL: COMMIT does not fsync on the
    // event loop; WalSync fsyncs the WAL on its own thread and group commit resolves writes
    // only after that, so a write() that resolved survives power loss, not only a process
    // crash (ADR 0007; NORMAL still syncs the WAL before every checkpoint and the database
    // file after it). A 64 MiB page cache keeps the hot index pages (meter values, message
    // log) in memory rather than re-reading them from the OS on every insert.
    this.raw.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyMs))}`);
    this.raw.exec('PRAGMA journal_mode = WAL');
    this.raw.exec('PRAGMA synchronous = NORMAL');
    this.raw.exec('PRAGMA cache_size = -65536');
    // Checkpoints run in a worker (checkpointer.ts); this higher threshold only lets the WAL
    // start over once the worker has copied nearly all of it (or checkpoints here without one).
    this.raw.exec('PRAGMA wal_autocheckpoint = 4000');
    this.walSync = this.filePath === null ? null : new WalSync(this.filePath, opts.syncWal);
    this.raw.exec('PRAGMA foreign_keys = ON');
  }

  prepare(sql: string): NodeSqliteStatement {
    let stmt = this.#cache.get(sql);
    if (stmt) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.#cache.delete(sql);
      this.#cache.set(sql, stmt);
      return stmt;
    }
    stmt = new NodeSqliteStatement(this.raw.prepare(sql));
    this.#cache.set(sql, stmt);
    if (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.delete(oldest);
    }
    return stmt;
  }

  get cachedStatements(): number {
    return this.#cache.size;
  }

  close(): void {
    this.walSync?.release();
    this.#cache.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}

/**
 * Every transaction on this connection writes (reads need none), so take the write lock at
 * BEGIN: a deferred transaction that upgrades to a writer later can fail with SQLITE_BUSY
 * without the busy handler ever being consulted when another process holds the lock.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** SQLite does run DDL inside transactions; telling Kysely so makes each migration atomic. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class NodeSqliteDialect extends SqliteDialect {
  readonly database: NodeSqliteDatabase;

  constructor(opts: SqliteOptions) {
    const database = new NodeSqliteDatabase(opts);
    super({ database });
    this.database = database;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
