// Bulk commands: one result per charger, in order; one charger's failure never fails the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app?.cleanup());

test('ChangeConfiguration on a mix of online, offline, unknown, Rejected, refusing and silent chargers', async () => {
  const online = ['BULK-1', 'BULK-2', 'BULK-3'];
  for (const id of online) {
    const cp = app.charger(id, { handlers: { ChangeConfiguration: () => ({ status: id === 'BULK-2' ? 'Rejected' : 'Accepted' }) } });
    await cp.connect();
    await cp.boot();
  }
  const erring = app.charger('BULK-ERR', { handlers: { ChangeConfiguration: () => Promise.reject(new Error('flash write failed')) } });
  await erring.connect();
  await erring.boot();
  const silent = app.charger('BULK-SILENT', { handlers: { ChangeConfiguration: () => new Promise(() => {}) } });
  await silent.connect();
  await silent.boot();
  await app.ctx.services.stations.create({ id: 'BULK-OFF' });
  await app.ctx.services.stations.create({ id: 'BULK-REJECTED', registrationStatus: 'Rejected' });

  const stationIds = ['BULK-1', 'BULK-OFF', 'BULK-2', 'BULK-UNKNOWN', 'BULK-ERR', 'BULK-SILENT', 'BULK-3', 'BULK-REJECTED'];
  // The answering chargers get time to answer on a loaded machine; the silent one is cut off at 5 s.
  const res = await app.request('POST', '/api/v1/commands/bulk?timeout=5', {
    body: { stationIds, action: 'ChangeConfiguration', payload: { key: 'MeterValueSampleInterval', value: '-1' } },
  });
  assert.equal(res.status, 200, res.text);
  const byId = Object.fromEntries(res.body.results.map((r: { stationId: string }) => [r.stationId, r]));
  assert.deepEqual(res.body.results.map((r: { stationId: string }) => r.stationId), stationIds, 'results in request order');
  assert.deepEqual(byId['BULK-1'], { stationId: 'BULK-1', ok: true, response: { status: 'Accepted' } });
  assert.deepEqual(byId['BULK-2'], { stationId: 'BULK-2', ok: true, response: { status: 'Rejected' } });
  assert.deepEqual(byId['BULK-3'], { stationId: 'BULK-3', ok: true, response: { status: 'Accepted' } });
  assert.equal(byId['BULK-OFF'].ok, false);
  assert.deepEqual([byId['BULK-OFF'].error.status, byId['BULK-OFF'].error.error], [409, 'station_offline']);
  assert.deepEqual([byId['BULK-UNKNOWN'].error.status, byId['BULK-UNKNOWN'].error.error], [404, 'station_not_found']);
  assert.deepEqual([byId['BULK-ERR'].error.status, byId['BULK-ERR'].error.error, byId['BULK-ERR'].error.details.code], [502, 'charger_error', 'InternalError']);
  assert.deepEqual([byId['BULK-SILENT'].error.status, byId['BULK-SILENT'].error.error], [504, 'charger_timeout']);
  assert.deepEqual([byId['BULK-REJECTED'].error.status, byId['BULK-REJECTED'].error.error], [409, 'station_not_accepted']);
  assert.equal(res.body.succeeded, 3);
  assert.equal(res.body.failed, 5);
  assert.ok(res.body.results.every((r: { ok: boolean; response?: unknown; error?: unknown }) => (r.ok ? r.error === undefined : r.response === undefined)));
});

test('an invalid payload or action is refused once, before anything is sent', async () => {
  const cp = app.charger('BULK-V');
  await cp.connect();
  await cp.boot();
  const before = cp.received.length;
  const bad = await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['BULK-V'], action: 'Reset', payload: { type: 'Now' } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'validation_failed');
  assert.deepEqual(bad.body.details.errors, [{ path: '/type', message: 'must be one of: Hard, Soft' }]);
  assert.equal((await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['BULK-V'], action: 'Heartbeat', payload: {} } })).status, 400);
  assert.equal((await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: [], action: 'ClearCache' } })).status, 400);
  assert.equal((await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['A', 'A'], action: 'ClearCache' } })).status, 400);
  const tooMany = Array.from({ length: 1001 }, (_, i) => `S${i}`);
  assert.equal((await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: tooMany, action: 'ClearCache' } })).status, 400);
  assert.equal(cp.received.length, before);
  const ok = await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['BULK-V'], action: 'ClearCache' } });
  assert.deepEqual(ok.body, { results: [{ stationId: 'BULK-V', ok: true, response: { status: 'Accepted' } }], succeeded: 1, failed: 0 });
});

test('a thousand chargers, none connected: one result each, quickly', async () => {
  const stationIds = Array.from({ length: 1000 }, (_, i) => `BULK-MANY-${i}`);
  const res = await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds, action: 'Reset', payload: { type: 'Soft' } } });
  assert.equal(res.status, 200);
  assert.equal(res.body.results.length, 1000);
  assert.equal(res.body.failed, 1000);
  assert.ok(res.body.results.every((r: { error: { status: number } }) => r.error.status === 404));
});

test('bulk needs an admin key', async () => {
  const read = await app.request('POST', '/api/v1/api-keys', { body: { name: 'viewer', role: 'read' } });
  const res = await app.request('POST', '/api/v1/commands/bulk', { key: read.body.key, body: { stationIds: ['X'], action: 'ClearCache' } });
  assert.equal(res.status, 403);
});
