// OCPP 2.0.1 stations in the simulated fleet, beside 1.6 ones, against a real Plugboard: every
// frame both ways is checked against the 2.0.1 schemas by the station's RPC endpoint. Plugboard's
// own 2.0.1 handlers land piece by piece (what is missing answers NotSupported), so the test
// looks at what the station says and answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { frames, testFleet } from './support.ts';

let app: TestApp;

before(async () => {
  app = await startOpenApp({ authorization: { acceptUnknownIdTags: true } });
});

after(() => app.cleanup());

test('a mixed fleet: 1.6 and 2.0.1 stations in turn, each booting its own way; the 2.0.1 one answers GetVariables/SetVariables from its device model', async (t) => {
  const fleet = testFleet(t, app, { count: 4, connectors: 2, identity: 'MIX-{n:2}', behaviour: 'idle', ocpp: ['1.6', '2.0.1'], heartbeatIntervalSeconds: 300 });
  await fleet.start();
  assert.deepEqual(
    fleet.stations.map((s) => s.version),
    ['1.6', '2.0.1', '1.6', '2.0.1'],
  );
  const boot201 = await eventually(async () => (await frames(app, 'MIX-02', { direction: 'in', action: 'BootNotification' }))[0], 10_000, '2.0.1 BootNotification');
  assert.deepEqual(boot201.payload, { chargingStation: { model: 'Sim AC 22', vendorName: 'Plugboard', serialNumber: 'SN-MIX-02', firmwareVersion: '1.0.0' }, reason: 'PowerUp' });
  const boot16 = await eventually(async () => (await frames(app, 'MIX-01', { direction: 'in', action: 'BootNotification' }))[0], 10_000, '1.6 BootNotification');
  assert.equal(boot16.payload.chargePointModel, 'Sim AC 22');
  assert.equal(fleet.station('MIX-01')!.registration, 'Accepted');

  const stations = app.ctx.services.stations;
  const got = await stations.sendCommand201('MIX-02', 'GetVariables', {
    getVariableData: [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
      { component: { name: 'ChargingStation' }, variable: { name: 'SerialNumber' } },
      { component: { name: 'NoSuchCtrlr' }, variable: { name: 'Nothing' } },
    ],
  });
  assert.deepEqual(
    got.getVariableResult.map((r) => [r.attributeStatus, r.attributeValue]),
    [
      ['Accepted', '300'],
      ['Accepted', 'SN-MIX-02'],
      ['UnknownVariable', undefined],
    ],
  );
  const set = await stations.sendCommand201('MIX-02', 'SetVariables', {
    setVariableData: [
      { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '15' },
      { component: { name: 'ChargingStation' }, variable: { name: 'Model' }, attributeValue: 'x' },
    ],
  });
  assert.deepEqual(set.setVariableResult.map((r) => r.attributeStatus), ['Accepted', 'Rejected']);
  assert.equal(fleet.station('MIX-02')!.config.get('MeterValueSampleInterval'), '15');
  // A 1.6 station is refused 2.0.1 commands.
  await assert.rejects(stations.sendCommand201('MIX-01', 'GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }));
});

test('a 2.0.1 station reports its device model for GetBaseReport in several NotifyReport parts', async (t) => {
  const fleet = testFleet(t, app, { count: 1, identity: 'REPORT-201', behaviour: 'idle', ocpp: '2.0.1' });
  await fleet.start();
  const res = await app.ctx.services.stations.sendCommand201('REPORT-201', 'GetBaseReport', { requestId: 42, reportBase: 'FullInventory' });
  assert.equal(res.status, 'Accepted');
  const parts = await eventually(async () => {
    const f = await frames(app, 'REPORT-201', { direction: 'in', action: 'NotifyReport' });
    return f.length > 0 && f[f.length - 1].payload.tbc === false ? f : null;
  }, 10_000, 'every NotifyReport part');
  assert.ok(parts.length > 1);
  assert.deepEqual(parts.map((p) => p.payload.seqNo), parts.map((_, i) => i));
  assert.ok(parts.every((p) => p.payload.requestId === 42));
  const names = parts.flatMap((p) => p.payload.reportData.map((d: any) => `${d.component.name}/${d.variable.name}`));
  assert.ok(names.includes('OCPPCommCtrlr/HeartbeatInterval'));
});
