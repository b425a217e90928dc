// Security events end to end: a station's SecurityEventNotification is stored (answered only
// after the commit), listed per station and across stations with filters and paging, marked
// critical per the Security Whitepaper's list, and delivered to a webhook subscribed to
// security.event; Plugboard's own events (record with source csms) land in the same list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger } from '../e2e/support.ts';
import { CRITICAL_SECURITY_EVENTS_16 } from '../../src/modules/security/critical.ts';

let app: TestApp;
before(async () => {
  // The webhook receiver listens on 127.0.0.1: a loopback target, refused unless allowed (ADR 0013).
  app = await startOpenApp({ webhooks: { allowPrivateTargets: true } });
  app.ctx.services.webhooks.configureDelivery({ pollMs: 50, retryBaseMs: 200, retryMaxMs: 2000 });
});
after(() => app.cleanup());

test('SecurityEventNotification is stored before it is answered, listed per station and across stations', async () => {
  const cp = await acceptedCharger(app, 'SEC-1');
  const other = await acceptedCharger(app, 'SEC-2');
  assert.deepEqual(await cp.call('SecurityEventNotification', { type: 'InvalidMessages', timestamp: '2026-01-02T03:04:05Z', techInfo: 'bad frame' }), {});
  // Answered {} means committed: the row is there the moment the answer is.
  const row = await app.ctx.db.kysely.selectFrom('security_events').selectAll().where('station_id', '=', 'SEC-1').executeTakeFirst();
  assert.equal(row?.type, 'InvalidMessages');
  await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: '2026-01-02T03:05:00.000+01:00' });
  await other.call('SecurityEventNotification', { type: 'SettingSystemTime', timestamp: '2026-01-03T00:00:00Z' });

  const mine = await app.request('GET', '/api/v1/stations/SEC-1/security-events');
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.total, 2);
  // Newest first by the event's own time (the +01:00 one happened at 02:05 UTC, before 03:04).
  assert.deepEqual(mine.body.items.map((e: any) => [e.type, e.timestamp, e.critical, e.source, e.techInfo]), [
    ['InvalidMessages', '2026-01-02T03:04:05.000Z', false, 'station', 'bad frame'],
    ['TamperDetectionActivated', '2026-01-02T02:05:00.000Z', true, 'station', null],
  ]);

  const critical = await app.request('GET', '/api/v1/security-events?critical=true');
  assert.deepEqual(critical.body.items.map((e: any) => e.stationId).sort(), ['SEC-1', 'SEC-2']);
  const byType = await app.request('GET', '/api/v1/security-events?type=SettingSystemTime');
  assert.deepEqual(byType.body.items.map((e: any) => e.stationId), ['SEC-2']);
  const range = await app.request('GET', '/api/v1/security-events?stationId=SEC-1&from=2026-01-02T03:00:00Z&to=2026-01-02T04:00:00Z');
  assert.deepEqual(range.body.items.map((e: any) => e.type), ['InvalidMessages']);
  const paged = await app.request('GET', '/api/v1/security-events?stationId=SEC-1&limit=1&offset=1');
  assert.deepEqual([paged.body.total, paged.body.limit, paged.body.offset, paged.body.items.map((e: any) => e.type)], [2, 1, 1, ['TamperDetectionActivated']]);

  const badRange = await app.request('GET', '/api/v1/security-events?from=2026-01-03T00:00:00Z&to=2026-01-02T00:00:00Z');
  assert.equal(badRange.status, 400);
  assert.match(badRange.body.message, /from must be before to/);
  const unknown = await app.request('GET', '/api/v1/stations/NOPE/security-events');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'station_not_found');
});

test('critical events follow the whitepaper list; a vendor type is stored, not critical', async () => {
  assert.deepEqual([...CRITICAL_SECURITY_EVENTS_16].sort(), [
    'FirmwareUpdated', 'MemoryExhaustion', 'ResetOrReboot', 'SecurityLogWasCleared', 'SettingSystemTime', 'StartupOfTheDevice', 'TamperDetectionActivated',
  ]);
  const cp = await acceptedCharger(app, 'SEC-3');
  for (const type of ['StartupOfTheDevice', 'InvalidChargePointCertificate', 'AcmeDoorOpened']) {
    await cp.call('SecurityEventNotification', { type, timestamp: new Date().toISOString() });
  }
  const res = await app.request('GET', '/api/v1/stations/SEC-3/security-events');
  assert.deepEqual(Object.fromEntries(res.body.items.map((e: any) => [e.type, e.critical])), { StartupOfTheDevice: true, InvalidChargePointCertificate: false, AcmeDoorOpened: false });
});

test('Plugboard\'s own events (source csms) are stored and published like station ones', async () => {
  const seen: any[] = [];
  const off = app.ctx.bus.subscribe((e) => {
    if (e.type === 'security.event') seen.push(e);
  });
  try {
    await app.ctx.services.security.record({ stationId: 'SEC-CSMS', type: 'InvalidChargePointCertificate', source: 'csms', at: '2026-02-01T00:00:00Z', techInfo: 'expired', critical: true });
  } finally {
    off();
  }
  assert.deepEqual(seen.map((e) => [e.stationId, e.eventType, e.source, e.critical, e.techInfo]), [['SEC-CSMS', 'InvalidChargePointCertificate', 'csms', true, 'expired']]);
  const res = await app.request('GET', '/api/v1/security-events?source=csms&stationId=SEC-CSMS');
  assert.deepEqual(res.body.items.map((e: any) => [e.type, e.critical]), [['InvalidChargePointCertificate', true]]);
});

test('a critical security event reaches a webhook subscribed to security.event', async () => {
  const received: any[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as { port: number };
    const hook = await app.request('POST', '/api/v1/webhooks', { body: { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['security.event'], stationIds: ['SEC-WH'] } });
    assert.equal(hook.status, 201, hook.text);
    const cp = await acceptedCharger(app, 'SEC-WH');
    await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: '2026-03-01T10:00:00Z', techInfo: 'lid opened' });
    await eventually(() => received.length >= 1, 30_000, 'the webhook got the security event');
    assert.equal(received[0].type, 'security.event');
    assert.deepEqual(received[0].data, { type: 'security.event', stationId: 'SEC-WH', at: '2026-03-01T10:00:00.000Z', eventType: 'TamperDetectionActivated', source: 'station', critical: true, techInfo: 'lid opened' });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
