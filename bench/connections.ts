// Memory per idle charger: N chargers connect and boot, then sit idle, and the SERVER
// process's memory is read after a full GC. The server runs in a child process
// (bench/lib/memory-server.ts, --expose-gc) and the clients in this one, so client sockets
// are not counted, and each process stays under the machine's open-file limit (about
// 20,000 per process here: 10,000 chargers need 10,000 descriptors on each side).
//
//   node bench/connections.ts [--count 10000] [--concurrency 200]
import { execSync } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { isolatedDatabase } from '../test/fixtures/database.ts';
import { startServerProcess, type ServerProcess } from '../test/fixtures/server-process.ts';
import { closeFleet, openFleet } from './lib/fleet.ts';
import type { ChildMessage, MemorySample, ParentMessage } from './lib/memory-server.ts';
import { kb, mb, writeResult } from './lib/report.ts';

export interface ConnectionsOptions {
  count: number;
  concurrency: number;
  /** PostgreSQL base URL, or null for SQLite */
  databaseUrl: string | null;
}

/** The budget DESIGN.md sets for an idle charger. */
export const BUDGET_BYTES_PER_CHARGER = 16 * 1024;

function openFileLimit(): number {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim());
  } catch {
    return NaN;
  }
}

async function sample(server: ServerProcess, release: boolean): Promise<MemorySample> {
  const reply = once(server.child, 'message') as Promise<[ChildMessage]>;
  server.child.send({ type: 'measure', release } satisfies ParentMessage);
  const [msg] = await reply;
  if (msg.type !== 'sample') throw new Error(`memory sample failed: ${msg.message}`);
  return msg.sample;
}

/** Both readings: after full GCs (pages kept), then after the heap was shrunk (pages returned). */
export async function measure(server: ServerProcess): Promise<{ kept: MemorySample; released: MemorySample }> {
  const kept = await sample(server, false);
  const released = await sample(server, true);
  return { kept, released };
}

export function perCharger(from: MemorySample, to: MemorySample) {
  const n = to.connections - from.connections;
  const delta = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.round((v - (a[k] ?? 0)) / n)]));
  return {
    chargers: n,
    rssBytes: Math.round((to.rss - from.rss) / n),
    heapUsedBytes: Math.round((to.heapUsed - from.heapUsed) / n),
    heapTotalBytes: Math.round((to.heapTotal - from.heapTotal) / n),
    externalBytes: Math.round((to.external - from.external) / n),
    arrayBuffersBytes: Math.round((to.arrayBuffers - from.arrayBuffers) / n),
    heapSpacesBytes: delta(from.heapSpaces, to.heapSpaces),
    smapsBytes: delta(from.smaps, to.smaps),
  };
}

export async function runConnectionsBench(opts: ConnectionsOptions) {
  const limit = openFileLimit();
  // Sockets plus what Node, the database and the log already hold open.
  if (Number.isFinite(limit) && opts.count + 500 > limit) {
    throw new Error(`open-file limit ${limit} is too low for ${opts.count} chargers in one process: raise it (ulimit -n) or lower --count`);
  }
  const db = await isolatedDatabase(opts.databaseUrl);
  const server = await startServerProcess({
    env: { ...db.env(), PLUGBOARD_LOG_LEVEL: 'warn' },
    nodeArgs: ['--expose-gc'],
    args: ['bench/lib/memory-server.ts'],
    ipc: true,
  });
  const chargers = [];
  try {
    const empty = await measure(server);
    // A first tenth warms up everything paid once (JIT, schemas, pools, statement caches),
    // so that the step from the tenth to all of them is what each further charger costs.
    const tenth = Math.max(1, Math.floor(opts.count / 10));
    chargers.push(...(await openFleet({ url: server.ocppUrl, count: tenth, prefix: 'MEM-A-', concurrency: opts.concurrency })));
    const warm = await measure(server);
    const started = performance.now();
    chargers.push(...(await openFleet({ url: server.ocppUrl, count: opts.count - tenth, prefix: 'MEM-B-', concurrency: opts.concurrency })));
    const connectSeconds = (performance.now() - started) / 1000;
    const full = await measure(server);
    if (full.kept.connections !== opts.count) throw new Error(`server holds ${full.kept.connections} connections, expected ${opts.count}`);

    const readings = {
      afterFullGc: { marginal: perCharger(warm.kept, full.kept), fromEmpty: perCharger(empty.kept, full.kept) },
      afterHeapShrink: { marginal: perCharger(warm.released, full.released), fromEmpty: perCharger(empty.released, full.released) },
    };
    const worstRss = Math.max(readings.afterFullGc.marginal.rssBytes, readings.afterHeapShrink.marginal.rssBytes);
    const result = {
      backend: db.backend,
      chargers: opts.count,
      connectAndBootPerSecond: Math.round((opts.count - tenth) / connectSeconds),
      perCharger: readings,
      serverRss: { empty: empty.kept.rss, fullAfterGc: full.kept.rss, fullAfterShrink: full.released.rss },
      serverHeapUsed: { empty: empty.kept.heapUsed, full: full.kept.heapUsed },
      budgetBytesPerCharger: BUDGET_BYTES_PER_CHARGER,
      withinBudget: worstRss < BUDGET_BYTES_PER_CHARGER,
    };
    const path = writeResult(`connections-${db.backend}`, result);
    const row = (label: string, r: ReturnType<typeof perCharger>) =>
      `  ${label.padEnd(26)}${kb(r.rssBytes).padStart(10)}${kb(r.heapUsedBytes).padStart(12)}${kb(r.heapTotalBytes).padStart(14)}${kb(r.externalBytes).padStart(11)}`;
    console.log(`connections (${db.backend}): ${opts.count} idle chargers, connected and booted at ${result.connectAndBootPerSecond}/s`);
    console.log(`  per idle charger (marginal)     RSS   heap used  V8 committed   external`);
    console.log(row('after full GC', readings.afterFullGc.marginal));
    console.log(row('after heap shrink', readings.afterHeapShrink.marginal));
    console.log(row('after GC, from empty', readings.afterFullGc.fromEmpty));
    console.log(`  server RSS: empty ${mb(empty.kept.rss)}; with ${opts.count} chargers ${mb(full.kept.rss)} after GC, ${mb(full.released.rss)} after shrink`);
    console.log(`  heap by space (marginal): ${Object.entries(readings.afterFullGc.marginal.heapSpacesBytes).filter(([, b]) => b !== 0).map(([sp, b]) => `${sp} ${b} B`).join(', ')}`);
    console.log(`  budget ${kb(BUDGET_BYTES_PER_CHARGER)} per charger: ${result.withinBudget ? 'within' : 'OVER'} (worst reading ${kb(worstRss)})   -> ${path}`);
    return result;
  } finally {
    await closeFleet(chargers);
    server.child.send({ type: 'stop' } satisfies ParentMessage);
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
    await server.kill('SIGKILL');
    await db.drop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '200' },
      postgres: { type: 'boolean', default: false },
    },
  });
  const databaseUrl = values.postgres ? (process.env.DATABASE_URL ?? null) : null;
  if (values.postgres && !databaseUrl) throw new Error('--postgres needs DATABASE_URL');
  await runConnectionsBench({ count: Number(values.count), concurrency: Number(values.concurrency), databaseUrl });
}
