// `npm run test:compliance`: runs the OCTT 1.6 and 2.0.1 central-system cases (every
// test/e2e/octt-*.test.ts and octt201-*.test.ts, through node:test's run(), each file in its own process, a few at
// once), then prints one row per case of the registry with its result and writes the same
// tables (the two versions side by side) to test/compliance/results.md. Exits non-zero when an implemented case fails, a file
// crashes, a test names a case the registry does not know, or another test in those files fails.
//
//   node test/compliance/run.ts [--no-results | --results=file.md] [--dir=folder of octt-*.test.ts / octt201-*.test.ts]
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { run } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OCTT16_CSMS_CASES, caseIdOf } from './cases.ts';
import { OCTT201_CSMS_CASES } from './cases201.ts';
import { declaredCaseIds, octtTestFiles } from './files.ts';
import { markdownReport, summaryLines, tabulate, terminalTable, type TestOutcome } from './results.ts';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results.md');
/** per file; the longest case waits for a reservation to expire or a trigger to time out */
const FILE_TIMEOUT_MS = 180_000;

interface ErrorLike {
  message?: string;
  cause?: ErrorLike;
}

function describeError(error: unknown): string {
  const e = error as ErrorLike | undefined;
  // node:test wraps what the test threw (ERR_TEST_FAILURE) and keeps it as the cause.
  return String(e?.cause?.message ?? e?.message ?? 'failed');
}

const indent = (text: string, by = '      ') =>
  text
    .split('\n')
    .slice(0, 12)
    .map((l) => by + l)
    .join('\n');

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const resultsFile = args.includes('--no-results') ? null : resolve(option('results') ?? RESULTS_FILE);
  const dir = option('dir');
  const files = octtTestFiles(dir === undefined ? undefined : resolve(dir));
  if (files.length === 0) {
    console.error('no octt-*.test.ts or octt201-*.test.ts files found');
    return 1;
  }
  const backend = process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite';
  console.log(`OCTT 1.6 and 2.0.1 compliance on ${backend}: ${files.map((f) => basename(f)).join(', ')}\n`);

  const outcomes: TestOutcome[] = [];
  const stderrByFile = new Map<string, string[]>();
  // The files wait on sockets and timers more than on the CPU, so a few run at once.
  const stream = run({ files, concurrency: Math.min(files.length, Math.max(2, availableParallelism())), timeout: FILE_TIMEOUT_MS });
  for await (const event of stream) {
    if (event.type === 'test:stderr') {
      const file = event.data.file ?? '';
      let lines = stderrByFile.get(file);
      if (!lines) stderrByFile.set(file, (lines = []));
      lines.push(event.data.message);
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      const d = event.data;
      const passed = event.type === 'test:pass';
      const outcome: TestOutcome = {
        name: d.name,
        file: d.file ?? '',
        passed,
        todo: d.todo,
        skip: d.skip,
        durationMs: d.details.duration_ms,
        ...(passed ? {} : { error: describeError(d.details.error) }),
      };
      outcomes.push(outcome);
      // Case tests and failures are shown as they finish; passing helper tests stay quiet.
      if (caseIdOf(d.name) !== null || !passed) {
        const mark = d.skip ? '-' : passed ? '✔' : d.todo ? '!' : '✖';
        console.log(`${'  '.repeat(d.nesting)}${mark} ${d.name} (${Math.round(outcome.durationMs)} ms)${d.todo ? ` # todo ${d.todo}` : ''}`);
        if (!passed) {
          console.log(indent(outcome.error ?? ''));
          // A whole file failing is reported under the file's name: its stderr says why.
          if (d.name === basename(outcome.file)) console.log(indent((stderrByFile.get(outcome.file) ?? []).join('').trim()));
        }
      }
    }
  }

  const { rows, unknownCases, otherFailures, failed } = tabulate([...OCTT16_CSMS_CASES, ...OCTT201_CSMS_CASES], outcomes, declaredCaseIds(files));
  console.log(`\n${terminalTable(rows)}\n`);
  for (const line of summaryLines(rows)) console.log(line);
  for (const o of unknownCases) console.log(`✖ ${o.name} (${basename(o.file)}): not a case of the registry (test/compliance/cases.ts, cases201.ts)`);
  for (const o of otherFailures) console.log(`✖ ${o.name} (${basename(o.file)}) failed: ${o.error?.split('\n')[0] ?? ''}`);
  if (resultsFile !== null) {
    writeFileSync(resultsFile, markdownReport(rows, { backend, nodeVersion: process.versions.node }));
    console.log(`\nwritten to ${resultsFile}`);
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
