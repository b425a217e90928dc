// The dashboard as the HTTP server hands it out (no browser needed): index.html at / and for
// every dashboard path, hashed assets gzipped and cached for good, API paths untouched, the
// first-load budget, and GET /me, which tells the dashboard what its key may do.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';
import { buildUi, FIRST_LOAD_BUDGET_BYTES } from '../../ui/build.ts';

let app: TestApp;

before(async () => {
  await buildUi({ quiet: true });
  app = await startTestApp();
});

after(() => app?.cleanup());

test('the dashboard is served at / with an SPA fallback, gzipped, and its first load is under 300 KB', async () => {
  const info = await buildUi({ quiet: true });
  console.log(`# dashboard first load: ${(info.firstLoadGzipBytes / 1024).toFixed(1)} KB gzipped (${info.firstLoadFiles.map((f) => `${f.file} ${(f.gzipBytes / 1024).toFixed(1)} KB`).join(', ')})`);
  assert.ok(info.firstLoadGzipBytes < FIRST_LOAD_BUDGET_BYTES, `first load ${info.firstLoadGzipBytes} bytes gzipped`);

  const index = await fetch(`${app.httpUrl()}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type')!, /text\/html/);
  assert.match(index.headers.get('content-security-policy')!, /default-src 'self'/);
  const html = await index.text();
  assert.match(html, /<div id="root">/);
  // A page of the app, loaded directly (a bookmark, a reload), is the app too.
  const deep = await fetch(`${app.httpUrl()}/stations/CP%201?tab=configuration`);
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), html);
  // Assets: compressed, cached for good (their names carry a content hash).
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
  const js = await fetch(`${app.httpUrl()}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-encoding'), 'gzip');
  assert.match(js.headers.get('cache-control')!, /immutable/);
  assert.equal((await fetch(`${app.httpUrl()}/assets/missing-0000.js`)).status, 404);
  // The API keeps its own answers: JSON 404s, 401 without a key; the dashboard needs no key.
  const api404 = await fetch(`${app.httpUrl()}/api/v1/no-such-thing`, { headers: { 'x-api-key': ADMIN_KEY } });
  assert.equal(api404.status, 404);
  assert.equal(((await api404.json()) as { error: string }).error, 'not_found');
  assert.equal((await fetch(`${app.httpUrl()}/api/v1/stations`)).status, 401);
  assert.equal((await fetch(`${app.httpUrl()}/health`)).status, 200);
  assert.equal((await fetch(`${app.httpUrl()}/`, { method: 'POST' })).status, 404);
  // Paths that climb out of ui/dist (sent raw: fetch would resolve the dots itself).
  for (const path of ['/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json', '/%2e%2e%2fbuild.ts']) {
    const status = await new Promise<number>((resolve, reject) => get(`${app.httpUrl()}${path}`, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject));
    assert.equal(status, 404, path);
  }
});

test('GET /me names the key and its role, for admin and read-only keys alike', async () => {
  const admin = await app.request('GET', '/api/v1/me');
  assert.equal(admin.status, 200);
  assert.equal(admin.body.role, 'admin');
  assert.equal(typeof admin.body.name, 'string');
  const created = await app.request('POST', '/api/v1/api-keys', { body: { name: 'wall screen', role: 'read' } });
  const reader = await app.request('GET', '/api/v1/me', { key: created.body.key });
  assert.deepEqual(reader.body, { keyId: created.body.id, name: 'wall screen', role: 'read' });
  assert.equal((await app.request('GET', '/api/v1/me', { key: null })).status, 401);
});
