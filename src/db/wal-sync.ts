// Durable SQLite commits without an fsync on the event loop (ADR 0007). The connection runs
// with synchronous=NORMAL, so COMMIT only write()s its WAL frames into the OS page cache; this
// class then fdatasync()s the WAL file in libuv's thread pool, and group commit resolves a
// batch's writes only once a sync that started after its COMMIT has completed. The guarantee
// is the one synchronous=FULL gives (what a charger was told is stored survives power loss),
// while the event loop goes on with the next batch during the fsync, and one fsync covers
// every batch committed while the previous one ran.
import { closeSync, fdatasync, openSync } from 'node:fs';

export interface WalSyncStats {
  /** fdatasync calls completed */
  walSyncs: number;
}

export class WalSync {
  readonly stats: WalSyncStats = { walSyncs: 0 };
  readonly #walPath: string;
  readonly #syncFd: (fd: number) => Promise<void>;
  #fd: number | null = null;
  /** The sync running now, if any. */
  #current: Promise<void> | null = null;
  /** The sync that will start when #current ends; every caller since #current started shares it. */
  #next: Promise<void> | null = null;
  #closed = false;

  /** `syncFd` is for tests (a slow or failing disk); the default is fs.fdatasync in the thread pool. */
  constructor(databasePath: string, syncFd?: (fd: number) => Promise<void>) {
    this.#walPath = `${databasePath}-wal`;
    this.#syncFd =
      syncFd ??
      ((fd) =>
        new Promise<void>((resolve, reject) => {
          fdatasync(fd, (err) => (err ? reject(err) : resolve()));
        }));
  }

  /**
   * Resolves once everything written to the WAL before this call is on stable storage: by a
   * sync that starts after this call (one that is already running may have missed it).
   */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('database is closed'));
    if (this.#next) return this.#next;
    const start = async () => {
      await this.#current?.catch(() => {});
      this.#next = null;
      const run = this.#run();
      this.#current = run;
      try {
        await run;
      } finally {
        if (this.#current === run) this.#current = null;
      }
    };
    this.#next = start();
    return this.#next;
  }

  async #run(): Promise<void> {
    // Opened at the first sync: the WAL file exists from the first commit on, and SQLite keeps
    // it (the same inode, truncated or rewritten) while the connection is open. fsync applies
    // to the file, whichever descriptor asks.
    this.#fd ??= openSync(this.#walPath, 'r');
    await this.#syncFd(this.#fd);
    this.stats.walSyncs++;
  }

  /** Waits for the syncs under way, then releases the descriptor. Call before closing SQLite. */
  async close(): Promise<void> {
    await this.#next?.catch(() => {});
    await this.#current?.catch(() => {});
    this.release();
  }

  /** Releases the descriptor now (the connection is closing); later sync() calls reject. */
  release(): void {
    this.#closed = true;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
