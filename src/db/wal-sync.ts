// Durable SQLite commits without an fsync on the event loop (ADR 0007). The connection runs
// with synchronous=NORMAL, so COMMIT only write()s its WAL frames into the OS page cache; this
// class then fdatasync()s the WAL file on threads of its own (wal-sync-worker.ts; not libuv's
// shared pool), and group commit resolves a
// batch's writes only once a sync that started after its COMMIT has completed. The guarantee
// is the one synchronous=FULL gives (what a charger was told is stored survives power loss),
// while the event loop goes on with the next batch during the fsync, and one fsync covers
// every batch committed while the earlier ones ran.
import { closeSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export interface WalSyncStats {
  /** fdatasync calls completed */
  walSyncs: number;
}

// Two fdatasyncs may run at once: a batch committed while one runs starts its own at once
// rather than waiting for it to end (the file system merges them into its journal commits);
// beyond two, batches share the next one. Measured: p50/p99 of the steady-state bench 46/143 ms
// with one at a time, 36/125 with two, 37/106 with three (the fsync itself: p50 4 ms, p99 32 ms).
const MAX_CONCURRENT = 2;

export class WalSync {
  readonly stats: WalSyncStats = { walSyncs: 0 };
  readonly #walPath: string;
  readonly #syncFd: (fd: number) => Promise<void>;
  #fd: number | null = null;
  #running = 0;
  readonly #all = new Set<Promise<void>>();
  /** The sync that will start when a running one ends; every caller since shares it. */
  #next: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | null = null;
  #closed = false;
  /** The first failure: fail-stop, every later sync() rejects with it (a failed fsync can leave pages marked clean). */
  #failed: Error | null = null;

  /** `syncFd` is for tests (a slow or failing disk); the default fdatasyncs in WalSync's own threads (wal-sync-worker.ts). */
  constructor(databasePath: string, syncFd?: (fd: number) => Promise<void>) {
    this.#walPath = `${databasePath}-wal`;
    this.#syncFd = syncFd ?? ((fd) => this.#syncInWorker(fd));
  }

  // One thread per sync that may run at once, started at the first sync, ended by release().
  #workers: Array<{ worker: Worker; busy: boolean }> = [];
  #calls = new Map<number, { resolve: () => void; reject: (err: unknown) => void; slot: { busy: boolean } }>();
  #callId = 0;

  #syncInWorker(fd: number): Promise<void> {
    let slot = this.#workers.find((w) => !w.busy);
    if (!slot) {
      const worker = new Worker(new URL('./wal-sync-worker.ts', import.meta.url));
      worker.unref();
      worker.on('message', (m: { id: number; ok: boolean; message?: string; code?: string }) => {
        const call = this.#calls.get(m.id);
        if (!call) return;
        this.#calls.delete(m.id);
        call.slot.busy = false;
        if (m.ok) call.resolve();
        else call.reject(Object.assign(new Error(m.message), { code: m.code }));
      });
      // A sync thread that dies or exits leaves the pool (a later sync starts another) and
      // fails the sync it held: whether that fdatasync ran is unknown, so storage is fail-stop.
      const gone = (err: Error) => {
        this.#workers = this.#workers.filter((w) => w.worker !== worker);
        for (const [id, call] of this.#calls) {
          if (call.slot === created) {
            this.#calls.delete(id);
            call.reject(err);
          }
        }
      };
      worker.on('error', gone);
      worker.on('exit', (code) => gone(new Error(`the WAL sync thread exited (code ${code}) during an fdatasync`)));
      const created = { worker, busy: false };
      slot = created;
      this.#workers.push(slot);
    }
    const id = ++this.#callId;
    const taken = slot;
    taken.busy = true;
    return new Promise<void>((resolve, reject) => {
      this.#calls.set(id, { resolve, reject, slot: taken });
      taken.worker.postMessage({ id, fd });
    });
  }

  /**
   * Resolves once everything written to the WAL before this call is on stable storage: by a
   * sync that starts after this call (one that is already running may have missed it).
   */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('database is closed'));
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#running < MAX_CONCURRENT && !this.#next) return this.#launch();
    if (!this.#next) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#next = { promise, resolve, reject };
    }
    return this.#next.promise;
  }

  #launch(): Promise<void> {
    this.#running++;
    const run = this.#run().finally(() => {
      this.#running--;
      this.#all.delete(run);
      const next = this.#next;
      if (next && !this.#closed) {
        this.#next = null;
        this.#launch().then(next.resolve, next.reject);
      }
    });
    this.#all.add(run);
    return run;
  }

  async #run(): Promise<void> {
    // Opened at the first sync: the WAL file exists from the first commit on, and SQLite keeps
    // it (the same inode, truncated or rewritten) while the connection is open. fsync applies
    // to the file, whichever descriptor asks.
    this.#fd ??= openSync(this.#walPath, 'r');
    try {
      await this.#syncFd(this.#fd);
    } catch (err) {
      this.#failed ??= err as Error;
      throw err;
    }
    if (this.#failed) throw this.#failed; // a sync that overlapped the failure proves nothing
    this.stats.walSyncs++;
  }

  /** The sync threads (for diagnostics and tests). */
  get threads(): readonly Worker[] {
    return this.#workers.map((w) => w.worker);
  }

  /** Waits for the syncs under way, then releases the descriptor. Call before closing SQLite. */
  async close(): Promise<void> {
    while (this.#next || this.#all.size > 0) {
      await Promise.all([this.#next?.promise, ...this.#all].map((p) => p?.catch(() => {})));
    }
    this.release();
  }

  /** Releases the descriptor now (the connection is closing); later sync() calls reject. */
  release(): void {
    this.#closed = true;
    for (const { worker } of this.#workers) void worker.terminate();
    this.#workers = [];
    for (const call of this.#calls.values()) call.reject(new Error('database is closed'));
    this.#calls.clear();
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
