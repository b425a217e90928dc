// Running the tests must leave `git status` clean: everything a test writes (database files,
// secret keys, uploaded files, screenshots) goes to a temporary or git-ignored folder, never to
// a tracked path or ./data in the checkout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { relative, resolve } from 'node:path';
import { startTestApp } from '../helpers/app.ts';
import { startCore } from '../helpers/core.ts';
import { SCREENSHOTS } from '../ui/browser.ts';

const root = resolve(import.meta.dirname, '..', '..');
const inCheckout = (p: string) => {
  const rel = relative(root, resolve(p));
  return !rel.startsWith('..') && !rel.startsWith('/');
};

test('the test app keeps its database, secret key and files outside the checkout', async () => {
  const app = await startTestApp();
  try {
    for (const p of [app.config.files.directory, app.config.secretKeyFile, app.sqlitePath]) {
      assert.equal(inCheckout(p), false, `${p} is inside the checkout`);
    }
  } finally {
    await app.cleanup();
  }
});

test('the core test helper keeps its files outside the checkout', async () => {
  const core = await startCore();
  try {
    const c = core.ctx.config;
    for (const p of [c.files.directory, c.secretKeyFile, c.database.sqlitePath]) {
      assert.equal(inCheckout(p), false, `${p} is inside the checkout`);
    }
  } finally {
    await core.cleanup();
  }
});

test('dashboard screenshots go to a git-ignored folder', () => {
  if (!inCheckout(SCREENSHOTS)) return; // a temporary folder chosen with PLUGBOARD_SCREENSHOTS
  const out = execFileSync('git', ['check-ignore', '-q', '--no-index', `${relative(root, SCREENSHOTS)}/x.png`], { cwd: root, stdio: 'pipe' });
  assert.equal(out.length, 0);
});
