// OCTT 2.0.1 CSMS cases of transactions (checklist §4.3, E): TransactionEvent Started / Updated /
// Ended with their trigger reasons, seqNo rules and offline replay. The simulated charger plays
// the OCTT's station and validates every frame Plugboard sends against the 2.0.1 schemas.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
  for (const idTag of ['TOKEN-A', 'TOKEN-B', 'TOKEN-C']) {
    const res = await app.request('POST', '/api/v1/tokens', { body: { idTag } });
    assert.ok(res.status === 201 || res.status === 200, res.text);
  }
});
after(() => app.cleanup());

let n = 0;
/** A 2.0.1 station known as Accepted and connected (pre-registered until the 2.0.1 BootNotification lands). */
async function station201(): Promise<{ id: string; cp: SimulatedCharger }> {
  const id = `TX201-${++n}`;
  const created = await app.request('POST', '/api/v1/stations', { body: { id, registrationStatus: 'Accepted', securityProfile: 0 } });
  assert.equal(created.status, 201, created.text);
  const cp = app.charger(id, { protocols: ['ocpp2.0.1'] });
  await cp.connect();
  assert.equal(cp.protocol, 'ocpp2.0.1');
  return { id, cp };
}

const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const energy = (s: number, wh: number, extra: Record<string, unknown> = {}) => [{ timestamp: at(s), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', ...extra }] }];

function event(eventType: 'Started' | 'Updated' | 'Ended', seqNo: number, transactionId: string, triggerReason: string, s: number, more: Record<string, unknown> = {}) {
  const { transactionInfo, ...rest } = more as { transactionInfo?: Record<string, unknown> };
  return { eventType, seqNo, timestamp: at(s), triggerReason, transactionInfo: { transactionId, ...transactionInfo }, ...rest };
}

async function session(transactionId: string, stationId: string) {
  const list = await app.request('GET', `/api/v1/transactions?stationId=${stationId}`);
  assert.equal(list.status, 200, list.text);
  const item = list.body.items.find((t: { chargerTransactionId: string }) => t.chargerTransactionId === transactionId);
  assert.ok(item, `no session ${transactionId}`);
  const res = await app.request('GET', `/api/v1/transactions/${item.id}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

const token = (idToken: string) => ({ idToken, type: 'ISO14443' });

test('TC_E_01_CSMS Start transaction options - PowerPathClosed', async () => {
  const { id, cp } = await station201();
  const res = await cp.call('TransactionEvent', event('Started', 0, 'E01', 'ChargingStateChanged', 0, { evse: { id: 1, connectorId: 1 }, idToken: token('TOKEN-A'), transactionInfo: { chargingState: 'Charging' }, meterValue: energy(0, 1000) }));
  assert.deepEqual(res, { idTokenInfo: { status: 'Accepted' } });
  const t = await session('E01', id);
  assert.equal(t.ocppVersion, '2.0.1');
  assert.equal(t.evseId, 1);
  assert.equal(t.chargingState, 'Charging');
  assert.equal(t.idTag, 'TOKEN-A');
  assert.equal(t.idTokenType, 'ISO14443');
  assert.equal(t.meterStartWh, 1000);
  assert.equal(t.active, true);
});

test('TC_E_03_CSMS Local start transaction - Cable plugin first - Success', async () => {
  const { id, cp } = await station201();
  assert.deepEqual(await cp.call('TransactionEvent', event('Started', 0, 'E03', 'CablePluggedIn', 0, { evse: { id: 1, connectorId: 1 }, transactionInfo: { chargingState: 'EVConnected' } })), {});
  const res = await cp.call('TransactionEvent', event('Updated', 1, 'E03', 'Authorized', 5, { idToken: token('TOKEN-A') }));
  assert.deepEqual(res, { idTokenInfo: { status: 'Accepted' } });
  assert.deepEqual(await cp.call('TransactionEvent', event('Updated', 2, 'E03', 'ChargingStateChanged', 6, { transactionInfo: { chargingState: 'Charging' } })), {});
  const t = await session('E03', id);
  assert.equal(t.idTag, 'TOKEN-A');
  assert.equal(t.chargingState, 'Charging');
  assert.deepEqual(t.events.map((e: { seqNo: number; triggerReason: string }) => [e.seqNo, e.triggerReason]), [[0, 'CablePluggedIn'], [1, 'Authorized'], [2, 'ChargingStateChanged']]);
});

test('TC_E_04_CSMS Local start transaction - Authorization first - Success', async () => {
  const { id, cp } = await station201();
  const res = await cp.call('TransactionEvent', event('Started', 0, 'E04', 'Authorized', 0, { idToken: token('TOKEN-B') }));
  assert.deepEqual(res, { idTokenInfo: { status: 'Accepted' } });
  // the EVSE comes with the cable: a missing evse is not assumed to be EVSE 1
  assert.equal((await session('E04', id)).evseId, 0);
  await cp.call('TransactionEvent', event('Updated', 1, 'E04', 'CablePluggedIn', 3, { evse: { id: 2, connectorId: 1 }, transactionInfo: { chargingState: 'EVConnected' } }));
  const t = await session('E04', id);
  assert.equal(t.evseId, 2);
  assert.equal(t.connectorId, 2);
  assert.equal(t.chargingState, 'EVConnected');
});

test('TC_E_15_CSMS Stop transaction options - StopAuthorized - Local', async () => {
  const { id, cp } = await station201();
  await cp.call('TransactionEvent', event('Started', 0, 'E15', 'Authorized', 0, { evse: { id: 1, connectorId: 1 }, idToken: token('TOKEN-A'), meterValue: energy(0, 2000) }));
  await cp.call('TransactionEvent', event('Updated', 1, 'E15', 'MeterValuePeriodic', 60, { meterValue: energy(60, 2.5, { unitOfMeasure: { unit: 'Wh', multiplier: 3 } }) }));
  const res = await cp.call('TransactionEvent', event('Ended', 2, 'E15', 'StopAuthorized', 120, { idToken: token('TOKEN-A'), transactionInfo: { stoppedReason: 'Local', chargingState: 'EVConnected' }, meterValue: energy(120, 3200) }));
  assert.deepEqual(res, { idTokenInfo: { status: 'Accepted' } });
  const t = await session('E15', id);
  assert.equal(t.active, false);
  assert.equal(t.stopReason, 'Local');
  assert.equal(t.meterStopWh, 3200);
  assert.equal(t.energyWh, 1200);
  assert.equal(t.stopTimestamp, at(120));
  assert.deepEqual(t.meterValues.map((m: { value: string; source: string }) => [m.value, m.source]), [['2000', 'TransactionEvent'], ['2500', 'TransactionEvent'], ['3200', 'TransactionEvent']]);
});

test('TC_E_14_CSMS Stop transaction options - EVDisconnected - Charging Station side', async () => {
  const { id, cp } = await station201();
  await cp.call('TransactionEvent', event('Started', 0, 'E14', 'CablePluggedIn', 0, { evse: { id: 1, connectorId: 1 }, meterValue: energy(0, 0) }));
  assert.deepEqual(await cp.call('TransactionEvent', event('Ended', 1, 'E14', 'EVCommunicationLost', 30, { transactionInfo: { stoppedReason: 'EVDisconnected' }, meterValue: energy(30, 400) })), {});
  const t = await session('E14', id);
  assert.equal(t.stopReason, 'EVDisconnected');
  assert.equal(t.energyWh, 400);
});

test('TC_E_53_CSMS Reset Sequence Number - CSMS accepting seqNo = 0 at start of transaction', async () => {
  const { id, cp } = await station201();
  // seqNo continues from an earlier transaction on the station, then restarts at 0 for the next one
  await cp.call('TransactionEvent', event('Started', 7, 'E53a', 'Authorized', 0, { evse: { id: 1 }, idToken: token('TOKEN-C') }));
  await cp.call('TransactionEvent', event('Ended', 8, 'E53a', 'StopAuthorized', 10, { transactionInfo: { stoppedReason: 'Local' } }));
  const res = await cp.call('TransactionEvent', event('Started', 0, 'E53b', 'Authorized', 20, { evse: { id: 1 }, idToken: token('TOKEN-C') }));
  assert.deepEqual(res, { idTokenInfo: { status: 'Accepted' } });
  assert.equal((await session('E53b', id)).active, true);
});

test('seqNo rules: a duplicate is answered the same and applied once, gaps tolerated, events after Ended ignored, offline events kept as history', async () => {
  const { id, cp } = await station201();
  const started = event('Started', 0, 'SEQ', 'Authorized', 0, { evse: { id: 1, connectorId: 1 }, idToken: token('TOKEN-A'), meterValue: energy(0, 100) });
  const first = await cp.call('TransactionEvent', started);
  assert.deepEqual(await cp.call('TransactionEvent', started), first);
  await cp.call('TransactionEvent', event('Updated', 5, 'SEQ', 'ChargingStateChanged', 50, { transactionInfo: { chargingState: 'SuspendedEV' } }));
  // an offline event sent late (seqNo below the latest): history, not the current state
  await cp.call('TransactionEvent', event('Updated', 3, 'SEQ', 'ChargingStateChanged', 30, { offline: true, transactionInfo: { chargingState: 'Charging' }, meterValue: energy(30, 500) }));
  await cp.call('TransactionEvent', event('Ended', 6, 'SEQ', 'StopAuthorized', 60, { transactionInfo: { stoppedReason: 'Local' }, meterValue: energy(60, 900) }));
  await cp.call('TransactionEvent', event('Updated', 7, 'SEQ', 'MeterValuePeriodic', 70, { meterValue: energy(70, 5000) }));
  const t = await session('SEQ', id);
  assert.equal(t.chargingState, 'SuspendedEV');
  assert.equal(t.meterStopWh, 900);
  assert.deepEqual(t.events.map((e: { seqNo: number; eventType: string; offline: boolean }) => [e.seqNo, e.eventType, e.offline]), [[0, 'Started', false], [3, 'Updated', true], [5, 'Updated', false], [6, 'Ended', false]]);
  assert.equal(t.meterValues.length, 3);
});

test('an Updated of a session whose Started never came opens it', async () => {
  const { id, cp } = await station201();
  await cp.call('TransactionEvent', event('Updated', 4, 'LOST', 'MeterValuePeriodic', 40, { evse: { id: 1, connectorId: 1 }, meterValue: energy(40, 700) }));
  const t = await session('LOST', id);
  assert.equal(t.active, true);
  assert.equal(t.meterStartWh, 700);
});
