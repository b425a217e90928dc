// Every integer query and path parameter on every route: values Ajv's string coercion lets
// through as non-finite or beyond exact integers (Infinity, 1e309, a 20-digit number) answer
// 400 saying what is allowed, never 500. The routes and parameters come from the OpenAPI
// document, so a new route or parameter is covered too; a few named ones (connectorId, path
// ids) are asserted to be among them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, startTestApp, type TestApp } from '../helpers/app.ts';

interface Param {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema?: { type?: string; minimum?: number; maximum?: number; format?: string; enum?: unknown[]; items?: { enum?: unknown[] } };
}
interface Operation {
  method: string;
  path: string;
  params: Param[];
}

let app: TestApp;
let operations: Operation[];

before(async () => {
  app = await startTestApp();
  const doc = (await app.request('GET', '/api/v1/openapi.json')).body;
  operations = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { parameters?: Param[] }>>)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({ method: method.toUpperCase(), path, params: op.parameters ?? [] });
    }
  }
});
after(() => app.cleanup());

const isInteger = (p: Param) => (p.in === 'query' || p.in === 'path') && p.schema?.type === 'integer';

/** A value that passes a parameter's own validation. */
function validValue(p: Param): string {
  const s = p.schema ?? {};
  if (s.type === 'integer' || s.type === 'number') return String(Math.max(1, s.minimum ?? 1));
  if (s.enum?.length) return String(s.enum[0]);
  if (s.items?.enum?.length) return String(s.items.enum[0]);
  if (s.format === 'date-time') return '2025-01-01T00:00:00Z';
  if (s.type === 'boolean') return 'true';
  return 'NO-SUCH-CP';
}

/** The operation's URL with `bad` as the value of `target` and valid values everywhere else. */
function urlWith(op: Operation, target: Param, bad: string): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const p = op.params.find((x) => x.in === 'path' && x.name === name)!;
    return encodeURIComponent(p === target ? bad : validValue(p));
  });
  const query = op.params
    .filter((p) => p.in === 'query' && (p === target || p.required))
    .map((p) => `${p.name}=${encodeURIComponent(p === target ? bad : validValue(p))}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}

const BAD = ['Infinity', '-Infinity', '1e309', '99999999999999999999', '1e30'];

test('the walk covers integer path and query parameters, connectorId among them', () => {
  const found = operations.flatMap((op) => op.params.filter(isInteger).map((p) => `${op.method} ${op.path} ${p.in}:${p.name}`));
  for (const expected of [
    'GET /api/v1/transactions query:connectorId',
    'GET /api/v1/reservations query:connectorId',
    'GET /api/v1/stations/{id}/connectors/{connectorId}/history path:connectorId',
    'GET /api/v1/stations/{id}/charging-profiles query:connectorId',
    'DELETE /api/v1/stations/{id}/charging-profiles/{profileId} path:profileId',
    'GET /api/v1/transactions/{id} path:id',
  ]) {
    assert.ok(found.includes(expected), `${expected} not among ${found.length} integer parameters:\n${found.join('\n')}`);
  }
});

test('non-finite or huge integer path/query parameters answer 400 saying what is allowed, on every route', async () => {
  const problems: string[] = [];
  for (const op of operations) {
    for (const p of op.params.filter(isInteger)) {
      for (const bad of BAD) {
        const res = await app.request(op.method, urlWith(op, p, bad));
        const where = `${op.method} ${urlWith(op, p, bad)}: ${res.status} ${res.text.slice(0, 200)}`;
        const place = p.in === 'path' ? 'params' : 'querystring';
        if (res.status !== 400 || res.body.error !== 'validation_failed' || !new RegExp(`${place}/${p.name} must be an integer from -?\\d+ to \\d+`).test(res.body.message)) {
          problems.push(where);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('numeric (non-integer) query parameters refuse non-finite values with 400 too', async () => {
  const problems: string[] = [];
  for (const op of operations) {
    for (const p of op.params.filter((x) => x.in === 'query' && x.schema?.type === 'number')) {
      for (const bad of ['Infinity', '1e309', '-Infinity']) {
        const res = await app.request(op.method, urlWith(op, p, bad));
        if (res.status !== 400) problems.push(`${op.method} ${urlWith(op, p, bad)}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('a command body with 1e309 (Infinity after JSON.parse) is refused with 400, not sent to the charger as null', async (t) => {
  const open = await startOpenApp();
  t.after(() => open.cleanup());
  const cp = open.charger('BIG-NUM');
  await cp.connect();
  await cp.boot();
  const received: string[] = [];
  cp.ws!.on('message', (data) => received.push(data.toString()));
  const res = await open.request('POST', '/api/v1/stations/BIG-NUM/ocpp/ChangeAvailability', { body: '{"connectorId":1e309,"type":"Operative"}' });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.body.error, 'validation_failed');
  assert.match(res.body.message, /connectorId must be integer/);
  // The connection still works, and the refused command never reached it.
  assert.match((await cp.heartbeat()).currentTime, /Z$/);
  assert.deepEqual(received.filter((f) => f.includes('ChangeAvailability')), []);
});
