import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestApp } from '../helpers/app.ts';

test('the OpenAPI document validates as OpenAPI 3 and lists every API route', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const res = await app.request('GET', '/api/v1/openapi.json', { key: null });
  assert.equal(res.status, 200);
  const doc = res.body;

  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
  assert.match(doc.openapi, /^3\./);

  // Every route Fastify serves under /api/v1 (but the document itself) is in the document,
  // with the same methods. printRoutes with commonPrefix false lists full paths.
  const documented = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
  }
  // printRoutes draws a tree; rebuild each full path from the indentation of its segments.
  const served: string[] = [];
  const stack: Array<{ depth: number; path: string }> = [];
  for (const line of app.http.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = line.match(/^(.*?)── (\S+) \(([A-Z, ]+)\)$/);
    if (!m) continue;
    const depth = m[1].length;
    while (stack.length && stack[stack.length - 1].depth >= depth) stack.pop();
    const full = (stack.length ? stack[stack.length - 1].path : '') + m[2];
    stack.push({ depth, path: full });
    if (!full.startsWith('/api/v1/') || full === '/api/v1/openapi.json') continue;
    const path = full.replace(/:(\w+)/g, '{$1}');
    for (const method of m[3].split(', ')) if (method !== 'HEAD') served.push(`${method} ${path}`);
  }
  assert.ok(served.length > 40, `found the served routes (${served.length})`);
  const missing = served.filter((r) => !documented.has(r));
  assert.deepEqual(missing, [], 'every served API route is in the OpenAPI document');
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { summary?: string; tags?: string[] }>>)) {
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(op.summary, `${method.toUpperCase()} ${path} has a summary`);
      assert.ok(op.tags?.length, `${method.toUpperCase()} ${path} has a tag`);
    }
  }
});
