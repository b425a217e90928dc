// OCTT 2.0.1 CSMS cases of availability and reset (checklist §4.3, B and G), through the same
// routes as 1.6; and the same API calls against a 1.6 and a 2.0.1 station, compared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

async function station(id: string, version: '1.6' | '2.0.1', handlers: Record<string, (p: any) => unknown> = {}): Promise<SimulatedCharger> {
  const created = await app.request('POST', '/api/v1/stations', { body: { id, registrationStatus: 'Accepted', securityProfile: 0 } });
  assert.equal(created.status, 201, created.text);
  const cp = app.charger(id, { protocols: [version === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1'], handlers });
  await cp.connect();
  return cp;
}
const last = (cp: SimulatedCharger, action: string) => cp.received.filter((c) => c.action === action).at(-1)?.payload;
const post = async (path: string, body: unknown) => {
  const res = await app.request('POST', path, { body });
  assert.equal(res.status, 200, res.text);
  return res.body;
};

test('TC_B_20_CSMS Reset Charging Station - Without ongoing transaction - OnIdle', async () => {
  const cp = await station('B20', '2.0.1');
  assert.equal((await post('/api/v1/stations/B20/reset', { when: 'idle' })).status, 'Accepted');
  assert.deepEqual(last(cp, 'Reset'), { type: 'OnIdle' });
  await cp.close();
});

test('TC_B_21_CSMS Reset Charging Station - With Ongoing Transaction - OnIdle', async () => {
  const cp = await station('B21', '2.0.1', { Reset: () => ({ status: 'Scheduled' }) });
  assert.equal((await post('/api/v1/stations/B21/reset', { when: 'idle' })).status, 'Scheduled');
  assert.deepEqual(last(cp, 'Reset'), { type: 'OnIdle' });
  await cp.close();
});

test('TC_B_22_CSMS Reset Charging Station - With Ongoing Transaction - Immediate', async () => {
  const cp = await station('B22', '2.0.1');
  assert.equal((await post('/api/v1/stations/B22/reset', { when: 'now' })).status, 'Accepted');
  assert.deepEqual(last(cp, 'Reset'), { type: 'Immediate' });
  await cp.close();
});

test('TC_B_25_CSMS Reset EVSE - Without ongoing transaction', async () => {
  const cp = await station('B25', '2.0.1');
  assert.equal((await post('/api/v1/stations/B25/reset', { when: 'idle', evseId: 1 })).status, 'Accepted');
  assert.deepEqual(last(cp, 'Reset'), { type: 'OnIdle', evseId: 1 });
  await cp.close();
});

test('TC_B_26_CSMS Reset EVSE - With Ongoing Transaction - OnIdle', async () => {
  const cp = await station('B26', '2.0.1', { Reset: () => ({ status: 'Scheduled' }) });
  assert.equal((await post('/api/v1/stations/B26/reset', { when: 'idle', evseId: 1 })).status, 'Scheduled');
  assert.deepEqual(last(cp, 'Reset'), { type: 'OnIdle', evseId: 1 });
  await cp.close();
});

test('TC_B_27_CSMS Reset EVSE - With Ongoing Transaction - Immediate', async () => {
  const cp = await station('B27', '2.0.1');
  assert.equal((await post('/api/v1/stations/B27/reset', { when: 'now', evseId: 1 })).status, 'Accepted');
  assert.deepEqual(last(cp, 'Reset'), { type: 'Immediate', evseId: 1 });
  await cp.close();
});

const availabilityCases: Array<[string, string, unknown, unknown, string?]> = [
  ['TC_G_03_CSMS Change Availability EVSE - Operative to inoperative', 'G03', { evseId: 1, type: 'Inoperative' }, { operationalStatus: 'Inoperative', evse: { id: 1 } }],
  ['TC_G_04_CSMS Change Availability EVSE - Inoperative to operative', 'G04', { evseId: 1, type: 'Operative' }, { operationalStatus: 'Operative', evse: { id: 1 } }],
  ['TC_G_05_CSMS Change Availability Charging Station - Operative to inoperative', 'G05', { evseId: 0, type: 'Inoperative' }, { operationalStatus: 'Inoperative' }],
  ['TC_G_06_CSMS Change Availability Charging Station - Inoperative to operative', 'G06', { connectorId: 0, type: 'Operative' }, { operationalStatus: 'Operative' }],
  ['TC_G_07_CSMS Change Availability Connector - Operative to inoperative', 'G07', { evseId: 1, connectorId: 1, type: 'Inoperative' }, { operationalStatus: 'Inoperative', evse: { id: 1, connectorId: 1 } }],
  ['TC_G_08_CSMS Change Availability Connector - Inoperative to operative', 'G08', { evseId: 1, connectorId: 1, type: 'Operative' }, { operationalStatus: 'Operative', evse: { id: 1, connectorId: 1 } }],
  ['TC_G_11_CSMS Change Availability EVSE - With ongoing transaction', 'G11', { evseId: 1, type: 'Inoperative' }, { operationalStatus: 'Inoperative', evse: { id: 1 } }, 'Scheduled'],
  ['TC_G_14_CSMS Change Availability Charging Station - With ongoing transaction', 'G14', { evseId: 0, type: 'Inoperative' }, { operationalStatus: 'Inoperative' }, 'Scheduled'],
  ['TC_G_17_CSMS Change Availability Connector - With ongoing transaction', 'G17', { evseId: 1, connectorId: 1, type: 'Inoperative' }, { operationalStatus: 'Inoperative', evse: { id: 1, connectorId: 1 } }, 'Scheduled'],
];
for (const [name, id, body, sent, answer] of availabilityCases) {
  test(name, async () => {
    const cp = await station(id, '2.0.1', answer ? { ChangeAvailability: () => ({ status: answer }) } : {});
    assert.equal((await post(`/api/v1/stations/${id}/availability`, body)).status, answer ?? 'Accepted');
    assert.deepEqual(last(cp, 'ChangeAvailability'), sent);
    await cp.close();
  });
}

test('TC_F_06_CSMS Remote unlock Connector - Without ongoing transaction - Accepted', async () => {
  const cp = await station('F06', '2.0.1', { UnlockConnector: () => ({ status: 'Unlocked' }) });
  assert.equal((await post('/api/v1/stations/F06/evses/1/connectors/1/unlock', {})).status, 'Unlocked');
  assert.deepEqual(last(cp, 'UnlockConnector'), { evseId: 1, connectorId: 1 });
  await cp.close();
});

test('the same reset, availability and unlock calls to a 1.6 and a 2.0.1 station give the same API results', async () => {
  const results: Record<string, unknown[]> = {};
  const sent: Record<string, unknown[]> = {};
  for (const version of ['1.6', '2.0.1'] as const) {
    const id = `SAME-${version}`;
    const cp = await station(id, version, { UnlockConnector: () => ({ status: 'Unlocked' }) });
    results[version] = [
      await post(`/api/v1/stations/${id}/reset`, { type: 'Soft' }),
      await post(`/api/v1/stations/${id}/reset`, { when: 'now' }),
      await post(`/api/v1/stations/${id}/availability`, { connectorId: 1, type: 'Inoperative' }),
      await post(`/api/v1/stations/${id}/availability`, { connectorId: 0, type: 'Operative' }),
      await post(`/api/v1/stations/${id}/connectors/1/unlock`, {}),
    ];
    sent[version] = [...cp.received.filter((c) => ['Reset', 'ChangeAvailability', 'UnlockConnector'].includes(c.action)).map((c) => c.payload)];
    const st = await app.request('GET', `/api/v1/stations/${id}`);
    assert.equal(st.body.ocppVersion, version);
    await cp.close();
  }
  assert.deepEqual(results['1.6'], results['2.0.1']);
  assert.deepEqual(sent['1.6'], [{ type: 'Soft' }, { type: 'Hard' }, { connectorId: 1, type: 'Inoperative' }, { connectorId: 0, type: 'Operative' }, { connectorId: 1 }]);
  assert.deepEqual(sent['2.0.1'], [{ type: 'OnIdle' }, { type: 'Immediate' }, { operationalStatus: 'Inoperative', evse: { id: 1 } }, { operationalStatus: 'Operative' }, { evseId: 1, connectorId: 1 }]);
  const refused = await app.request('POST', '/api/v1/stations/SAME-1.6/reset', { body: { when: 'now', evseId: 1 } });
  assert.equal(refused.status, 400);
});
