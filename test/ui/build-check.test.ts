// `npm start` / `npm install` run ui/build.ts, which must skip the Vite build when the dashboard's
// inputs are unchanged, whatever their mtimes say (a fresh clone or an `npm install` gives every
// file a new mtime), and rebuild when one byte of a source changes. Runs on a copy of ui/ in a
// temp dir (the checkout's ui/dist is left alone), the build script as npm runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inputsHash } from '../../ui/build.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** Every file of ui/dist with its mtime and size: a rebuild rewrites them. */
function distState(uiDir: string): Record<string, string> {
  const dist = join(uiDir, 'dist');
  return Object.fromEntries(walk(dist).map((f) => [f.slice(dist.length), `${statSync(f).mtimeMs} ${statSync(f).size}`]));
}

test('the UI build check decides by content: new mtimes do not rebuild, a changed byte does, --force does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-ui-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ui = join(dir, 'ui');
  for (const f of ['index.html', 'src', 'vite.config.ts', 'tsconfig.json', 'build.ts']) cpSync(join(ROOT, 'ui', f), join(ui, f), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(dir, f));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const run = async (...args: string[]) => (await promisify(execFile)(process.execPath, [join(ui, 'build.ts'), ...args], { cwd: dir })).stdout;
  const info = () => JSON.parse(readFileSync(join(ui, 'dist', 'build-info.json'), 'utf8')) as { inputsHash: string; builtAt: string };

  assert.match(await run(), /ui: built .*\(ui\/dist is missing\)/);
  const built = info();
  const files = distState(ui);
  assert.ok(Object.keys(files).includes('/index.html'));

  // What a fresh clone or `npm install` does: every source and the lockfile get a newer mtime.
  const later = new Date(Date.now() + 3600_000);
  for (const f of [...walk(ui).filter((f) => !f.includes(`${join(ui, 'dist')}`)), join(dir, 'package-lock.json'), join(dir, 'package.json')]) utimesSync(f, later, later);
  assert.match(await run(), /ui\/dist is up to date/);
  assert.deepEqual(info(), built, 'build-info.json unchanged');
  assert.deepEqual(distState(ui), files, 'no file of ui/dist rewritten');

  // One byte more in one source: rebuilt, with a new inputs hash.
  appendFileSync(join(ui, 'src', 'main.tsx'), '\n');
  assert.match(await run(), /ui: built .*\(its sources changed\)/);
  assert.notEqual(info().inputsHash, built.inputsHash);
  assert.match(await run(), /up to date/);

  const beforeForce = info();
  assert.match(await run('--force'), /ui: built .*\(forced\)/);
  assert.notEqual(info().builtAt, beforeForce.builtAt);
});

test('the inputs hash follows the lockfile entries the dashboard uses, not the rest', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-ui-hash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ui = join(dir, 'ui');
  for (const f of ['index.html', 'src', 'vite.config.ts', 'tsconfig.json', 'build.ts']) cpSync(join(ROOT, 'ui', f), join(ui, f), { recursive: true });
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const writeLock = () => writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  writeLock();
  const base = inputsHash(ui);
  assert.equal(inputsHash(ui), base, 'stable');

  // A server-only dependency moves (pg): the dashboard is the same.
  lock.packages['node_modules/pg'].version += '-changed';
  writeLock();
  assert.equal(inputsHash(ui), base);
  // A package the bundle is made of (react), or one the build runs (vite, and what it depends on):
  for (const name of ['node_modules/react', 'node_modules/vite', 'node_modules/rollup']) {
    const was = lock.packages[name].version;
    lock.packages[name].version += '-changed';
    writeLock();
    assert.notEqual(inputsHash(ui), base, name);
    lock.packages[name].version = was;
  }
  writeLock();
  assert.equal(inputsHash(ui), base);
});
