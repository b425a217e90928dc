// write() throughput and latency: N concurrent writers, each awaiting one single-row insert
// after another (what N chargers' MeterValues handlers do), against plain autocommit inserts
// issued the same way. SQLite always; PostgreSQL too when DATABASE_URL is set (in a scratch
// schema, dropped afterwards).
//
//   node bench/db-write.ts [--total 20000] [--concurrency 1000] [--max-seconds 60]
//
// Prints the figures and writes bench/results/db-write-<dialect>.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { openAndMigrate } from '../src/db/index.ts';
import type { Db, OpenDbOptions } from '../src/db/index.ts';

const { values: args } = parseArgs({
  options: {
    total: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '1000' },
    'max-seconds': { type: 'string', default: '60' },
    // PostgreSQL tuning knobs; defaults are openDb's.
    'pool-size': { type: 'string' },
    'concurrent-batches': { type: 'string' },
    'max-batch': { type: 'string' },
  },
});
const TOTAL = Number(args.total);
const CONCURRENCY = Number(args.concurrency);
const MAX_MS = Number(args['max-seconds']) * 1000;
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const tuning = {
  poolSize: num(args['pool-size']),
  groupCommit: { maxConcurrentBatches: num(args['concurrent-batches']), maxBatchOps: num(args['max-batch']) },
};

interface RunResult {
  mode: 'write (group commit)' | 'autocommit';
  writes: number;
  concurrency: number;
  seconds: number;
  writesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  transactions?: number;
  writesPerTransaction?: number;
  stoppedByTimeLimit: boolean;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(3)) : 0;
}

let seq = 0;
function row() {
  const n = seq++;
  return {
    station_id: `CP${n % 1000}`,
    connector_id: 1,
    transaction_id: n,
    source: 'MeterValues',
    timestamp: new Date().toISOString(),
    value: String(n * 10),
    measurand: 'Energy.Active.Import.Register',
    unit: 'Wh',
    context: 'Sample.Periodic',
    location: 'Outlet',
    format: 'Raw',
    received_at: new Date().toISOString(),
  };
}

async function run(db: Db, mode: RunResult['mode'], total: number, concurrency = CONCURRENCY): Promise<RunResult> {
  const insert =
    mode === 'autocommit'
      ? () => db.kysely.insertInto('meter_values').values(row()).execute()
      : () => db.write((trx) => trx.insertInto('meter_values').values(row()).execute());
  const latencies: number[] = [];
  const before = db.stats;
  const started = performance.now();
  let issued = 0;
  let timedOut = false;
  async function writer(): Promise<void> {
    while (issued < total) {
      if (performance.now() - started > MAX_MS) {
        timedOut = true;
        return;
      }
      issued++;
      const t0 = performance.now();
      await insert();
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, writer));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const result: RunResult = {
    mode,
    writes: latencies.length,
    concurrency,
    seconds: Number(seconds.toFixed(3)),
    writesPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    stoppedByTimeLimit: timedOut,
  };
  if (mode !== 'autocommit') {
    const after = db.stats;
    result.transactions = after.batches - before.batches;
    result.writesPerTransaction = Number(((after.ops - before.ops) / Math.max(1, result.transactions)).toFixed(1));
  }
  return result;
}

async function benchDialect(label: 'sqlite' | 'postgres', connection: Pick<OpenDbOptions, 'databaseUrl' | 'sqlitePath'>) {
  const db = await openAndMigrate({ ...connection, ...tuning, log: pino({ level: 'warn' }) });
  const results: RunResult[] = [];
  try {
    await run(db, 'write (group commit)', Math.min(2000, TOTAL)); // warm-up: JIT, statement cache, pool
    results.push(await run(db, 'write (group commit)', TOTAL));
    // Autocommit is far slower (one fsync per insert on SQLite): fewer of them keep the run short.
    results.push(await run(db, 'autocommit', Math.min(TOTAL, label === 'sqlite' ? 2000 : 5000)));
    // A lone writer: the latency of a write when nothing else is queued.
    results.push(await run(db, 'write (group commit)', 500, 1));
  } finally {
    await db.close();
  }
  for (const r of results) {
    console.log(
      `${label.padEnd(8)} ${r.mode.padEnd(20)} ${String(r.writes).padStart(6)} writes x${String(r.concurrency).padStart(4)} concurrent: ` +
        `${String(r.writesPerSecond).padStart(6)}/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  max ${r.latencyMs.max} ms` +
        (r.transactions !== undefined ? `  (${r.transactions} transactions, ${r.writesPerTransaction} writes each)` : '') +
        (r.stoppedByTimeLimit ? '  [time limit]' : ''),
    );
  }
  const out = {
    benchmark: 'db-write',
    dialect: label,
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    settings: {
      total: TOTAL,
      concurrency: CONCURRENCY,
      maxSeconds: MAX_MS / 1000,
      ...(label === 'postgres' ? { poolSize: tuning.poolSize ?? 10, ...tuning.groupCommit } : { maxBatchOps: tuning.groupCommit.maxBatchOps }),
      table: 'meter_values', durability: label === 'sqlite' ? 'WAL, synchronous=FULL' : 'server defaults' },
    results,
  };
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`db-write-${label}.json`, dir), JSON.stringify(out, null, 2) + '\n');
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
try {
  await benchDialect('sqlite', { databaseUrl: null, sqlitePath: join(sqliteDir, 'bench.db') });
} finally {
  rmSync(sqliteDir, { recursive: true, force: true });
}

if (process.env.DATABASE_URL) {
  const base = process.env.DATABASE_URL;
  const schema = `pb_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await admin(`create schema "${schema}"`);
  try {
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    await benchDialect('postgres', { databaseUrl: url.toString(), sqlitePath: '' });
  } finally {
    await admin(`drop schema if exists "${schema}" cascade`);
  }
} else {
  console.log('postgres: skipped (set DATABASE_URL)');
}
