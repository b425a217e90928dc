// SQLite WAL checkpoints off the event loop (ADR 0007). A checkpoint copies the WAL's pages
// back into the database file and fsyncs it; SQLite's automatic checkpoint does that inside the
// COMMIT that crosses the threshold, on the thread that serves every charger (half the COMMIT
// cost under steady MeterValues load, and a stall per checkpoint). Here a worker thread with
// its own connection runs PASSIVE checkpoints while the writer commits: nudged after every
// COMMIT, one in flight at a time, another right after if more was committed meanwhile.
//
// A worker's checkpoint can never let the WAL start over while the writer keeps committing (it
// only reaches the frames that existed when it began), so the writer keeps an automatic
// checkpoint with a higher threshold (sqlite-dialect.ts): by then the worker has copied nearly
// everything, the writer's checkpoint has only the last frames left, and the WAL restarts.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

export interface CheckpointerStats {
  /** PASSIVE checkpoints completed by the worker */
  checkpoints: number;
}

export interface CheckpointerOptions {
  path: string;
  log: Logger;
  /** Commits before the worker is started: short-lived databases (tests, CLI) never need one. */
  startAfterCommits?: number;
}

export class Checkpointer {
  readonly stats: CheckpointerStats = { checkpoints: 0 };
  readonly #opts: CheckpointerOptions;
  #worker: Worker | null = null;
  #commits = 0;
  #inFlight = false;
  #again = false;
  #failed = false;
  #closed = false;
  #warned = false;

  constructor(opts: CheckpointerOptions) {
    this.#opts = opts;
  }

  /** After a COMMIT: checkpoint what is in the WAL, now or right after the one running. */
  nudge(): void {
    if (this.#closed || this.#failed) return;
    if (!this.#worker) {
      if (++this.#commits < (this.#opts.startAfterCommits ?? 64)) return;
      this.#start();
    }
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#post();
  }

  #start(): void {
    const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: { path: this.#opts.path } });
    // Never keeps the process alive; close() ends it.
    worker.unref();
    worker.on('message', (m: { ok: boolean; error?: string }) => {
      this.#inFlight = false;
      if (m.ok) this.stats.checkpoints++;
      else if (!this.#warned) {
        this.#warned = true;
        this.#opts.log.warn({ err: m.error }, 'WAL checkpoint in the worker failed; SQLite\'s automatic checkpoint still runs');
      }
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.#post();
      }
    });
    worker.on('error', (err) => {
      // Without the worker SQLite's automatic checkpoint keeps the WAL bounded, on the event loop.
      this.#failed = true;
      this.#worker = null;
      this.#opts.log.error({ err }, 'WAL checkpoint worker died; checkpoints run in COMMIT from now on');
    });
    this.#worker = worker;
  }

  #post(): void {
    this.#inFlight = true;
    this.#worker!.postMessage('checkpoint');
  }

  /** Ends the worker (its connection closed) before the writer's connection closes. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    await worker.terminate();
  }
}
