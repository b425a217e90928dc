// `npm run bench`: every benchmark with modest defaults (about 2-3 minutes on a 2-core machine).
// Throughput runs on SQLite, and on PostgreSQL too when DATABASE_URL is set. Figures are
// printed and written to bench/results/*.json; bench/README.md says how to read them.
//
//   node bench/run.ts [--count 10000] [--chargers 500] [--seconds 20] [--skip connections,throughput]
import { parseArgs } from 'node:util';
import { runConnectionsBench } from './connections.ts';
import { runThroughputBench } from './throughput.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    chargers: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    skip: { type: 'string', default: '' },
  },
});
const skip = new Set(values.skip.split(',').filter(Boolean));
const postgres = process.env.DATABASE_URL ?? null;
const started = Date.now();

if (!skip.has('connections')) {
  // Memory per connection does not depend on the database; SQLite keeps the run self-contained.
  await runConnectionsBench({ count: Number(values.count), concurrency: 200, databaseUrl: null });
  console.log();
}
if (!skip.has('throughput')) {
  await runThroughputBench({ chargers: Number(values.chargers), seconds: Number(values.seconds), databaseUrl: null });
  console.log();
  if (postgres) {
    await runThroughputBench({ chargers: Number(values.chargers), seconds: Number(values.seconds), databaseUrl: postgres });
    console.log();
  } else {
    console.log('throughput on PostgreSQL skipped: set DATABASE_URL=postgres://... to run it\n');
  }
}
console.log(`benchmarks done in ${Math.round((Date.now() - started) / 1000)} s`);
