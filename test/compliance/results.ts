// Turns the outcomes of the OCTT test files into one row per registered case, and renders
// the rows as a terminal table and as markdown. Pure functions: the runner feeds them.
import { caseIdOf, PROFILES, type ComplianceCase } from './cases.ts';

/** One finished test, as node:test reported it. */
export interface TestOutcome {
  name: string;
  file: string;
  passed: boolean;
  /** the todo marker (a known bug), when the test has one */
  todo?: string | boolean;
  skip?: string | boolean;
  error?: string;
  durationMs: number;
}

/**
 * pass: every test of the case passed. fail: one failed. known failure: one failed but is
 * marked todo (a known bug). skipped: its tests were skipped. not implemented: no test names
 * the case. did not run: a test file names the case but no result came back (the file
 * crashed or timed out), which counts as a failure.
 */
export type CaseResult = 'pass' | 'fail' | 'known failure' | 'skipped' | 'not implemented' | 'did not run';

export interface CaseRow extends ComplianceCase {
  result: CaseResult;
  tests: TestOutcome[];
  /** the todo or skip reason, or the first failure message */
  note: string;
}

export interface Tabulation {
  rows: CaseRow[];
  /** tests whose name carries a TC id the registry does not know (a typo would otherwise hide a case) */
  unknownCases: TestOutcome[];
  /** tests beyond the OCTT cases (or whole files) that failed and are not marked todo */
  otherFailures: TestOutcome[];
  /** true when the run must exit non-zero */
  failed: boolean;
}

const marker = (value: string | boolean | undefined): string => (typeof value === 'string' ? value : value ? 'yes' : '');

function resultOf(tests: TestOutcome[], declared: boolean): { result: CaseResult; note: string } {
  if (tests.length === 0) return declared ? { result: 'did not run', note: 'named in a test file, but no result was reported' } : { result: 'not implemented', note: '' };
  const failing = tests.filter((t) => !t.passed);
  const hard = failing.find((t) => !t.todo);
  if (hard) return { result: 'fail', note: hard.error ?? '' };
  if (failing.length > 0) return { result: 'known failure', note: `todo: ${marker(failing[0].todo)}` };
  if (tests.every((t) => t.skip)) return { result: 'skipped', note: `skipped: ${marker(tests[0].skip)}` };
  const stale = tests.find((t) => t.todo);
  return { result: 'pass', note: stale ? `passes, yet still marked todo (${marker(stale.todo)})` : '' };
}

export const FAILING_RESULTS: ReadonlySet<CaseResult> = new Set(['fail', 'did not run']);

/**
 * One row per registered case. `declaredIds` are the case ids the test files name in their
 * source, so that a file that crashes before reporting cannot turn its cases into "not implemented".
 */
export function tabulate(cases: readonly ComplianceCase[], outcomes: readonly TestOutcome[], declaredIds: ReadonlySet<string>): Tabulation {
  const known = new Set(cases.map((c) => c.id));
  const byCase = new Map<string, TestOutcome[]>();
  const unknownCases: TestOutcome[] = [];
  const otherFailures: TestOutcome[] = [];
  for (const o of outcomes) {
    const id = caseIdOf(o.name);
    if (id === null) {
      if (!o.passed && !o.todo) otherFailures.push(o);
    } else if (!known.has(id)) {
      unknownCases.push(o);
    } else {
      let list = byCase.get(id);
      if (!list) byCase.set(id, (list = []));
      list.push(o);
    }
  }
  const rows = cases.map((c) => {
    const tests = byCase.get(c.id) ?? [];
    return { ...c, tests, ...resultOf(tests, declaredIds.has(c.id)) };
  });
  const undeclaredUnknown = [...declaredIds].filter((id) => !known.has(id) && !unknownCases.some((o) => caseIdOf(o.name) === id));
  for (const id of undeclaredUnknown) unknownCases.push({ name: id, file: '(source)', passed: false, durationMs: 0, error: 'named in a test file but not in the registry' });
  const failed = rows.some((r) => FAILING_RESULTS.has(r.result)) || unknownCases.length > 0 || otherFailures.length > 0;
  return { rows, unknownCases, otherFailures, failed };
}

export interface ProfileSummary {
  profile: string;
  total: number;
  implemented: number;
  passed: number;
}

export function summarize(rows: readonly CaseRow[]): ProfileSummary[] {
  const all = PROFILES.map((profile): ProfileSummary => {
    const mine = rows.filter((r) => r.profile === profile);
    return {
      profile,
      total: mine.length,
      implemented: mine.filter((r) => r.result !== 'not implemented').length,
      passed: mine.filter((r) => r.result === 'pass').length,
    };
  });
  all.push({
    profile: 'All',
    total: rows.length,
    implemented: all.reduce((n, p) => n + p.implemented, 0),
    passed: all.reduce((n, p) => n + p.passed, 0),
  });
  return all;
}

function pad(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : text + ' '.repeat(width - chars.length);
}

/** A fixed-width table for the terminal (long titles are cut). */
export function terminalTable(rows: readonly CaseRow[]): string {
  const idWidth = Math.max(4, ...rows.map((r) => r.id.length));
  const profileWidth = Math.max(7, ...rows.map((r) => r.profile.length));
  const titleWidth = 58;
  const line = (id: string, title: string, profile: string, result: string) =>
    `${pad(id, idWidth)}  ${pad(title, titleWidth)}  ${pad(profile, profileWidth)}  ${result}`.trimEnd();
  const out = [line('Case', 'Title', 'Profile', 'Result'), line('-'.repeat(idWidth), '-'.repeat(titleWidth), '-'.repeat(profileWidth), '-'.repeat(15))];
  for (const r of rows) out.push(line(r.id, r.title, r.profile, resultText(r)));
  return out.join('\n');
}

export function summaryLines(rows: readonly CaseRow[]): string[] {
  return summarize(rows).map((p) => `${p.profile}: ${p.implemented} of ${p.total} implemented, ${p.passed} pass`);
}

/** The result, with the first line of its note (todo or skip reason, failure message) when there is one. */
export function resultText(row: CaseRow): string {
  const first = row.note.split('\n')[0].trim();
  if (first === '') return row.result;
  return `${row.result} (${first.length > 100 ? `${first.slice(0, 99)}…` : first})`;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function markdownReport(rows: readonly CaseRow[], context: { backend: string; nodeVersion: string }): string {
  const lines = [
    '# OCTT 1.6 central-system compliance',
    '',
    `Written by \`npm run test:compliance\` (test/compliance/run.ts); database: ${context.backend}, Node ${context.nodeVersion}.`,
    'Each case is a test in test/e2e/octt-*.test.ts whose name starts with the case id; the cases',
    'and their profiles are those of the OCA test case document (ocpp-checklist.md §4.2).',
    '',
    '| Profile | Implemented | Pass |',
    '|---|---|---|',
    ...summarize(rows).map((p) => `| ${p.profile} | ${p.implemented} of ${p.total} | ${p.passed} |`),
    '',
    '| Case | Title | Profile | Result |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${cell(r.title)} | ${r.profile} | ${cell(resultText(r))} |`),
    '',
  ];
  return lines.join('\n');
}
