// The dashboard's API types (ui/src/api/openapi.d.ts) are generated from the server's OpenAPI
// document; this fails when a route schema changed and the committed file was not regenerated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_TYPES_FILE, buildOpenApiDocument, generateApiTypes } from '../../ui/gen-api-types.ts';
import { startTestApp } from '../helpers/app.ts';

test('ui/src/api/openapi.d.ts matches the OpenAPI document the server serves', async () => {
  const generated = await generateApiTypes();
  const committed = readFileSync(API_TYPES_FILE, 'utf8');
  // Not deepEqual of 10,000 lines: name the first line that differs and the fix.
  if (generated !== committed) {
    const a = committed.split('\n');
    const b = generated.split('\n');
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.fail(`ui/src/api/openapi.d.ts is stale (first difference at line ${i + 1}: committed ${JSON.stringify(a[i] ?? '<end>')}, generated ${JSON.stringify(b[i] ?? '<end>')}): run npm run gen:api-types and commit the result`);
  }
});

test('the generator builds the same document GET /api/v1/openapi.json serves', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const served = await app.request('GET', '/api/v1/openapi.json', { key: null });
  assert.equal(served.status, 200);
  assert.deepEqual(await buildOpenApiDocument(), served.body);
});
