// CI must never fail because the machine is busy: no test asserts that something took less than
// some wall time (speed is measured in bench/). Tests wait for conditions instead. This scans
// every test file for an assertion bounding an elapsed time from above.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** Lines of `source` that assert an upper bound on a measured duration. */
export function wallClockAssertions(source: string): string[] {
  const measured = /\b(elapsed\w*|\w*Delay|\w*[dD]uration(Ms)?|took|gap|ms)\b|performance\.now\(\)|Date\.now\(\)\s*-/;
  return source
    .split('\n')
    .filter((line) => /\bassert\b/.test(line) && measured.test(line) && /(<|<=)\s*[\d_]+/.test(line) && !/allow-wall-clock/.test(line));
}

test('the scanner flags an upper bound on elapsed time and nothing else', () => {
  assert.equal(wallClockAssertions('  assert.ok(elapsed < 1_000, `took ${elapsed} ms`);').length, 1);
  assert.equal(wallClockAssertions('  assert.ok(performance.now() - started < 5000);').length, 1);
  assert.equal(wallClockAssertions('  assert.ok(Date.now() - started < 50);').length, 1);
  assert.equal(wallClockAssertions('  assert.ok(gap >= 280, `retried after ${gap} ms`);').length, 0);
  assert.equal(wallClockAssertions('  assert.ok(items.length < 10);').length, 0);
});

test('no test file asserts on elapsed wall time', () => {
  const files = String(execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'test/**/*.ts', 'test/*.ts'], { cwd: root }))
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('no-wall-clock.test.ts'));
  const found = files.flatMap((f) => wallClockAssertions(readFileSync(join(root, f), 'utf8')).map((l) => `${f}: ${l.trim()}`));
  assert.deepEqual(found, []);
});
