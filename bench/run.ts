// `npm run bench`: the issue #4 scenarios with defaults that finish in about 5 minutes on a
// 2-core machine: boot storm, steady state, idle fleet, command latency, each against
// Plugboard on SQLite, on PostgreSQL when DATABASE_URL is set, and the echo ceiling. Figures
// are printed and written to bench/results/{scenario}.json and .md; bench/README.md says how
// to read them. --full runs the goal-sized loads (10,000-station boot storm, 19,000 idle).
//
//   node bench/run.ts [--full] [--only boot-storm,steady-state,idle-fleet,command-latency,reconnect-after-restart] [--profile]
//   node bench/run.ts --legacy      # also the older connections/throughput benchmarks
import { parseArgs } from 'node:util';
import { runBootStorm } from './boot-storm.ts';
import { runCommandLatency } from './command-latency.ts';
import { runConnectionsBench } from './connections.ts';
import { runIdleFleet } from './idle-fleet.ts';
import { runReconnectAfterRestart } from './reconnect-after-restart.ts';
import { goalOfferedRate, runSteadyState } from './steady-state.ts';
import { runThroughputBench } from './throughput.ts';
import type { TargetKind } from './lib/target.ts';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string', default: 'boot-storm,steady-state,idle-fleet,command-latency,reconnect-after-restart' },
    profile: { type: 'boolean', default: false },
    legacy: { type: 'boolean', default: false },
  },
});
const only = new Set(values.only.split(',').filter(Boolean));
const databaseUrl = process.env.DATABASE_URL ?? null;
const targets: TargetKind[] = databaseUrl ? ['sqlite', 'postgres', 'echo'] : ['sqlite', 'echo'];
const full = values.full;
const started = Date.now();
if (!databaseUrl) console.log('PostgreSQL skipped: set DATABASE_URL=postgres://... to include it\n');

if (only.has('boot-storm')) {
  await runBootStorm({ stations: full ? 10_000 : 5_000, connectors: 2, concurrency: 1000, targets, databaseUrl, profile: values.profile });
  console.log();
}
if (only.has('steady-state')) {
  await runSteadyState({ stations: 2000, rate: goalOfferedRate(10), heartbeatEvery: 10, seconds: full ? 30 : 10, warmupSeconds: 3, targets, databaseUrl, profile: values.profile });
  console.log();
}
if (only.has('idle-fleet')) {
  // Memory per connection does not depend much on the database; PostgreSQL only in --full.
  await runIdleFleet({ stations: full ? 19_000 : 10_000, concurrency: 500, targets: full ? targets : ['sqlite', 'echo'], databaseUrl });
  console.log();
}
if (only.has('command-latency')) {
  // Saturation (10 in flight, as fast as answered), then a stated load: 500 commands/s on schedule.
  await runCommandLatency({ stations: 1000, commands: full ? 10_000 : 3000, concurrency: 10, backgroundRate: 0, targets, databaseUrl, profile: values.profile });
  await runCommandLatency({ stations: 1000, commands: full ? 10_000 : 3000, concurrency: 10, rate: 500, backgroundRate: 0, targets, databaseUrl });
  console.log();
}
if (only.has('reconnect-after-restart')) {
  // ADR 0008: the scrypt path takes minutes at 10,000 (the point of the figure); SQLite only.
  await runReconnectAfterRestart({ stations: full ? 10_000 : 2000, concurrency: 100, modes: ['ceiling', 'keyed', 'scrypt'] });
  console.log();
}
if (values.legacy) {
  await runConnectionsBench({ count: 10_000, concurrency: 200, databaseUrl: null });
  await runThroughputBench({ chargers: 500, seconds: 20, databaseUrl: null });
  if (databaseUrl) await runThroughputBench({ chargers: 500, seconds: 20, databaseUrl });
}
console.log(`benchmarks done in ${Math.round((Date.now() - started) / 1000)} s`);
