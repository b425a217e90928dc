// The compliance runner's own checks: the registries are the OCTT lists (77 1.6 cases, the 2.0.1
// cases of checklist §4.3, their profiles),
// every case a test file names is registered, and the runner reports what happened in a run:
// it fails the run for a failing case, a crashed file or an unknown case id, and never lets a
// case drop out of the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OCTT16_CSMS_CASES, PROFILES, caseIdOf } from './cases.ts';
import { OCTT201_CSMS_CASES, PROFILES_201 } from './cases201.ts';
import { declaredCaseIds, octtTestFiles } from './files.ts';

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'run.ts');

test('the registry holds the 77 OCTT 1.6 CSMS cases of checklist §4.2, once each, with their profiles', () => {
  const ids = OCTT16_CSMS_CASES.map((c) => c.id);
  assert.equal(ids.length, 77);
  assert.equal(new Set(ids).size, 77, 'no duplicates');
  for (const c of OCTT16_CSMS_CASES) {
    assert.equal(caseIdOf(c.id), c.id, `${c.id} is a well-formed case id`);
    assert.ok(c.title.length > 0 && !c.title.startsWith('…'), `${c.id} has a full title`);
  }
  const perProfile = Object.fromEntries(PROFILES.map((p) => [p, OCTT16_CSMS_CASES.filter((c) => c.profile === p).length]));
  assert.deepEqual(perProfile, { Core: 34, LocalList: 6, FirmwareMgmt: 5, Reservation: 10, RemoteTrigger: 2, SmartCharging: 5, Security: 15 });
  // The two cases the 2026-02 edition added.
  assert.ok(ids.includes('TC_083_CSMS') && ids.includes('TC_088_CSMS'));
});

test('the 2.0.1 registry holds every case of checklist §4.3, once each: Core (M and C), LocalList, Reservation, SmartCharging, AdvDM, AdvUI, and the rest as Other', () => {
  const ids = OCTT201_CSMS_CASES.map((c) => c.id);
  assert.equal(ids.length, 252, 'Part 6 Ed.4: 252 cases');
  assert.equal(new Set(ids).size, ids.length, 'no duplicates');
  for (const c of OCTT201_CSMS_CASES) {
    assert.equal(caseIdOf(c.id), c.id, `${c.id} is a well-formed case id`);
    assert.ok(c.title.length > 0, `${c.id} has a title`);
    if (c.profile !== 'Other') assert.match(c.requirement, /^[MC]$/, `${c.id} is M or C`);
  }
  const perProfile = Object.fromEntries(PROFILES_201.map((p) => [p, OCTT201_CSMS_CASES.filter((c) => c.profile === p).length]));
  // Core: the checklist's 104 M + 26 C; a case of several profiles counts under the first required one.
  assert.deepEqual(perProfile, { Core: 130, LocalList: 9, Reservation: 9, SmartCharging: 22, AdvancedDeviceManagement: 17, AdvancedUserInterface: 21, Other: 44 });
  const byId = new Map(OCTT201_CSMS_CASES.map((c) => [c.id, c]));
  assert.equal(byId.get('TC_B_01_CSMS')?.profile, 'Core');
  assert.equal(byId.get('TC_B_02_CSMS')?.requirement, 'C');
  assert.equal(byId.get('TC_B_12_CSMS')?.profile, 'Core', 'Core (C), AdvDM (M): under Core');
  assert.equal(byId.get('TC_K_01_CSMS')?.profile, 'SmartCharging');
  assert.equal(byId.get('TC_O_01_CSMS')?.profile, 'AdvancedUserInterface');
  assert.equal(byId.get('TC_A_07_CSMS')?.profile, 'Other', 'Advanced Security is not a required profile');
  assert.equal(byId.get('TC_B_58_CSMS')?.profile, 'Other', 'Ed.4: subprotocol validation');
});

test('a test name implements a case only when it starts with the exact case id', () => {
  assert.equal(caseIdOf('TC_B_01_CSMS Cold Boot Charging Station - Accepted'), 'TC_B_01_CSMS');
  assert.equal(caseIdOf('TC_N_60_CSMS'), 'TC_N_60_CSMS');
  assert.equal(caseIdOf('TC_Q_01_CSMS not a 2.0.1 block'), null);
  assert.equal(caseIdOf('TC_B_01_CSMSx'), null);
  assert.equal(caseIdOf('TC_004_1_CSMS Regular Charging Session'), 'TC_004_1_CSMS');
  assert.equal(caseIdOf('TC_001_CSMS'), 'TC_001_CSMS');
  assert.equal(caseIdOf('TC_001_CSMSx Cold Boot'), null);
  assert.equal(caseIdOf('see TC_001_CSMS'), null);
  assert.equal(caseIdOf('TC_01_CSMS short id'), null);
});

test('every case id the OCTT test files name is in the registry', () => {
  const files = octtTestFiles();
  assert.ok(files.some((f) => f.endsWith('octt-core.test.ts')), 'the Core file is found');
  const declared = declaredCaseIds(files);
  assert.ok(declared.has('TC_001_CSMS'), 'TC_001_CSMS is declared in octt-core.test.ts');
  const known = new Set([...OCTT16_CSMS_CASES, ...OCTT201_CSMS_CASES].map((c) => c.id));
  assert.deepEqual([...declared].filter((id) => !known.has(id)), []);
});

function fixtureDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-compliance-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return dir;
}

function runRunner(dir: string): { status: number | null; stdout: string; table: string } {
  const results = join(dir, 'results.md');
  // NODE_TEST_CONTEXT would tell the runner's run() it is nested inside this test and make it skip every file.
  const env = { ...process.env, NODE_TEST_CONTEXT: undefined };
  const r = spawnSync(process.execPath, [RUNNER, `--dir=${dir}`, `--results=${results}`], { encoding: 'utf8', timeout: 60_000, env });
  let table = '';
  try {
    table = readFileSync(results, 'utf8');
  } catch {
    // no results written: the assertions on the table say so
  }
  return { status: r.status, stdout: r.stdout + r.stderr, table };
}

/** The Result cell of a case in the markdown table. */
function resultOf(table: string, id: string): string {
  const row = table.split('\n').find((l) => l.startsWith(`| ${id} |`));
  assert.ok(row, `${id} is in the table`);
  return row.split(' | ')[3].replace(/ \|$/, '');
}

test('the runner tabulates pass, fail, todo, skip, crashed files and missing cases, and fails the run', (t) => {
  const dir = fixtureDir({
    'octt-a.test.ts': [
      "import { test } from 'node:test';",
      "test('TC_001_CSMS Cold Boot Charge Point', () => {});",
      "test('TC_003_CSMS Regular Charging Session', () => { throw new Error('expected Accepted'); });",
      "test('TC_004_1_CSMS Identification First', { todo: 'bug: a known one' }, () => { throw new Error('still broken'); });",
      "test('TC_004_2_CSMS ConnectionTimeOut', { skip: 'needs PostgreSQL' }, () => {});",
      "test('TC_007_CSMS Cached Id, first half', () => {});",
      "test('TC_007_CSMS Cached Id, second half', () => { throw new Error('second half broke'); });",
      "test('a helper check beside the cases', () => {});",
    ].join('\n'),
    // Crashes before any test reports: its case must not turn into "not implemented".
    'octt-b.test.ts': "import { test } from 'node:test';\nthrow new Error('cannot load');\ntest('TC_061_CSMS Clear Cache', () => {});\n",
    'octt-c.test.ts': "import { test } from 'node:test';\ntest('TC_999_CSMS A case OCTT does not have', () => {});\n",
    'not-octt.test.ts': "import { test } from 'node:test';\ntest('TC_010_CSMS not run: the file is not an octt-*.test.ts', () => {});\n",
    'octt201-a.test.ts': [
      "import { test } from 'node:test';",
      "test('TC_B_01_CSMS Cold Boot Charging Station - Accepted', () => {});",
      "test('TC_B_06_CSMS Get Variables - single value', () => { throw new Error('expected a GetVariables'); });",
      "test('TC_Z_01_CSMS not a 2.0.1 id: a helper test', () => {});",
    ].join('\n'),
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { status, stdout, table } = runRunner(dir);
  assert.equal(status, 1, stdout);
  assert.equal(resultOf(table, 'TC_001_CSMS'), 'pass');
  assert.match(resultOf(table, 'TC_003_CSMS'), /^fail \(expected Accepted\)$/);
  assert.equal(resultOf(table, 'TC_004_1_CSMS'), 'known failure (todo: bug: a known one)');
  assert.equal(resultOf(table, 'TC_004_2_CSMS'), 'skipped (skipped: needs PostgreSQL)');
  assert.match(resultOf(table, 'TC_007_CSMS'), /^fail \(second half broke\)$/, 'one failing test fails its case');
  assert.match(resultOf(table, 'TC_061_CSMS'), /^did not run/);
  assert.equal(resultOf(table, 'TC_010_CSMS'), 'not implemented');
  assert.equal(resultOf(table, 'TC_B_01_CSMS'), 'pass');
  assert.match(resultOf(table, 'TC_B_06_CSMS'), /^fail \(expected a GetVariables\)$/);
  assert.equal(resultOf(table, 'TC_B_09_CSMS'), 'not implemented');
  assert.equal(table.split('\n').filter((l) => /^\| TC_\d/.test(l)).length, 77, 'all 77 1.6 cases listed');
  assert.equal(table.split('\n').filter((l) => /^\| TC_[A-P]_/.test(l)).length, 252, 'all 2.0.1 cases listed');
  assert.match(stdout, /TC_999_CSMS A case OCTT does not have .*not a case of the registry/);
  assert.match(stdout, /octt-b\.test\.ts.*failed/);
  // Side by side: a profile's 1.6 counts, then its 2.0.1 counts.
  assert.match(table, /\| Core \| 6 of 34 \| 1 \| 2 of 130 \| 1 \|/);
  assert.match(table, /\| FirmwareMgmt \| 0 of 5 \| 0 \| — \| — \|/);
  assert.match(table, /\| AdvancedUserInterface \| — \| — \| 0 of 21 \| 0 \|/);
});

test('a run whose implemented cases all pass exits 0, known failures included', (t) => {
  const dir = fixtureDir({
    'octt-ok.test.ts': [
      "import { test } from 'node:test';",
      "test('TC_001_CSMS Cold Boot Charge Point', () => {});",
      "test('TC_088_CSMS WebSocket Subprotocol negotiation', { todo: 'bug: known' }, () => { throw new Error('x'); });",
    ].join('\n'),
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { status, stdout, table } = runRunner(dir);
  assert.equal(status, 0, stdout);
  assert.equal(resultOf(table, 'TC_001_CSMS'), 'pass');
  assert.equal(resultOf(table, 'TC_088_CSMS'), 'known failure (todo: bug: known)');
  assert.match(stdout, /OCPP 1\.6 All: 2 of 77 implemented, 1 pass/);
  assert.match(stdout, /OCPP 2\.0\.1 All: 0 of 252 implemented, 0 pass/);
});
