// OCTT 2.0.1 CSMS cases of the device model (checklist §4.3, B): GetBaseReport and GetReport with
// their NotifyReport parts, SetNetworkProfile. The simulated charger plays the OCTT's station and
// validates every frame Plugboard sends against the 2.0.1 schemas.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { station201 as connect201, OCPP201 } from './support201.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const station201 = (id: string, handlers: Record<string, (p: any) => unknown> = {}) => connect201(app, id, handlers);

const part = (requestId: number, seqNo: number, tbc: boolean, reportData: unknown[]) => ({ requestId, seqNo, tbc, generatedAt: new Date().toISOString(), reportData });

const securityCtrlr = {
  component: { name: 'SecurityCtrlr' },
  variable: { name: 'SecurityProfile' },
  variableAttribute: [{ type: 'Actual', value: '1', mutability: 'ReadOnly', persistent: true, constant: false }],
  variableCharacteristics: { dataType: 'integer', supportsMonitoring: false },
};
const evseAvailability = {
  component: { name: 'EVSE', evse: { id: 1 } },
  variable: { name: 'AvailabilityState' },
  variableAttribute: [{ type: 'Actual', value: 'Available', mutability: 'ReadOnly' }],
  variableCharacteristics: { dataType: 'OptionList', valuesList: 'Available,Occupied,Reserved,Unavailable,Faulted', supportsMonitoring: true },
};
const heartbeat = {
  component: { name: 'OCPPCommCtrlr' },
  variable: { name: 'HeartbeatInterval' },
  variableAttribute: [{ type: 'Actual', value: '300', mutability: 'ReadWrite' }, { type: 'MinSet', value: '30', mutability: 'ReadOnly' }],
  variableCharacteristics: { dataType: 'integer', unit: 's', minLimit: 30, maxLimit: 3600, supportsMonitoring: true },
};

/** Asks for a base report, has the station answer Accepted and send `parts`; returns the requestId. */
async function baseReport(cp: SimulatedCharger, id: string, reportBase: string, parts: unknown[][]): Promise<number> {
  const res = await app.request('POST', `/api/v1/stations/${id}/device-model/base-report`, { body: { reportBase } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');
  const sent = cp.received.filter((c) => c.action === 'GetBaseReport').at(-1)!;
  assert.deepEqual(sent.payload, { requestId: res.body.requestId, reportBase });
  for (let i = 0; i < parts.length; i++) {
    assert.deepEqual(await cp.call('NotifyReport', part(res.body.requestId, i, i < parts.length - 1, parts[i]!)), {});
  }
  return res.body.requestId;
}

test('TC_B_12_CSMS Get Base Report - ConfigurationInventory', async () => {
  const cp = await station201('B12');
  const requestId = await baseReport(cp, 'B12', 'ConfigurationInventory', [[heartbeat]]);
  const report = await app.request('GET', `/api/v1/stations/B12/device-model/reports/${requestId}`);
  assert.equal(report.status, 200);
  assert.equal(report.body.status, 'Complete');
  assert.equal(report.body.kind, 'GetBaseReport:ConfigurationInventory');
  assert.equal(report.body.answerStatus, 'Accepted');
  const vars = await app.request('GET', '/api/v1/stations/B12/device-model/variables');
  assert.equal(vars.body.total, 1);
  assert.equal(vars.body.items[0].key, 'OCPPCommCtrlr/HeartbeatInterval');
  assert.deepEqual(vars.body.items[0].attributes, heartbeat.variableAttribute);
  assert.deepEqual(vars.body.items[0].characteristics, heartbeat.variableCharacteristics);
});

test('TC_B_13_CSMS Get Base Report - FullInventory', async () => {
  const cp = await station201('B13');
  const res = await app.request('POST', '/api/v1/stations/B13/device-model/base-report', { body: { reportBase: 'FullInventory' } });
  assert.equal(res.status, 200, res.text);
  const requestId = res.body.requestId;
  // Two parts: after the first the report is in progress, after the last (tbc false) complete.
  await cp.call('NotifyReport', part(requestId, 0, true, [securityCtrlr, heartbeat]));
  let report = await app.request('GET', `/api/v1/stations/B13/device-model/reports/${requestId}`);
  assert.equal(report.body.status, 'InProgress');
  assert.equal(report.body.lastSeqNo, 0);
  await cp.call('NotifyReport', part(requestId, 1, false, [evseAvailability]));
  report = await app.request('GET', `/api/v1/stations/B13/device-model/reports/${requestId}`);
  assert.equal(report.body.status, 'Complete');
  assert.equal(report.body.parts, 2);
  assert.equal(report.body.variables, 3);

  const components = await app.request('GET', '/api/v1/stations/B13/device-model/components');
  assert.deepEqual(components.body.items, [
    { name: 'EVSE', evse: { id: 1 }, variables: 1 },
    { name: 'OCPPCommCtrlr', variables: 1 },
    { name: 'SecurityCtrlr', variables: 1 },
  ]);
  const evse = await app.request('GET', '/api/v1/stations/B13/device-model/variables?evseId=1');
  assert.deepEqual(evse.body.items.map((v: any) => v.key), ['EVSE/1/AvailabilityState']);
  const q = await app.request('GET', '/api/v1/stations/B13/device-model/variables?q=heartbeat');
  assert.deepEqual(q.body.items.map((v: any) => v.key), ['OCPPCommCtrlr/HeartbeatInterval']);
  const reports = await app.request('GET', '/api/v1/stations/B13/device-model/reports');
  assert.equal(reports.body.total, 1);
});

test('TC_B_14_CSMS Get Base Report - SummaryInventory', async () => {
  const cp = await station201('B14');
  const requestId = await baseReport(cp, 'B14', 'SummaryInventory', [[evseAvailability]]);
  const report = await app.request('GET', `/api/v1/stations/B14/device-model/reports/${requestId}`);
  assert.equal(report.body.status, 'Complete');
  assert.equal(report.body.kind, 'GetBaseReport:SummaryInventory');
  // A station that does not support the base asked for: its answer, and the report is Rejected.
  await cp.close();
  const cp2 = await (async () => {
    const c = app.charger('B14', { ...OCPP201, handlers: { GetBaseReport: () => ({ status: 'NotSupported' }) } });
    await c.connect();
    return c;
  })();
  const res = await app.request('POST', '/api/v1/stations/B14/device-model/base-report', { body: { reportBase: 'SummaryInventory' } });
  assert.equal(res.body.status, 'NotSupported');
  const rejected = await app.request('GET', `/api/v1/stations/B14/device-model/reports/${res.body.requestId}`);
  assert.equal(rejected.body.status, 'Rejected');
  assert.ok(cp2.received.some((c) => c.action === 'GetBaseReport'));
});

test('TC_B_18_CSMS Get Custom Report - with componentCriteria and component/variables', async () => {
  const cp = await station201('B18');
  const body = { componentCriteria: ['Available'], componentVariable: [{ component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } }] };
  const res = await app.request('POST', '/api/v1/stations/B18/device-model/report', { body });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');
  const sent = cp.received.find((c) => c.action === 'GetReport')!;
  assert.deepEqual(sent.payload, { requestId: res.body.requestId, ...body });
  await cp.call('NotifyReport', part(res.body.requestId, 0, false, [evseAvailability]));
  await eventually(async () => (await app.request('GET', `/api/v1/stations/B18/device-model/reports/${res.body.requestId}`)).body.status === 'Complete');
  const vars = await app.request('GET', '/api/v1/stations/B18/device-model/variables?component=EVSE');
  assert.equal(vars.body.items[0].attributes[0].value, 'Available');
  // A later report replaces the variable's attributes.
  const res2 = await app.request('POST', '/api/v1/stations/B18/device-model/report', { body: { componentCriteria: ['Problem'] } });
  await cp.call('NotifyReport', part(res2.body.requestId, 0, false, [{ ...evseAvailability, variableAttribute: [{ type: 'Actual', value: 'Faulted' }] }]));
  const again = await app.request('GET', '/api/v1/stations/B18/device-model/variables?component=EVSE');
  assert.equal(again.body.total, 1);
  assert.equal(again.body.items[0].attributes[0].value, 'Faulted');
});

/** A 2.0.1 station's variables as GetVariables / SetVariables handlers (unknown components answered UnknownComponent). */
function variableHandlers(values: Record<string, string>) {
  const key = (c: any, v: any) => `${c.name}/${v.name}`;
  return {
    GetVariables: (p: any) => ({
      getVariableResult: p.getVariableData.map((d: any) =>
        key(d.component, d.variable) in values
          ? { attributeStatus: 'Accepted', attributeType: d.attributeType ?? 'Actual', attributeValue: values[key(d.component, d.variable)], component: d.component, variable: d.variable }
          : { attributeStatus: 'UnknownComponent', component: d.component, variable: d.variable }),
    }),
    SetVariables: (p: any) => ({
      setVariableResult: p.setVariableData.map((d: any) => {
        const k = key(d.component, d.variable);
        if (!(k in values)) return { attributeStatus: 'UnknownVariable', component: d.component, variable: d.variable };
        if (k === 'SecurityCtrlr/SecurityProfile') return { attributeStatus: 'Rejected', component: d.component, variable: d.variable };
        values[k] = d.attributeValue;
        return { attributeStatus: 'Accepted', attributeType: d.attributeType ?? 'Actual', component: d.component, variable: d.variable };
      }),
    }),
  };
}

const VALUES = { 'OCPPCommCtrlr/HeartbeatInterval': '300', 'OCPPCommCtrlr/MessageTimeout': '30', 'AuthCtrlr/AuthorizeRemoteStart': 'true', 'SecurityCtrlr/SecurityProfile': '1', 'TxCtrlr/EVConnectionTimeOut': '60' };

test('TC_B_06_CSMS Get Variables - single value', async () => {
  const cp = await station201('B06', variableHandlers({ ...VALUES }));
  const res = await app.request('GET', '/api/v1/stations/B06/settings?name=OCPPCommCtrlr/HeartbeatInterval');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { version: '2.0.1', items: [{ name: 'OCPPCommCtrlr/HeartbeatInterval', value: '300', readonly: null, status: 'Accepted', attributeType: 'Actual' }] });
  assert.deepEqual(cp.received.filter((c) => c.action === 'GetVariables').map((c) => c.payload), [
    { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
  ]);
});

test('TC_B_07_CSMS Get Variables - multiple values', async () => {
  const cp = await station201('B07', variableHandlers({ ...VALUES }));
  const res = await app.request('GET', '/api/v1/stations/B07/settings?name=OCPPCommCtrlr/HeartbeatInterval&name=AuthCtrlr/AuthorizeRemoteStart&name=Nope/Nothing');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.items.map((i: any) => [i.name, i.status, i.value]), [
    ['OCPPCommCtrlr/HeartbeatInterval', 'Accepted', '300'],
    ['AuthCtrlr/AuthorizeRemoteStart', 'Accepted', 'true'],
    ['Nope/Nothing', 'UnknownComponent', null],
  ]);
  assert.equal(cp.received.filter((c) => c.action === 'GetVariables').length, 1);
});

test('TC_B_08_CSMS Get Variables - limit to maximum number of values', async () => {
  const cp = await station201('B08', variableHandlers({ ...VALUES }));
  // The station reported ItemsPerMessage 2 for GetVariables (and SetVariables) in its device model.
  const report = await app.request('POST', '/api/v1/stations/B08/device-model/base-report', { body: { reportBase: 'ConfigurationInventory' } });
  await cp.call('NotifyReport', part(report.body.requestId, 0, false, [
    { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'GetVariables' }, variableAttribute: [{ type: 'Actual', value: '2', mutability: 'ReadOnly' }] },
    { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'SetVariables' }, variableAttribute: [{ type: 'Actual', value: '2', mutability: 'ReadOnly' }] },
  ]));
  const names = Object.keys(VALUES);
  const res = await app.request('GET', `/api/v1/stations/B08/settings?${names.map((n) => `name=${encodeURIComponent(n)}`).join('&')}`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.items.map((i: any) => i.name), names);
  const sent = cp.received.filter((c) => c.action === 'GetVariables').map((c) => c.payload.getVariableData.length);
  assert.deepEqual(sent, [2, 2, 1]);
  const set = await app.request('PUT', '/api/v1/stations/B08/settings', { body: { values: names.slice(0, 3).map((name) => ({ name, value: '42' })) } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(cp.received.filter((c) => c.action === 'SetVariables').map((c) => c.payload.setVariableData.length), [2, 1]);
  const caps = await app.request('GET', '/api/v1/stations/B08/capabilities');
  assert.deepEqual(caps.body.itemsPerMessage, { getVariables: 2, setVariables: 2, getReport: null });
});

test('TC_B_09_CSMS Set Variables - single value', async () => {
  const values = { ...VALUES };
  const cp = await station201('B09', variableHandlers(values));
  const res = await app.request('PUT', '/api/v1/stations/B09/settings', { body: { values: [{ name: 'OCPPCommCtrlr/HeartbeatInterval', value: '600' }] } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { version: '2.0.1', items: [{ name: 'OCPPCommCtrlr/HeartbeatInterval', status: 'Accepted', attributeType: 'Actual' }] });
  assert.deepEqual(cp.received.find((c) => c.action === 'SetVariables')!.payload, {
    setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '600' }],
  });
  assert.equal(values['OCPPCommCtrlr/HeartbeatInterval'], '600');
});

test('TC_B_10_CSMS Set Variables - multiple values', async () => {
  const cp = await station201('B10', variableHandlers({ ...VALUES }));
  const res = await app.request('PUT', '/api/v1/stations/B10/settings', {
    body: { values: [{ name: 'OCPPCommCtrlr/HeartbeatInterval', value: '600' }, { name: 'SecurityCtrlr/SecurityProfile', value: '3' }, { name: 'TxCtrlr/Nothing', value: '1' }, { name: 'TxCtrlr/EVConnectionTimeOut', value: '90', attributeType: 'Target' }] },
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.items.map((i: any) => [i.name, i.status]), [
    ['OCPPCommCtrlr/HeartbeatInterval', 'Accepted'],
    ['SecurityCtrlr/SecurityProfile', 'Rejected'],
    ['TxCtrlr/Nothing', 'UnknownVariable'],
    ['TxCtrlr/EVConnectionTimeOut', 'Accepted'],
  ]);
  const sent = cp.received.filter((c) => c.action === 'SetVariables');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.payload.setVariableData[3].attributeType, 'Target');
});

const networkProfile = {
  configurationSlot: 1,
  connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'wss://csms.example.com/ocpp', messageTimeout: 30, securityProfile: 2, ocppInterface: 'Wired0' },
};

test('TC_B_42_CSMS Set new NetworkConnectionProfile - Accepted', async () => {
  const cp = await station201('B42', { SetNetworkProfile: () => ({ status: 'Accepted' }) });
  const res = await app.request('POST', '/api/v1/stations/B42/network-profile', { body: networkProfile });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');
  assert.deepEqual(cp.received.find((c) => c.action === 'SetNetworkProfile')!.payload, networkProfile);
});

test('TC_B_44_CSMS Set new NetworkConnectionProfile - Failed', async () => {
  const cp = await station201('B44', { SetNetworkProfile: () => ({ status: 'Failed' }) });
  const res = await app.request('POST', '/api/v1/stations/B44/network-profile', { body: networkProfile });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Failed');
  assert.ok(cp.received.some((c) => c.action === 'SetNetworkProfile'));
});

test('device model routes refuse a 1.6 station with 400 not_in_version, nothing sent', async () => {
  assert.equal((await app.request('POST', '/api/v1/stations', { body: { id: 'DM16', registrationStatus: 'Accepted', securityProfile: 0 } })).status, 201);
  const cp = app.charger('DM16');
  await cp.connect();
  for (const [path, body] of [['network-profile', networkProfile], ['device-model/base-report', { reportBase: 'FullInventory' }], ['device-model/report', {}]] as const) {
    const res = await app.request('POST', `/api/v1/stations/DM16/${path}`, { body });
    assert.equal(res.status, 400, `${path}: ${res.text}`);
    assert.equal(res.body.error, 'not_in_version');
  }
  assert.equal(cp.received.length, 0);
  assert.equal((await app.request('GET', '/api/v1/stations/nope/device-model/variables')).status, 404);
});
