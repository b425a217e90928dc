// Where the OCTT cases live: every test/e2e/octt-*.test.ts (1.6) and octt201-*.test.ts (2.0.1),
// whichever profile it covers, so a new profile's file joins the compliance run without touching the runner.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e');

export function octtTestFiles(dir = E2E_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /^octt(?:201)?-.+\.test\.ts$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

// A test, suite or describe block whose name (the first argument) starts with a case id.
const DECLARATION = /\b(?:test|it|describe|suite)\s*\(\s*['"`](TC_\d{3}(?:_\d+)?_CSMS|TC_[A-P]_\d+_CSMS)(?=[\s'"`])/g;

/**
 * The case ids the files declare tests for, read from their source. The runner compares
 * them with what was reported: a file that crashes before its tests report would otherwise
 * make its cases look "not implemented".
 */
export function declaredCaseIds(files: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(DECLARATION)) ids.add(m[1]);
  }
  return ids;
}
