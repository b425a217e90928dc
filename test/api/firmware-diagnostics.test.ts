// GetDiagnostics through POST /stations/{id}/diagnostics against a strict ocpp-rpc charger, the
// upload receiver on the charger listener (PUT and POST, raw and multipart/form-data, size
// limit, token per request and station, expiry), DiagnosticsStatusNotification tracking and
// the files listed and downloaded through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RPCClient, createRPCError } from 'ocpp-rpc';
import { ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';

const STATION = 'FW-DIAG-1';
const OTHER = 'FW-DIAG-2';
const PASSWORD = 'a-long-random-secret-0123456789';
const MAX_BYTES = 32 * 1024;

let app: TestApp;
let filesDir: string;
let client: RPCClient;
const failures: unknown[] = [];
const received: any[] = [];
/** GetDiagnostics.conf the charger gives: a fileName, none (nothing to upload), or a CALLERROR. */
let answer: 'file' | 'nothing' | 'error' = 'file';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ask = (stationId: string, body: unknown = {}) => app.request('POST', `/api/v1/stations/${stationId}/diagnostics`, { body });
const files = (stationId: string) => app.request('GET', `/api/v1/stations/${stationId}/diagnostics`);
const content = async (fileId: number) => Buffer.from(await (await fetch(`${app.httpUrl()}/api/v1/diagnostics/${fileId}/content`, { headers: { 'x-api-key': ADMIN_KEY } })).arrayBuffer());

before(async () => {
  filesDir = mkdtempSync(join(tmpdir(), 'plugboard-fw-diag-'));
  app = await startTestApp({ config: { files: { directory: filesDir, maxDiagnosticsBytes: MAX_BYTES } } });
  for (const id of [STATION, OTHER]) await app.ctx.services.stations.create({ id, password: PASSWORD });
  client = new RPCClient({ endpoint: app.ocppUrl(), identity: STATION, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  client.on('strictValidationFailure', (f: unknown) => failures.push(f));
  client.handle('GetDiagnostics', async ({ params }) => {
    received.push(params);
    if (answer === 'error') throw createRPCError('InternalError', 'log storage unavailable');
    return answer === 'file' ? { fileName: 'diag-FW-DIAG-1.tar.gz' } : {};
  });
  await client.connect();
  await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M' });
});
after(async () => {
  await client?.close({ force: true });
  await app?.cleanup();
  rmSync(filesDir, { recursive: true, force: true });
});

test('GetDiagnostics sends an upload URL of our charger listener and the time window; the charger\'s fileName is recorded', async () => {
  received.length = 0;
  const res = await ask(STATION, { startTime: '2025-01-01T00:00:00+01:00', stopTime: '2025-01-02T00:00:00Z', retries: 2, retryInterval: 30 });
  assert.equal(res.status, 200, res.text);
  assert.equal(received.length, 1);
  const sent = received[0];
  const base = app.ocppUrl().replace(/^ws:/, 'http:').replace(/\/ocpp$/, '');
  assert.match(sent.location, new RegExp(`^${base}/files/diagnostics/[A-Za-z0-9_-]{43}/$`));
  assert.deepEqual({ ...sent, location: 'x' }, { location: 'x', startTime: '2024-12-31T23:00:00.000Z', stopTime: '2025-01-02T00:00:00.000Z', retries: 2, retryInterval: 30 });
  assert.equal(res.body.location, sent.location);
  assert.equal(res.body.ownReceiver, true);
  assert.equal(res.body.commandStatus, 'accepted');
  assert.equal(res.body.fileName, 'diag-FW-DIAG-1.tar.gz');
  assert.ok(Date.parse(res.body.expiresAt) >= Date.now() + 86_400_000 + 60_000 - 5000, 'valid for the TTL plus the charger\'s retries');
  assert.deepEqual(failures, []);
});

test('a raw PUT to the location stores the file under the station; it is listed and downloadable through the API', async () => {
  const req = await ask(STATION);
  const data = randomBytes(20_000);
  const put = await fetch(`${req.body.location}diag-FW-DIAG-1.tar.gz`, { method: 'PUT', body: data, headers: { 'content-type': 'application/gzip' } });
  assert.equal(put.status, 200);
  const receipt = (await put.json()) as { fileId: number; sha256: string; sizeBytes: number };
  assert.equal(receipt.sha256, sha256(data));
  assert.equal(receipt.sizeBytes, data.length);

  const list = await files(STATION);
  assert.equal(list.status, 200);
  const f = list.body.items.find((i: { id: number }) => i.id === receipt.fileId);
  assert.deepEqual(
    { ...f, uploadedAt: 'x' },
    { id: receipt.fileId, stationId: STATION, requestId: req.body.id, filename: 'diag-FW-DIAG-1.tar.gz', sizeBytes: data.length, sha256: sha256(data), contentType: 'application/gzip', uploadedAt: 'x', contentPath: `/api/v1/diagnostics/${receipt.fileId}/content` },
  );
  assert.deepEqual(await content(receipt.fileId), data);
  assert.equal((await app.request('GET', `/api/v1/diagnostics/${receipt.fileId}`)).body.requestId, req.body.id);
  assert.equal((await files(OTHER)).body.total, 0, 'the token files only under the station it was made for');
});

test('a multipart/form-data POST to the location itself stores the file part, bytes intact, named by the part', async () => {
  const req = await ask(STATION);
  // Bytes that look like line breaks and like a boundary must come through untouched.
  const data = Buffer.concat([randomBytes(5000), Buffer.from('\r\n--\r\n------WebKitFormBoundary\r\n'), randomBytes(5000)]);
  const form = new FormData();
  form.append('comment', 'from the field');
  form.append('file', new Blob([data], { type: 'application/x-tar' }), 'logs.tar');
  form.append('after', 'ignored');
  const post = await fetch(req.body.location.replace(/\/$/, ''), { method: 'POST', body: form });
  assert.equal(post.status, 200, await post.clone().text());
  const receipt = (await post.json()) as { fileId: number; filename: string };
  assert.equal(receipt.filename, 'logs.tar');
  assert.deepEqual(await content(receipt.fileId), data);
  const f = (await app.request('GET', `/api/v1/diagnostics/${receipt.fileId}`)).body;
  assert.equal(f.contentType, 'application/x-tar');
  assert.equal(f.sha256, sha256(data));
});

test('without a name in the URL or the form, the file takes the charger\'s fileName', async () => {
  const req = await ask(STATION);
  const put = await fetch(req.body.location, { method: 'PUT', body: 'log line\n' });
  assert.equal(put.status, 200);
  assert.equal(((await put.json()) as { filename: string }).filename, 'diag-FW-DIAG-1.tar.gz');
});

test('uploads above files.maxDiagnosticsBytes are 413 and leave nothing behind, declared or streamed', async () => {
  const req = await ask(STATION);
  const before = (await files(STATION)).body.total;
  const big = await fetch(`${req.body.location}big.bin`, { method: 'PUT', body: randomBytes(MAX_BYTES + 1) });
  assert.equal(big.status, 413);
  const chunks = [randomBytes(MAX_BYTES), randomBytes(100)];
  const streamed = await fetch(`${req.body.location}big2.bin`, {
    method: 'POST',
    body: new ReadableStream({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    }),
    duplex: 'half',
  } as RequestInit).catch((err: Error) => err);
  // Either the 413 arrives, or the server closed while fetch was still sending: both refuse.
  if (!(streamed instanceof Error)) assert.equal(streamed.status, 413);
  assert.equal((await files(STATION)).body.total, before);
  assert.equal(readdirSync(join(filesDir, 'diagnostics')).filter((n) => n.endsWith('.part')).length, 0);
  // The URL still works for a file within the limit.
  assert.equal((await fetch(`${req.body.location}ok.bin`, { method: 'PUT', body: randomBytes(MAX_BYTES) })).status, 200);
});

test('an expired upload URL, an unknown token and too many uploads are 404; other methods 405; a broken multipart body 400', async () => {
  const req = await ask(STATION);
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${req.body.location}f${i}`, { method: 'PUT', body: `n${i}` })).status, 200);
  assert.equal((await fetch(`${req.body.location}f5`, { method: 'PUT', body: 'one too many' })).status, 404);

  const fresh = await ask(STATION);
  const get = await fetch(fresh.body.location);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'PUT, POST');
  const broken = await fetch(fresh.body.location, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
    body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nno closing boundary',
  });
  assert.equal(broken.status, 400);
  const noFile = await fetch(fresh.body.location, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XYZ' }, body: '--XYZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--XYZ--\r\n' });
  assert.equal(noFile.status, 400);
  const token = new URL(fresh.body.location).pathname.split('/')[3];
  assert.equal((await fetch(fresh.body.location.replace(token, `${token.slice(0, -2)}xx`), { method: 'PUT', body: 'x' })).status, 404);

  // Time passes beyond the expiry.
  await app.ctx.db.kysely.updateTable('diagnostics_requests').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', fresh.body.id).execute();
  assert.equal((await fetch(fresh.body.location, { method: 'PUT', body: 'late' })).status, 404);
});

test('DiagnosticsStatusNotifications are answered {} and tracked per request', async () => {
  const req = await ask(STATION);
  assert.deepEqual(await client.call('DiagnosticsStatusNotification', { status: 'Uploading' }), {});
  assert.deepEqual(await client.call('DiagnosticsStatusNotification', { status: 'Uploaded' }), {});
  assert.deepEqual(await client.call('DiagnosticsStatusNotification', { status: 'Idle' }), {});
  const res = await app.request('GET', `/api/v1/stations/${STATION}/diagnostics-status`);
  assert.equal(res.status, 200);
  assert.equal(res.body.latestRequest.id, req.body.id);
  assert.equal(res.body.latestRequest.diagnosticsStatus, 'Uploaded', 'Idle does not overwrite the outcome');
  assert.deepEqual(res.body.timeline.slice(-3).map((e: { status: string; requestId: number }) => [e.status, e.requestId]), [
    ['Uploading', req.body.id],
    ['Uploaded', req.body.id],
    ['Idle', req.body.id],
  ]);
  assert.deepEqual(failures, []);
});

test('a charger with nothing to upload answers without fileName; a CALLERROR is 502; another location is sent as given', async () => {
  answer = 'nothing';
  try {
    const none = await ask(STATION);
    assert.equal(none.status, 200);
    assert.equal(none.body.fileName, null);
    answer = 'error';
    const err = await ask(STATION);
    assert.equal(err.status, 502);
    assert.equal(err.body.details.code, 'InternalError');
    const hist = await app.request('GET', `/api/v1/stations/${STATION}/diagnostics-status`);
    assert.equal(hist.body.latestRequest.commandStatus, 'error');
    // A failed request's URL takes no upload.
    assert.equal((await fetch(hist.body.latestRequest.location, { method: 'PUT', body: 'x' })).status, 404);
  } finally {
    answer = 'file';
  }
  received.length = 0;
  const ftp = await ask(STATION, { location: 'ftp://user:pw@logs.example.com/incoming/' });
  assert.equal(ftp.status, 200);
  assert.deepEqual(received, [{ location: 'ftp://user:pw@logs.example.com/incoming/' }]);
  assert.equal(ftp.body.ownReceiver, false);
  assert.equal(ftp.body.expiresAt, null);
});

test('bad requests are 400, unknown station 404, offline 409; deleting a file; read keys cannot ask or delete', async () => {
  received.length = 0;
  assert.equal((await ask(STATION, { startTime: '2025-02-01T00:00:00Z', stopTime: '2025-01-01T00:00:00Z' })).status, 400);
  assert.equal((await ask(STATION, { location: 'nope' })).status, 400);
  assert.equal((await ask(STATION, { extra: 1 })).status, 400);
  assert.deepEqual(received, []);
  assert.equal((await ask('NOPE')).status, 404);
  assert.equal((await files('NOPE')).status, 404);
  const offline = await ask(OTHER);
  assert.equal(offline.status, 409);
  assert.equal(offline.body.error, 'station_offline');

  const key = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'diag-reader', role: 'read' } })).body.key;
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/diagnostics`, { key, body: {} })).status, 403);
  const some = (await files(STATION)).body.items[0];
  assert.equal((await app.request('GET', `/api/v1/diagnostics/${some.id}/content`, { key })).status, 200);
  assert.equal((await app.request('DELETE', `/api/v1/diagnostics/${some.id}`, { key })).status, 403);
  assert.equal((await app.request('DELETE', `/api/v1/diagnostics/${some.id}`)).status, 204);
  assert.equal((await app.request('GET', `/api/v1/diagnostics/${some.id}/content`)).status, 404);
  assert.equal((await app.request('DELETE', `/api/v1/diagnostics/${some.id}`)).status, 404);
});
