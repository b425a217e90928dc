// Parent side of the load generator: forks bench/lib/load-worker.ts processes (one per
// 10,000 stations, so none needs more than ~10,000 sockets under the ~20,000 open-file limit),
// splits the stations between them and merges what they report.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectReport, SteadyReport, WorkerCommand } from './load-worker.ts';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'load-worker.ts');
export const STATIONS_PER_WORKER = 10_000;

/** CPU seconds (user + system) a process used so far, from /proc (Linux); NaN elsewhere. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Resident set size of a process, bytes, from /proc (Linux). */
export function processRss(pid: number | undefined): number {
  try {
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export class LoadGenerator {
  readonly workers: ChildProcess[];

  private constructor(workers: ChildProcess[]) {
    this.workers = workers;
  }

  static async start(stations: number): Promise<LoadGenerator> {
    const count = Math.max(1, Math.ceil(stations / STATIONS_PER_WORKER));
    const workers = Array.from({ length: count }, () => fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await Promise.all(workers.map((w) => once(w, 'message')));
    return new LoadGenerator(workers);
  }

  #ask<T>(w: ChildProcess, cmd: WorkerCommand): Promise<T> {
    const reply = once(w, 'message').then(([m]) => {
      const msg = m as { type: string; message?: string };
      if (msg.type === 'error') throw new Error(`load worker: ${msg.message}`);
      return msg as T;
    });
    w.send(cmd);
    return reply;
  }

  /** ids are dealt to the workers in turn; concurrency is the total connects in flight */
  async connect(opts: { url: string; ids: string[]; connectors: number; concurrency: number; boot: boolean; version?: '1.6' | '2.0.1' }): Promise<ConnectReport> {
    const n = this.workers.length;
    const reports = await Promise.all(this.workers.map((w, i) =>
      this.#ask<ConnectReport>(w, { type: 'connect', url: opts.url, ids: opts.ids.filter((_, j) => j % n === i), connectors: opts.connectors, concurrency: Math.ceil(opts.concurrency / n), boot: opts.boot, version: opts.version })));
    return {
      type: 'connected',
      stations: reports.reduce((s, r) => s + r.stations, 0),
      failed: reports.reduce((s, r) => s + r.failed, 0),
      doneAtMs: reports.flatMap((r) => r.doneAtMs),
      connectMs: reports.flatMap((r) => r.connectMs),
      bootRttMs: reports.flatMap((r) => r.bootRttMs),
      statusRttMs: reports.flatMap((r) => r.statusRttMs),
      firstError: reports.find((r) => r.firstError)?.firstError,
    };
  }

  async steady(opts: { ratePerSecond: number; heartbeatEvery: number; seconds: number; warmupSeconds: number }): Promise<SteadyReport> {
    const n = this.workers.length;
    const reports = await Promise.all(this.workers.map((w) => this.#ask<SteadyReport>(w, { type: 'steady', ...opts, ratePerSecond: opts.ratePerSecond / n })));
    return {
      type: 'steady',
      meterRttMs: reports.flatMap((r) => r.meterRttMs),
      heartbeatRttMs: reports.flatMap((r) => r.heartbeatRttMs),
      sent: reports.reduce((s, r) => s + r.sent, 0),
      meterAnswered: reports.reduce((s, r) => s + r.meterAnswered, 0),
      heartbeatAnswered: reports.reduce((s, r) => s + r.heartbeatAnswered, 0),
      errors: reports.reduce((s, r) => s + r.errors, 0),
      seconds: opts.seconds,
      backlog: reports.reduce((s, r) => s + r.backlog, 0),
    };
  }

  cpuSeconds(): number {
    return this.workers.reduce((s, w) => s + processCpuSeconds(w.pid), 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map(async (w) => {
      if (w.exitCode !== null || w.signalCode !== null) return;
      const gone = once(w, 'exit');
      w.send({ type: 'stop' } satisfies WorkerCommand);
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      w.kill('SIGKILL');
    }));
  }
}

export function stationIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
}
