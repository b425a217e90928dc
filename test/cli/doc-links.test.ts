// A clone has only what git tracks: every relative link in a tracked Markdown file must name a
// file or folder of the repository (the README once linked to ../shared/DESIGN.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

test('relative links in tracked Markdown files resolve to files inside the repository', () => {
  const files = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  const bad: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)|`(\.\.\/[^`\s]+)`/g)) {
      const target = (m[1] ?? m[2]).split('#')[0];
      if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const path = resolve(dirname(join(root, file)), target);
      const rel = relative(root, path);
      if (rel.startsWith('..') || !existsSync(path)) bad.push(`${file}: ${m[1] ?? m[2]}`);
    }
  }
  assert.deepEqual(bad, []);
});
