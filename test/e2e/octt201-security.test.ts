// OCPP 2.0.1 security (checklist §4.3, A and M) against a real Plugboard: security events so far.
// The simulated charger plays the OCTT's station and validates every frame Plugboard sends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

test('SecurityEventNotification: the same store and API for 1.6 and 2.0.1, critical per each version\'s list', async () => {
  const created = await app.request('POST', '/api/v1/stations', { body: { id: 'SEC201', registrationStatus: 'Accepted', securityProfile: 0 } });
  assert.equal(created.status, 201, created.text);
  const cp201 = app.charger('SEC201', { protocols: ['ocpp2.0.1'] });
  await cp201.connect();
  const cp16 = await acceptedCharger(app, 'SEC16');
  const types = ['MaintenanceLoginFailed', 'TamperDetectionActivated', 'InvalidCsmsCertificate', 'VendorSpecificThing'];
  for (const type of types) {
    assert.deepEqual(await cp201.call('SecurityEventNotification', { type, timestamp: new Date().toISOString(), techInfo: 'x' }), {});
    assert.deepEqual(await cp16.call('SecurityEventNotification', { type, timestamp: new Date().toISOString(), techInfo: 'x' }), {});
  }
  const list = async (id: string) => {
    const res = await app.request('GET', `/api/v1/stations/${id}/security-events`);
    assert.equal(res.status, 200, res.text);
    return Object.fromEntries(res.body.items.map((e: { type: string; critical: boolean; source: string }) => [e.type, [e.critical, e.source]]));
  };
  assert.deepEqual(await list('SEC201'), { MaintenanceLoginFailed: [true, 'station'], TamperDetectionActivated: [true, 'station'], InvalidCsmsCertificate: [false, 'station'], VendorSpecificThing: [false, 'station'] });
  assert.deepEqual(await list('SEC16'), { MaintenanceLoginFailed: [false, 'station'], TamperDetectionActivated: [true, 'station'], InvalidCsmsCertificate: [false, 'station'], VendorSpecificThing: [false, 'station'] });
});
