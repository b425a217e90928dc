// OCTT 2.0.1 CSMS cases of provisioning (checklist §4.3, B): BootNotification Accepted/Pending,
// SecurityError while not Accepted, Heartbeat and StatusNotification. The simulated charger plays
// the OCTT's station and validates every frame Plugboard sends against the 2.0.1 schemas.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { CallErrorResponse } from '../../src/simulator/charger.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const OCPP201 = { protocols: ['ocpp2.0.1'] };
const boot201 = (reason = 'PowerUp', extra: Record<string, unknown> = {}) => ({
  reason,
  chargingStation: { model: 'Model-201', vendorName: 'Vendor-201', serialNumber: 'SN-201', firmwareVersion: '2.0.1-fw', modem: { iccid: 'ICCID-1', imsi: 'IMSI-1' }, ...extra },
});

async function create(id: string, registrationStatus: 'Accepted' | 'Pending' | 'Rejected') {
  const created = await app.request('POST', '/api/v1/stations', { body: { id, registrationStatus, securityProfile: 0 } });
  assert.equal(created.status, 201, created.text);
}

test('TC_B_01_CSMS Cold Boot Charging Station - Accepted', async () => {
  await create('B01', 'Accepted');
  const cp = app.charger('B01', OCPP201);
  await cp.connect();
  const res = await cp.call('BootNotification', boot201());
  assert.equal(res.status, 'Accepted');
  assert.equal(res.interval, app.config.registration.heartbeatIntervalSeconds);
  assert.ok(!Number.isNaN(Date.parse(res.currentTime)));
  const st = await app.request('GET', '/api/v1/stations/B01');
  assert.equal(st.status, 200);
  assert.equal(st.body.ocppVersion, '2.0.1');
  assert.equal(st.body.vendor, 'Vendor-201');
  assert.equal(st.body.model, 'Model-201');
  assert.equal(st.body.chargePointSerialNumber, 'SN-201');
  assert.equal(st.body.firmwareVersion, '2.0.1-fw');
  assert.equal(st.body.iccid, 'ICCID-1');
  assert.equal(st.body.imsi, 'IMSI-1');
  assert.match((await cp.call('Heartbeat', {})).currentTime, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(await cp.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 }), {});
  await eventually(async () => {
    const s = await app.request('GET', '/api/v1/stations/B01');
    return s.body.connectors?.find((x: any) => x.connectorId === 1)?.status === 'Available';
  });
  await cp.close();
});

test('TC_B_02_CSMS Cold Boot Charging Station - Pending', async () => {
  await create('B02', 'Pending');
  const cp = app.charger('B02', OCPP201);
  await cp.connect();
  const res = await cp.call('BootNotification', boot201());
  assert.equal(res.status, 'Pending');
  assert.equal(res.interval, app.config.registration.retryIntervalSeconds);
  // B02.FR.06: the connection stays open; the operator accepts, the next boot is Accepted.
  assert.equal((await app.request('PATCH', '/api/v1/stations/B02', { body: { registrationStatus: 'Accepted' } })).status, 200);
  const again = await cp.call('BootNotification', boot201());
  assert.equal(again.status, 'Accepted');
  assert.equal(again.interval, app.config.registration.heartbeatIntervalSeconds);
  await cp.close();
});

test('TC_B_30_CSMS Cold Boot Charging Station - Pending/Rejected - SecurityError', async () => {
  await create('B30P', 'Pending');
  await create('B30R', 'Rejected');
  for (const id of ['B30P', 'B30R']) {
    const cp = app.charger(id, OCPP201);
    await cp.connect();
    const res = await cp.call('BootNotification', boot201());
    assert.equal(res.status, id === 'B30P' ? 'Pending' : 'Rejected');
    await assert.rejects(cp.call('Heartbeat', {}), (err: unknown) => err instanceof CallErrorResponse && err.code === 'SecurityError');
    await assert.rejects(
      cp.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 }),
      (err: unknown) => err instanceof CallErrorResponse && err.code === 'SecurityError',
    );
    await cp.close();
  }
});

test('a 2.0.1 boot reason is published with station.booted', async () => {
  await create('B-REASON', 'Accepted');
  const seen: unknown[] = [];
  const off = app.ctx.bus.subscribe((e: any) => { if (e.type === 'station.booted' && e.stationId === 'B-REASON') seen.push(e.reason); });
  const cp = app.charger('B-REASON', OCPP201);
  await cp.connect();
  await cp.call('BootNotification', boot201('RemoteReset'));
  await eventually(() => seen.length === 1 && seen[0] === 'RemoteReset');
  const st = await app.request('GET', '/api/v1/stations/B-REASON');
  assert.equal(st.body.ocppVersion, '2.0.1');
  off();
  await cp.close();
});

test('TC_B_31_CSMS Cold Boot Charging Station - Pending/Rejected - TriggerMessage', async () => {
  await create('B31', 'Pending');
  const cp = app.charger('B31', OCPP201);
  await cp.connect();
  assert.equal((await cp.call('BootNotification', boot201())).status, 'Pending');
  const res = await app.request('POST', '/api/v1/stations/B31/trigger', { body: { requestedMessage: 'BootNotification' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');
  assert.deepEqual(cp.received.filter((c) => c.action === 'TriggerMessage').at(-1)?.payload, { requestedMessage: 'BootNotification' });
  assert.equal((await app.request('PATCH', '/api/v1/stations/B31', { body: { registrationStatus: 'Accepted' } })).status, 200);
  const boot = await cp.call('BootNotification', boot201('Triggered'));
  assert.equal(boot.status, 'Accepted');
  // Once Accepted, the errata safeguard refuses the trigger unless forced.
  const refused = await app.request('POST', '/api/v1/stations/B31/trigger', { body: { requestedMessage: 'BootNotification' } });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code ?? refused.body.error, 'boot_trigger_refused');
  await cp.close();
});
