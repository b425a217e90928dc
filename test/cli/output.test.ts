// The CLI's list commands print for people (a table with headers, nothing else on stdout) and,
// with --json, for scripts; an unknown command prints the usage without touching the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isolatedPostgres } from '../helpers/app.ts';
import { formatTable } from '../../src/cli/table.ts';

const run = promisify(execFile);
const main = join(import.meta.dirname, '../../src/main.ts');

test('formatTable: headers, aligned columns, "-" for nothing, yes/no, one line per row', () => {
  const rows = [
    { a: 'X', b: null, c: true },
    { a: 'LONGER', b: 'two\nlines', c: false },
  ];
  const out = formatTable(rows, [
    { header: 'id tag', value: (r) => r.a },
    { header: 'parent', value: (r) => r.b },
    { header: 'concurrent', value: (r) => r.c },
  ]);
  assert.equal(out, ['ID TAG  PARENT     CONCURRENT', 'X       -          yes', 'LONGER  two lines  no'].join('\n'));
  assert.equal(formatTable([], [{ header: 'x', value: () => 1 }]), '(none)');
});

test('plugboard CLI: tables for people, --json for scripts, usage for an unknown command without opening the database', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-cli-out-'));
  const pgIso = process.env.DATABASE_URL ? await isolatedPostgres(process.env.DATABASE_URL) : null;
  t.after(async () => {
    await pgIso?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const dbPath = join(dir, 'cli.db');
  const env: NodeJS.ProcessEnv = { ...process.env, PLUGBOARD_DB_PATH: dbPath, PLUGBOARD_LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  const cli = (...args: string[]) => run(process.execPath, [main, ...args], { env });

  const unknown = await cli('frobnicate', 'now').then(
    () => assert.fail('an unknown command must fail'),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command: frobnicate now/);
  assert.match(unknown.stderr, /Usage: plugboard <command>/);
  assert.equal(existsSync(dbPath), false, 'the database was not created for an unknown command');

  if (pgIso) env.DATABASE_URL = pgIso.url;
  await cli('stations', 'add', 'OUT-CP');
  await cli('tokens', 'add', 'OUT-TAG', '--parent', 'FLEET', '--concurrent');

  const stations = await cli('stations', 'list');
  const lines = stations.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^ID\s+STATUS\s+PROFILE\s+VENDOR\s+MODEL\s+LAST SEEN$/);
  assert.match(lines[1], /^OUT-CP\s+Accepted\s+/);
  assert.equal(lines.length, 2, `only the table on stdout:\n${stations.stdout}`);
  assert.ok(!/"level"/.test(stations.stdout), 'no log lines on stdout');

  const tokens = await cli('tokens', 'list');
  const tl = tokens.stdout.trimEnd().split('\n');
  assert.match(tl[0], /^ID TAG\s+STATUS\s+PARENT\s+EXPIRY\s+CONCURRENT$/);
  assert.match(tl[1], /^OUT-TAG\s+Accepted\s+FLEET\s+-\s+yes$/);
  assert.ok(!/id_tag|parent_id_tag|allow_concurrent/.test(tokens.stdout), 'names, not column names');

  const json = JSON.parse((await cli('tokens', 'list', '--json')).stdout);
  assert.deepEqual(
    json.map((x: Record<string, unknown>) => ({ idTag: x.idTag, parentIdTag: x.parentIdTag, status: x.status, allowConcurrent: x.allowConcurrent })),
    [{ idTag: 'OUT-TAG', parentIdTag: 'FLEET', status: 'Accepted', allowConcurrent: true }],
  );
  const sj = JSON.parse((await cli('stations', 'list', '--json')).stdout);
  assert.deepEqual(sj.map((s: { id: string }) => s.id), ['OUT-CP']);
});
