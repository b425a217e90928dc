// Messages per second and round-trip latency: M chargers against a real `plugboard serve`
// (a child process), each running charging sessions back to back as fast as the central
// system answers: StartTransaction, 3 x MeterValues, Heartbeat, StopTransaction. One CALL
// outstanding per charger (OCPP-J 1.6 §4.1.1), so M is also the number of CALLs in flight.
// Every answer to Start/Stop/MeterValues waits for its database commit (DESIGN.md).
//
//   node bench/throughput.ts [--chargers 500] [--seconds 20] [--warmup 2] [--postgres]
//
// The load generator runs in this process and competes with the server for the machine's
// CPUs: on a 2-core machine the figures are for server + clients + database together.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { isolatedDatabase } from '../test/fixtures/database.ts';
import { startServerProcess } from '../test/fixtures/server-process.ts';
import type { SimulatedCharger } from '../src/simulator/charger.ts';
import { closeFleet, openFleet } from './lib/fleet.ts';
import { percentile, writeResult } from './lib/report.ts';

export interface ThroughputOptions {
  chargers: number;
  seconds: number;
  /** PostgreSQL base URL, or null for SQLite */
  databaseUrl: string | null;
  /** chargers connecting at once during the setup */
  concurrency?: number;
  /**
   * Seconds at the start that are not counted: every charger sends its first
   * StartTransaction in the same instant, a synchronised wave a real fleet only produces
   * after an outage. Its latency is reported on its own.
   */
  warmupSeconds?: number;
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); NaN elsewhere. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat(5); index 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const ACTIONS = ['StartTransaction', 'MeterValues', 'Heartbeat', 'StopTransaction'] as const;
type Action = (typeof ACTIONS)[number];

class LatencyLog {
  readonly byAction = new Map<Action, number[]>();
  errors = 0;
  /** answers before this moment belong to the warm-up and are not counted */
  countFrom = 0;

  add(action: Action, startedAt: number, ms: number): void {
    if (startedAt < this.countFrom) return;
    let list = this.byAction.get(action);
    if (!list) this.byAction.set(action, (list = []));
    list.push(ms);
  }

  summary(list: number[]) {
    const sorted = Float64Array.from(list).sort();
    return { count: sorted.length, p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted[sorted.length - 1] ?? NaN) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

async function timed<T>(log: LatencyLog, action: Action, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await call();
  log.add(action, started, performance.now() - started);
  return result;
}

/** One charger's sessions until the deadline. Meter readings rise like a real register. */
async function drive(cp: SimulatedCharger, deadline: number, log: LatencyLog): Promise<void> {
  let energyWh = 0;
  while (performance.now() < deadline) {
    try {
      const start = await timed(log, 'StartTransaction', () => cp.startTransaction(1, 'BENCHTAG', energyWh));
      const transactionId = start.transactionId as number;
      for (let i = 0; i < 3; i++) {
        energyWh += 250;
        await timed(log, 'MeterValues', () => cp.meterValues(1, transactionId, energyWh));
      }
      await timed(log, 'Heartbeat', () => cp.heartbeat());
      energyWh += 250;
      await timed(log, 'StopTransaction', () => cp.stopTransaction(transactionId, energyWh, { reason: 'EVDisconnected' }));
    } catch {
      log.errors++;
      // A charger whose connection is gone stops; the errors count says so.
      if (cp.ws?.readyState !== WebSocket.OPEN) return;
    }
  }
}

export async function runThroughputBench(opts: ThroughputOptions) {
  const db = await isolatedDatabase(opts.databaseUrl);
  const server = await startServerProcess({
    env: { ...db.env(), PLUGBOARD_LOG_LEVEL: 'warn', PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'true', PLUGBOARD_ALLOW_CONCURRENT_TX: 'true' },
  });
  let chargers: SimulatedCharger[] = [];
  try {
    chargers = await openFleet({ url: server.ocppUrl, count: opts.chargers, prefix: 'TP-', concurrency: opts.concurrency ?? 100 });
    const log = new LatencyLog();
    const warmupMs = (opts.warmupSeconds ?? 2) * 1000;
    const started = performance.now();
    log.countFrom = started + warmupMs;
    const deadline = log.countFrom + opts.seconds * 1000;
    let clientCpuBefore = process.cpuUsage();
    let serverCpuBefore = processCpuSeconds(server.child.pid);
    const measuring = setTimeout(() => {
      clientCpuBefore = process.cpuUsage();
      serverCpuBefore = processCpuSeconds(server.child.pid);
    }, warmupMs);
    await Promise.all(chargers.map((cp) => drive(cp, deadline, log)));
    clearTimeout(measuring);
    const elapsedS = (performance.now() - log.countFrom) / 1000;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const serverCpuS = processCpuSeconds(server.child.pid) - serverCpuBefore;

    const all = [...log.byAction.values()].flat();
    const perAction = Object.fromEntries(ACTIONS.map((a) => [a, log.summary(log.byAction.get(a) ?? [])]));
    const total = log.summary(all);
    const result = {
      backend: db.backend,
      chargers: opts.chargers,
      seconds: round(elapsedS),
      messages: total.count,
      messagesPerSecond: Math.round(total.count / elapsedS),
      transactionsPerSecond: Math.round((perAction.StopTransaction.count ?? 0) / elapsedS),
      latency: { all: total, ...perAction },
      errors: log.errors,
      warmupSeconds: warmupMs / 1000,
      serverCpuPercent: Math.round((serverCpuS / elapsedS) * 100),
      clientCpuPercent: Math.round(((clientCpu.user + clientCpu.system) / 1000 / (elapsedS * 1000)) * 100),
    };
    const path = writeResult(`throughput-${db.backend}`, result);
    console.log(
      `throughput (${db.backend}): ${opts.chargers} chargers for ${result.seconds} s after ${warmupMs / 1000} s of warm-up: ${result.messagesPerSecond} messages/s ` +
        `(${result.transactionsPerSecond} sessions/s), p50 ${total.p50Ms} ms, p99 ${total.p99Ms} ms, errors ${log.errors}`,
    );
    for (const a of ACTIONS) {
      const s = perAction[a];
      console.log(`  ${a.padEnd(18)} ${String(s.count).padStart(8)}   p50 ${String(s.p50Ms).padStart(7)} ms   p99 ${String(s.p99Ms).padStart(7)} ms   max ${String(s.maxMs).padStart(7)} ms`);
    }
    console.log(`  CPU: server ${result.serverCpuPercent}% of one core, load generator ${result.clientCpuPercent}%   -> ${path}`);
    return result;
  } finally {
    await closeFleet(chargers);
    await server.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
    await server.kill('SIGKILL');
    await db.drop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      chargers: { type: 'string', default: '500' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      postgres: { type: 'boolean', default: false },
    },
  });
  const databaseUrl = values.postgres ? (process.env.DATABASE_URL ?? null) : null;
  if (values.postgres && !databaseUrl) throw new Error('--postgres needs DATABASE_URL');
  await runThroughputBench({ chargers: Number(values.chargers), seconds: Number(values.seconds), warmupSeconds: Number(values.warmup), databaseUrl });
}
