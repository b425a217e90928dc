// GetLog through the REST API (Security Whitepaper): requests recorded with the charger's
// answer, LogStatusNotification tracked per requestId, uploads through the GetDiagnostics
// receiver, kept apart from the GetDiagnostics timeline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger } from '../e2e/support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

test('a Rejected GetLog closes its upload URL; oldest/latest and retries are sent as given', async () => {
  const cp = await acceptedCharger(app, 'LOG-1', { handlers: { GetLog: () => ({ status: 'Rejected' }) } });
  const res = await app.request('POST', '/api/v1/stations/LOG-1/logs', {
    body: { logType: 'DiagnosticsLog', oldestTimestamp: '2026-01-01T00:00:00+01:00', latestTimestamp: '2026-01-02T00:00:00Z', retries: 2, retryInterval: 30 },
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual([res.body.status, res.body.commandStatus, res.body.filename, res.body.uploadStatus], ['Rejected', 'accepted', null, null]);
  const sent = cp.received.find((r) => r.action === 'GetLog')!.payload;
  assert.deepEqual(sent, {
    logType: 'DiagnosticsLog',
    requestId: res.body.requestId,
    log: { remoteLocation: res.body.remoteLocation, oldestTimestamp: '2025-12-31T23:00:00.000Z', latestTimestamp: '2026-01-02T00:00:00.000Z' },
    retries: 2,
    retryInterval: 30,
  });
  const upload = await fetch(`${res.body.remoteLocation}x.log`, { method: 'PUT', body: 'nope' });
  assert.equal(upload.status, 404, 'nothing is taken for a rejected request');
});

test('another remoteLocation is sent as given; oldest after latest is a 400; unknown station 404', async () => {
  await acceptedCharger(app, 'LOG-2', { handlers: { GetLog: () => ({ status: 'Accepted', filename: 'd.log' }) } });
  const res = await app.request('POST', '/api/v1/stations/LOG-2/logs', { body: { logType: 'SecurityLog', remoteLocation: 'ftp://logs.example.com/in/' } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual([res.body.remoteLocation, res.body.ownReceiver, res.body.expiresAt], ['ftp://logs.example.com/in/', false, null]);
  const bad = await app.request('POST', '/api/v1/stations/LOG-2/logs', { body: { logType: 'SecurityLog', oldestTimestamp: '2026-02-01T00:00:00Z', latestTimestamp: '2026-01-01T00:00:00Z' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /oldestTimestamp must not be after latestTimestamp/);
  const badType = await app.request('POST', '/api/v1/stations/LOG-2/logs', { body: { logType: 'AuditLog' } });
  assert.equal(badType.status, 400);
  const unknown = await app.request('POST', '/api/v1/stations/NOPE/logs', { body: { logType: 'SecurityLog' } });
  assert.equal(unknown.status, 404);
  assert.equal((await app.request('GET', '/api/v1/stations/NOPE/logs')).status, 404);
});

test('LogStatusNotification is tracked per requestId and stays out of the GetDiagnostics timeline', async () => {
  const cp = await acceptedCharger(app, 'LOG-3', { handlers: { GetLog: () => ({ status: 'Accepted', filename: 'a.log' }), GetDiagnostics: () => ({ fileName: 'diag.zip' }) } });
  const first = (await app.request('POST', '/api/v1/stations/LOG-3/logs', { body: { logType: 'SecurityLog' } })).body;
  const diag = await app.request('POST', '/api/v1/stations/LOG-3/diagnostics', { body: {} });
  assert.equal(diag.status, 200, diag.text);
  const second = (await app.request('POST', '/api/v1/stations/LOG-3/logs', { body: { logType: 'DiagnosticsLog' } })).body;

  assert.deepEqual(await cp.call('LogStatusNotification', { status: 'Uploading', requestId: first.requestId }), {});
  await cp.call('LogStatusNotification', { status: 'PermissionDenied', requestId: second.requestId });
  await cp.call('LogStatusNotification', { status: 'UploadFailure', requestId: first.requestId });
  // Triggered Idle (no requestId), and a requestId that is none of ours: answered, not stored.
  assert.deepEqual(await cp.call('LogStatusNotification', { status: 'Idle' }), {});
  assert.deepEqual(await cp.call('LogStatusNotification', { status: 'Uploaded', requestId: 987654 }), {});
  await cp.call('DiagnosticsStatusNotification', { status: 'Uploading' });

  const logs = (await app.request('GET', '/api/v1/stations/LOG-3/logs')).body.items;
  assert.deepEqual(logs.map((i: any) => [i.request.requestId, i.request.uploadStatus, i.timeline.map((t: any) => t.status)]), [
    [second.requestId, 'PermissionDenied', ['PermissionDenied']],
    [first.requestId, 'UploadFailure', ['Uploading', 'UploadFailure']],
  ]);
  const status = (await app.request('GET', '/api/v1/stations/LOG-3/diagnostics-status')).body;
  assert.deepEqual(status.requests.map((r: any) => [r.id, r.diagnosticsStatus]), [[diag.body.id, 'Uploading']], 'only GetDiagnostics requests, the DiagnosticsStatusNotification linked to it');
  assert.deepEqual(status.timeline.map((t: any) => t.status), ['Uploading']);
});
