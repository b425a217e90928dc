// The firmware repository: upload through the admin API (raw body, size limit, SHA-256), list,
// get, delete; and the download chargers make from the charger listener (GET, HEAD, Range),
// which is the only place they can reach. Real sockets, real files, real database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';

const MAX_BYTES = 64 * 1024;
let app: TestApp;
let filesDir: string;

before(async () => {
  filesDir = mkdtempSync(join(tmpdir(), 'plugboard-fw-files-'));
  app = await startTestApp({ config: { files: { directory: filesDir, maxFirmwareBytes: MAX_BYTES } } });
});
after(async () => {
  await app?.cleanup();
  rmSync(filesDir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const chargerBase = () => app.ocppUrl().replace(/^ws:/, 'http:').replace(/\/ocpp$/, '');

async function upload(body: Buffer, query = '?name=ACME%20CP&version=2.1.0&filename=acme-2.1.0.bin', headers: Record<string, string> = {}, key: string | null = ADMIN_KEY) {
  const res = await fetch(`${app.httpUrl()}/api/v1/firmware${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...(key ? { 'x-api-key': key } : {}), ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** A raw HTTP request to the charger listener (what a charger's HTTP client does). */
function chargerRequest(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(chargerBase());
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('an uploaded image is stored with its SHA-256, listed, and downloadable by a charger from the charger listener', async () => {
  const content = randomBytes(40_000);
  const up = await upload(content);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.name, 'ACME CP');
  assert.equal(up.body.version, '2.1.0');
  assert.equal(up.body.filename, 'acme-2.1.0.bin');
  assert.equal(up.body.sizeBytes, content.length);
  assert.equal(up.body.sha256, sha256(content));
  const url = new URL(up.body.downloadUrl);
  assert.equal(url.origin, chargerBase(), 'the URL points at the charger listener, not at the private admin port');
  assert.match(url.pathname, /^\/files\/firmware\/[A-Za-z0-9_-]{43}\/acme-2\.1\.0\.bin$/);

  const got = await app.request('GET', `/api/v1/firmware/${up.body.id}`);
  assert.deepEqual(got.body, up.body);
  const list = await app.request('GET', '/api/v1/firmware');
  assert.ok(list.body.items.some((f: { id: number }) => f.id === up.body.id));

  // The charger's download: no API key, just the URL.
  const dl = await fetch(up.body.downloadUrl);
  assert.equal(dl.status, 200);
  assert.equal(dl.headers.get('content-type'), 'application/octet-stream');
  assert.equal(dl.headers.get('content-length'), String(content.length));
  assert.equal(dl.headers.get('etag'), `"${sha256(content)}"`);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), content);

  const head = await chargerRequest('HEAD', url.pathname);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(content.length));
  assert.equal(head.body.length, 0);

  // A charger resuming an interrupted download.
  const part = await chargerRequest('GET', url.pathname, { range: 'bytes=1000-1999' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 1000-1999/${content.length}`);
  assert.deepEqual(part.body, content.subarray(1000, 2000));
  const tail = await chargerRequest('GET', url.pathname, { range: 'bytes=39990-' });
  assert.deepEqual(tail.body, content.subarray(39990));
  const beyond = await chargerRequest('GET', url.pathname, { range: `bytes=${content.length}-` });
  assert.equal(beyond.status, 416);

  // The admin API serves it too.
  const admin = await fetch(`${app.httpUrl()}/api/v1/firmware/${up.body.id}/content`, { headers: { 'x-api-key': ADMIN_KEY } });
  assert.equal(admin.status, 200);
  assert.deepEqual(Buffer.from(await admin.arrayBuffer()), content);
});

test('the charger listener answers 404 for anything but an exact token and filename, 405 for other methods, and still 426 outside /files', async () => {
  const up = await upload(Buffer.from('firmware v3'), '?name=v3');
  assert.equal(up.status, 201);
  assert.equal(up.body.filename, 'v3', 'the filename defaults to the name, made URL-safe');
  const path = new URL(up.body.downloadUrl).pathname;
  const token = path.split('/')[3];
  assert.equal((await chargerRequest('GET', path)).status, 200);
  assert.equal((await chargerRequest('GET', `/files/firmware/${token}`)).status, 200, 'the filename segment may be left out');
  assert.equal((await chargerRequest('GET', `/files/firmware/${token}/other.bin`)).status, 404);
  // A token one character off (never the real one: the last character is swapped for another).
  const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
  assert.equal((await chargerRequest('GET', `/files/firmware/${wrong}/v3`)).status, 404);
  assert.equal((await chargerRequest('GET', `/files/firmware/${token}/v3/extra`)).status, 404);
  assert.equal((await chargerRequest('GET', '/files/other/x/y')).status, 404);
  assert.equal((await chargerRequest('GET', '/files/firmware/%E0%A4%A')).status, 404, 'a malformed escape is a 404, not a crash');
  const post = await chargerRequest('POST', path);
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  assert.equal((await chargerRequest('GET', '/ocpp/CP1')).status, 426);
  assert.equal((await chargerRequest('GET', '/filesystem')).status, 426);
});

test('name, version and filename may come as headers; a missing name is 400 and another content type 415', async () => {
  const ok = await upload(Buffer.from('abc'), '', { 'x-firmware-name': 'Hdr', 'x-firmware-version': '9', 'x-firmware-filename': '../../etc/passwd' });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.name, 'Hdr');
  assert.equal(ok.body.version, '9');
  assert.equal(ok.body.filename, 'passwd', 'only a base name survives');
  const unnamed = await upload(Buffer.from('abc'), '');
  assert.equal(unnamed.status, 400);
  assert.match(unnamed.body.message, /name or a filename/);
  assert.equal((await upload(Buffer.from('abc'), '', { 'x-firmware-name': 'n'.repeat(201) })).status, 400);
  const json = await app.request('POST', '/api/v1/firmware?name=x', { body: { not: 'a file' } });
  assert.equal(json.status, 415);
});

test('an image above files.maxFirmwareBytes is refused with 413 and leaves nothing behind, declared or streamed', async () => {
  const before = (await app.request('GET', '/api/v1/firmware')).body.total;
  const declared = await upload(randomBytes(MAX_BYTES + 1), '?name=big');
  assert.equal(declared.status, 413);
  assert.equal(declared.body.error, 'file_too_large');
  // Without Content-Length (chunked), the limit is found while streaming.
  const chunks = [randomBytes(MAX_BYTES / 2), randomBytes(MAX_BYTES / 2), randomBytes(10)];
  const streamed = await fetch(`${app.httpUrl()}/api/v1/firmware?name=big2`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-api-key': ADMIN_KEY },
    body: new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  assert.equal(streamed.status, 413);
  assert.equal((await app.request('GET', '/api/v1/firmware')).body.total, before);
  const onDisk = readdirSync(join(filesDir, 'firmware'));
  assert.equal(onDisk.filter((n) => n.endsWith('.part')).length, 0, 'no partial file is left');
  assert.equal(onDisk.length, before, 'one file on disk per firmware row');
  // Exactly the limit is fine.
  assert.equal((await upload(randomBytes(MAX_BYTES), '?name=exact')).status, 201);
});

test('deleting a firmware file removes it from disk and its URL stops working; read keys cannot upload or delete', async () => {
  const up = await upload(Buffer.from('to be deleted'), '?name=del');
  const onDiskBefore = readdirSync(join(filesDir, 'firmware')).length;
  const readKey = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'reader', role: 'read' } })).body.key;
  assert.equal((await upload(Buffer.from('x'), '?name=r', {}, readKey)).status, 403);
  assert.equal((await app.request('DELETE', `/api/v1/firmware/${up.body.id}`, { key: readKey })).status, 403);
  assert.equal((await app.request('GET', `/api/v1/firmware/${up.body.id}`, { key: readKey })).status, 200);

  const del = await app.request('DELETE', `/api/v1/firmware/${up.body.id}`);
  assert.equal(del.status, 204);
  assert.equal(readdirSync(join(filesDir, 'firmware')).length, onDiskBefore - 1);
  assert.equal((await fetch(up.body.downloadUrl)).status, 404);
  const again = await app.request('DELETE', `/api/v1/firmware/${up.body.id}`);
  assert.equal(again.status, 404);
  assert.equal(again.body.error, 'firmware_not_found');
  assert.equal((await app.request('GET', `/api/v1/firmware/${up.body.id}/content`)).status, 404);
});

test('files.publicBaseUrl is the base of the URLs chargers get', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-fw-files-'));
  const other = await startTestApp({ config: { files: { directory: dir, publicBaseUrl: 'https://cs.example.com/plugboard/' } } });
  t.after(async () => {
    await other.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const res = await fetch(`${other.httpUrl()}/api/v1/firmware?name=pub`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-api-key': ADMIN_KEY }, body: Buffer.from('x') });
  const body = (await res.json()) as { downloadUrl: string };
  assert.match(body.downloadUrl, /^https:\/\/cs\.example\.com\/plugboard\/files\/firmware\/[A-Za-z0-9_-]{43}\/pub$/);
  assert.ok(existsSync(join(dir, 'firmware')));
});
