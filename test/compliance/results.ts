// Turns the outcomes of the OCTT test files into one row per registered case, and renders
// the rows as a terminal table and as markdown. Pure functions: the runner feeds them.
import { caseIdOf, PROFILES, versionOfCaseId, type ComplianceCase, type OcttVersion } from './cases.ts';
import { PROFILES_201 } from './cases201.ts';

/** The profiles of each version's list, in the order the tables show them. */
export const PROFILES_BY_VERSION: Record<OcttVersion, readonly string[]> = { '1.6': PROFILES, '2.0.1': PROFILES_201 };
export const VERSIONS: readonly OcttVersion[] = ['1.6', '2.0.1'];

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

/** Per-profile counts of one version's rows (rows of the other version are left out). */
export function summarize(rows: readonly CaseRow[], version: OcttVersion = '1.6'): ProfileSummary[] {
  rows = rows.filter((r) => versionOfCaseId(r.id) === version);
  const all = PROFILES_BY_VERSION[version].map((profile): ProfileSummary => {
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
  return VERSIONS.flatMap((v) => summarize(rows, v).map((p) => `OCPP ${v} ${p.profile}: ${p.implemented} of ${p.total} implemented, ${p.passed} pass`));
}

/** The result, with the first line of its note (todo or skip reason, failure message) when there is one. */
export function resultText(row: CaseRow): string {
  const first = row.note.split('\n')[0].trim();
  if (first === '') return row.result;
  return `${row.result} (${first.length > 100 ? `${first.slice(0, 99)}…` : first})`;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

const profileCell = (r: CaseRow): string => {
  const requirement = (r as CaseRow & { requirement?: string }).requirement;
  return requirement && r.profile !== 'Other' ? `${r.profile} (${requirement})` : r.profile;
};

/**
 * 1.6 and 2.0.1 side by side: one table of per-profile counts with a column pair per version,
 * then each version's cases with their result.
 */
export function markdownReport(rows: readonly CaseRow[], context: { backend: string; nodeVersion: string }): string {
  const summaries = new Map(VERSIONS.map((v) => [v, new Map(summarize(rows, v).map((p) => [p.profile, p]))]));
  const profiles = [...new Set([...VERSIONS.flatMap((v) => PROFILES_BY_VERSION[v]), 'All'])];
  const countCells = (v: OcttVersion, profile: string): string => {
    const p = summaries.get(v)?.get(profile);
    return p ? `${p.implemented} of ${p.total} | ${p.passed}` : '— | —';
  };
  const caseTable = (v: OcttVersion): string[] => [
    '| Case | Title | Profile | Result |',
    '|---|---|---|---|',
    ...rows.filter((r) => versionOfCaseId(r.id) === v).map((r) => `| ${r.id} | ${cell(r.title)} | ${profileCell(r)} | ${cell(resultText(r))} |`),
  ];
  const lines = [
    '# OCTT central-system compliance: OCPP 1.6 and 2.0.1',
    '',
    `Written by \`npm run test:compliance\` (test/compliance/run.ts); database: ${context.backend}, Node ${context.nodeVersion}.`,
    'Each case is a test whose name starts with the case id: test/e2e/octt-*.test.ts for 1.6 (cases and profiles',
    'of ocpp-checklist.md §4.2), test/e2e/octt201-*.test.ts for 2.0.1 (§4.3; profile with M = mandatory, C = conditional).',
    '',
    '| Profile | 1.6 implemented | 1.6 pass | 2.0.1 implemented | 2.0.1 pass |',
    '|---|---|---|---|---|',
    ...profiles.map((p) => `| ${p} | ${countCells('1.6', p)} | ${countCells('2.0.1', p)} |`),
    '',
    '## OCPP 1.6',
    '',
    ...caseTable('1.6'),
    '',
    '## OCPP 2.0.1',
    '',
    ...caseTable('2.0.1'),
    '',
  ];
  return lines.join('\n');
}
