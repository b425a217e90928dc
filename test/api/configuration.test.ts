// One configuration API for both versions (ADR 0014): the same calls to a 1.6 station (keys,
// GetConfiguration / ChangeConfiguration) and a 2.0.1 station (variables, GetVariables /
// SetVariables) give answers of the same shape; capabilities read from either; the raw
// per-version forms keep working.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { configurationHandlers } from '../e2e/support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

async function connected(id: string, protocols: string[] | undefined, handlers: Record<string, (p: any) => unknown>) {
  assert.equal((await app.request('POST', '/api/v1/stations', { body: { id, registrationStatus: 'Accepted', securityProfile: 0 } })).status, 201);
  const cp = app.charger(id, { ...(protocols ? { protocols } : {}), handlers });
  await cp.connect();
  return cp;
}

function variables201(values: Record<string, { value: string; readonly?: boolean }>) {
  const key = (d: any) => `${d.component.name}/${d.variable.name}`;
  return {
    GetVariables: (p: any) => ({
      getVariableResult: p.getVariableData.map((d: any) =>
        key(d) in values ? { attributeStatus: 'Accepted', attributeValue: values[key(d)]!.value, component: d.component, variable: d.variable } : { attributeStatus: 'UnknownVariable', component: d.component, variable: d.variable }),
    }),
    SetVariables: (p: any) => ({
      setVariableResult: p.setVariableData.map((d: any) => {
        const v = values[key(d)];
        if (!v) return { attributeStatus: 'UnknownVariable', component: d.component, variable: d.variable };
        if (v.readonly) return { attributeStatus: 'Rejected', component: d.component, variable: d.variable };
        v.value = d.attributeValue;
        return { attributeStatus: 'Accepted', component: d.component, variable: d.variable };
      }),
    }),
  };
}

test('the same settings calls to a 1.6 and a 2.0.1 station: per-item results of one shape', async () => {
  const cp16 = await connected('CFG16', undefined, configurationHandlers({ HeartbeatInterval: { value: '300' }, NumberOfConnectors: { value: '2', readonly: true } }));
  const cp201 = await connected('CFG201', ['ocpp2.0.1'], variables201({ 'OCPPCommCtrlr/HeartbeatInterval': { value: '300' }, 'EVSE/Count': { value: '2', readonly: true } }));
  const names = { CFG16: ['HeartbeatInterval', 'NumberOfConnectors'], CFG201: ['OCPPCommCtrlr/HeartbeatInterval', 'EVSE/Count'] } as const;
  const seen: Record<string, unknown> = {};
  for (const id of ['CFG16', 'CFG201'] as const) {
    const [hb, ro] = names[id];
    const set = await app.request('PUT', `/api/v1/stations/${id}/settings`, { body: { values: [{ name: hb, value: '120' }, { name: ro, value: '9' }] } });
    assert.equal(set.status, 200, set.text);
    const get = await app.request('GET', `/api/v1/stations/${id}/settings?name=${encodeURIComponent(hb)}`);
    assert.equal(get.status, 200, get.text);
    seen[id] = { set: set.body.items.map((i: any) => i.status), get: get.body.items.map((i: any) => [i.status, i.value]) };
  }
  assert.deepEqual(seen.CFG16, { set: ['Accepted', 'Rejected'], get: [['Accepted', '120']] });
  assert.deepEqual(seen.CFG201, seen.CFG16);
  assert.equal(cp16.received.filter((c) => c.action === 'ChangeConfiguration').length, 2);
  assert.equal(cp201.received.filter((c) => c.action === 'SetVariables').length, 1);

  // Unknown names: the version's own status.
  const u16 = await app.request('GET', '/api/v1/stations/CFG16/settings?name=Nope');
  assert.deepEqual(u16.body.items, [{ name: 'Nope', value: null, readonly: null, status: 'UnknownKey' }]);
  const u201 = await app.request('GET', '/api/v1/stations/CFG201/settings?name=Nope/Nothing');
  assert.equal(u201.body.items[0].status, 'UnknownVariable');
  // A 2.0.1 name that is not component/variable: 400, nothing sent.
  const before201 = cp201.received.length;
  const bad = await app.request('GET', '/api/v1/stations/CFG201/settings?name=HeartbeatInterval');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'invalid_setting_name');
  assert.equal(cp201.received.length, before201);

  // The raw per-version forms keep working.
  const raw16 = await app.request('GET', '/api/v1/stations/CFG16/configuration?key=HeartbeatInterval');
  assert.equal(raw16.status, 200, raw16.text);
  assert.equal(raw16.body.configurationKey[0].value, '120');
});

test('capabilities from a 1.6 station (GetConfiguration) and a 2.0.1 station (its device model)', async () => {
  await connected('CAP16', undefined, configurationHandlers({
    LocalAuthListMaxLength: { value: '100' }, SendLocalListMaxLength: { value: '20' }, ChargeProfileMaxStackLevel: { value: '5' },
    ChargingScheduleMaxPeriods: { value: '24' }, MaxChargingProfilesInstalled: { value: '10' }, ChargingScheduleAllowedChargingRateUnit: { value: 'Current,Power' },
    ConnectorPhaseRotation: { value: '0.RST,1.RST' },
  }));
  const cp = await connected('CAP201', ['ocpp2.0.1'], {});
  const report = await app.request('POST', '/api/v1/stations/CAP201/device-model/base-report', { body: { reportBase: 'FullInventory' } });
  const v = (component: any, name: string, value: string, type = 'Actual') => ({ component, variable: { name }, variableAttribute: [{ type, value }] });
  await cp.call('NotifyReport', {
    requestId: report.body.requestId, seqNo: 0, generatedAt: new Date().toISOString(),
    reportData: [
      { component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Entries' }, variableAttribute: [{ type: 'Actual', value: '3' }, { type: 'MaxSet', value: '100' }] },
      v({ name: 'LocalAuthListCtrlr' }, 'ItemsPerMessage', '20'),
      v({ name: 'SmartChargingCtrlr' }, 'ProfileStackLevel', '5'),
      v({ name: 'SmartChargingCtrlr' }, 'PeriodsPerSchedule', '24'),
      { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Entries' }, variableAttribute: [{ type: 'MaxSet', value: '10' }] },
      v({ name: 'SmartChargingCtrlr' }, 'RateUnit', 'A,W'),
      v({ name: 'EVSE', evse: { id: 1 } }, 'SupplyPhases', '3'),
    ],
  });
  const c16 = await app.request('GET', '/api/v1/stations/CAP16/capabilities');
  const c201 = await app.request('GET', '/api/v1/stations/CAP201/capabilities');
  assert.equal(c16.status, 200, c16.text);
  assert.equal(c201.status, 200, c201.text);
  const common = (b: any) => ({ ...b, version: undefined, itemsPerMessage: undefined, bytesPerMessage: undefined });
  assert.deepEqual(common(c16.body), {
    version: undefined, itemsPerMessage: undefined, bytesPerMessage: undefined,
    localAuthListMaxLength: 100, sendLocalListMaxLength: 20, smartCharging: { maxStackLevel: 5, maxPeriods: 24, maxProfilesInstalled: 10, rateUnits: ['A', 'W'] }, phases: 3,
  });
  assert.deepEqual(common(c201.body), common(c16.body));
  assert.equal(c16.body.version, '1.6');
  assert.equal(c201.body.version, '2.0.1');
});
