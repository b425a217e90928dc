// limit/offset on every list endpoint: values Ajv's coercion lets through as non-finite or
// beyond SQL's integers (Infinity, 1e309, a huge offset) answer 400 naming what is allowed,
// not 500. The routes come from the OpenAPI document, so a new list endpoint is covered too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
let listRoutes: { path: string; params: { name: string; in: string; schema?: { type?: string } }[] }[];

before(async () => {
  app = await startTestApp();
  const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
  listRoutes = Object.entries(doc.paths as Record<string, any>)
    .filter(([, ops]) => ops.get?.parameters?.some((p: any) => p.in === 'query' && p.name === 'limit'))
    .map(([path, ops]) => ({ path, params: ops.get.parameters }));
});
after(() => app.cleanup());

/** The route with its path parameters filled in (integers as 1, strings as a station id). */
function url(route: (typeof listRoutes)[number], query: string): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const p = route.params.find((x) => x.in === 'path' && x.name === name);
    return p?.schema?.type === 'integer' ? '1' : 'NO-SUCH-CP';
  });
  return `${path}?${query}`;
}

test('the OpenAPI document lists the list endpoints this test walks', () => {
  assert.ok(listRoutes.length >= 15, `found ${listRoutes.length}: ${listRoutes.map((r) => r.path).join(' ')}`);
});

const BAD: [query: string, field: 'limit' | 'offset'][] = [
  ['limit=Infinity', 'limit'],
  ['limit=-Infinity', 'limit'],
  ['limit=1e309', 'limit'],
  ['offset=Infinity', 'offset'],
  ['offset=1e309', 'offset'],
  ['offset=1e30', 'offset'],
  ['offset=99999999999999999999', 'offset'],
];

test('non-finite or huge limit/offset answer 400 saying what is allowed, on every list endpoint', async () => {
  for (const route of listRoutes) {
    for (const [query, field] of BAD) {
      if (!route.params.some((p) => p.in === 'query' && p.name === field)) continue;
      const res = await app.request('GET', url(route, query));
      const where = `${route.path}?${query}: ${res.status} ${res.text.slice(0, 300)}`;
      assert.equal(res.status, 400, where);
      assert.equal(res.body.error, 'validation_failed', where);
      assert.match(res.body.message, new RegExp(`querystring/${field} must be an integer from \\d+ to \\d+`), where);
    }
  }
});

test('sane limit/offset still pass validation on every list endpoint', async () => {
  for (const route of listRoutes) {
    const res = await app.request('GET', url(route, 'limit=1&offset=0'));
    assert.ok(res.status === 200 || res.status === 404, `${route.path}: ${res.status} ${res.text.slice(0, 300)}`);
  }
});
