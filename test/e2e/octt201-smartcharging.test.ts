// OCTT 2.0.1 CSMS cases of Smart Charging (checklist §4.3, K): SetChargingProfile,
// ClearChargingProfile, GetCompositeSchedule through the same routes as 1.6, and the station's
// NotifyChargingLimit / ClearedChargingLimit / NotifyEVChargingNeeds answered. The simulated
// charger plays the OCTT's station and validates every frame Plugboard sends against the 2.0.1
// schemas. Plugboard's profile model keeps its 1.6 spelling (connectorId n = EVSE n, 0 = the
// station; ChargePointMaxProfile = ChargingStationMaxProfile).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { acceptedCharger } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const api = (method: string, path: string, body?: unknown) => app.request(method, `/api/v1${path}`, { body });
const accepted = () => ({ status: 'Accepted' });
const OCPP201 = { protocols: ['ocpp2.0.1'] };
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** A 2.0.1 station in the OCTT's starting state (pre-registered Accepted until the 2.0.1 boot lands), its limits entered by the operator. */
async function station201(id: string, handlers: Record<string, (p: any) => unknown> = {}): Promise<SimulatedCharger> {
  const created = await api('POST', '/stations', { id, registrationStatus: 'Accepted', securityProfile: 0 });
  assert.equal(created.status, 201, created.text);
  const cp = app.charger(id, { ...OCPP201, handlers: { SetChargingProfile: accepted, ClearChargingProfile: accepted, ...handlers } });
  await cp.connect();
  assert.equal(cp.protocol, 'ocpp2.0.1');
  const limits = await api('PUT', `/stations/${id}/charging-limits`, { maxStackLevel: 8, maxPeriods: 24, allowedRateUnits: ['A', 'W'], maxProfilesInstalled: null });
  assert.equal(limits.status, 200, limits.text);
  return cp;
}

const profile = (id: number, purpose: string, extra: Record<string, unknown> = {}, periods = [{ startPeriod: 0, limit: 16 }]) => ({
  chargingProfileId: id,
  stackLevel: 0,
  chargingProfilePurpose: purpose,
  chargingProfileKind: 'Absolute',
  ...extra,
  chargingSchedule: { duration: 3600, startSchedule: new Date().toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: periods, ...((extra.schedule as object) ?? {}) },
});

async function setProfile(id: string, connectorId: number, p: Record<string, unknown>) {
  const { schedule: _, ...csChargingProfiles } = p as Record<string, unknown> & { schedule?: unknown };
  return api('POST', `/stations/${id}/charging-profiles`, { connectorId, csChargingProfiles });
}
const installed = async (id: string) => ((await api('GET', `/stations/${id}/charging-profiles`)).body.items as Array<{ chargingProfileId: number; connectorId: number }>).map((p) => p.chargingProfileId).sort();
const sent = (cp: SimulatedCharger, action: string) => cp.received.filter((c) => c.action === action);

test('TC_K_01_CSMS Set Charging Profile - TxDefaultProfile - Specific EVSE', async () => {
  const cp = await station201('K01');
  const res = await setProfile('K01', 1, profile(101, 'TxDefaultProfile', { validFrom: minutesFromNow(-1), validTo: minutesFromNow(60) }));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');
  const [req] = sent(cp, 'SetChargingProfile');
  assert.equal(req!.payload.evseId, 1);
  const p = req!.payload.chargingProfile;
  assert.equal(p.id, 101);
  assert.equal(p.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(p.chargingProfileKind, 'Absolute');
  assert.equal(p.transactionId, undefined);
  assert.equal(p.chargingSchedule.length, 1);
  assert.equal(p.chargingSchedule[0].chargingSchedulePeriod[0].startPeriod, 0);
  assert.deepEqual(await installed('K01'), [101]);
});

test('TC_K_02_CSMS Set Charging Profile - TxProfile without ongoing transaction on the specified EVSE', async () => {
  const cp = await station201('K02');
  const res = await setProfile('K02', 1, profile(102, 'TxProfile'));
  assert.equal(res.status, 400, res.text);
  assert.equal(res.body.error, 'invalid_command');
  assert.equal(sent(cp, 'SetChargingProfile').length, 0, 'nothing sent (K01.FR.03: a TxProfile needs a transaction)');
});

test('TC_K_03_CSMS Set Charging Profile - ChargingStationMaxProfile', async () => {
  const cp = await station201('K03');
  const res = await setProfile('K03', 0, profile(103, 'ChargePointMaxProfile'));
  assert.equal(res.status, 200, res.text);
  const [req] = sent(cp, 'SetChargingProfile');
  assert.equal(req!.payload.evseId, 0);
  assert.equal(req!.payload.chargingProfile.chargingProfilePurpose, 'ChargingStationMaxProfile');
  assert.deepEqual(await installed('K03'), [103]);
});

test('TC_K_04_CSMS Replace charging profile - With chargingProfileId', async () => {
  const cp = await station201('K04');
  assert.equal((await setProfile('K04', 1, profile(104, 'TxDefaultProfile'))).status, 200);
  assert.equal((await setProfile('K04', 1, profile(104, 'TxDefaultProfile', {}, [{ startPeriod: 0, limit: 8 }]))).status, 200);
  const reqs = sent(cp, 'SetChargingProfile');
  assert.equal(reqs.length, 2);
  assert.equal(reqs[1]!.payload.chargingProfile.id, 104);
  const items = (await api('GET', '/stations/K04/charging-profiles')).body.items;
  assert.equal(items.length, 1);
  assert.equal(items[0].profile.chargingSchedule.chargingSchedulePeriod[0].limit, 8);
});

test('TC_K_05_CSMS Clear Charging Profile - With chargingProfileId', async () => {
  const cp = await station201('K05');
  assert.equal((await setProfile('K05', 1, profile(105, 'TxDefaultProfile'))).status, 200);
  const res = await api('DELETE', '/stations/K05/charging-profiles/105');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Accepted', removed: 1 });
  assert.deepEqual(sent(cp, 'ClearChargingProfile')[0]!.payload, { chargingProfileId: 105 });
  assert.deepEqual(await installed('K05'), []);
});

test('TC_K_06_CSMS Clear Charging Profile - With stackLevel/purpose combination for one profile', async () => {
  const cp = await station201('K06');
  assert.equal((await setProfile('K06', 1, profile(106, 'TxDefaultProfile', { stackLevel: 2 }))).status, 200);
  const res = await api('POST', '/stations/K06/charging-profiles/clear', { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Accepted', removed: 1 });
  assert.deepEqual(sent(cp, 'ClearChargingProfile')[0]!.payload, { chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 } });
});

test('TC_K_08_CSMS Clear Charging Profile - Without previous charging profile', async () => {
  const cp = await station201('K08', { ClearChargingProfile: () => ({ status: 'Unknown' }) });
  const res = await api('DELETE', '/stations/K08/charging-profiles/108');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Unknown', removed: 0 });
  assert.equal(sent(cp, 'ClearChargingProfile').length, 1);
});

test('TC_K_10_CSMS Set Charging Profile - TxDefaultProfile - All EVSE', async () => {
  const cp = await station201('K10');
  const res = await setProfile('K10', 0, profile(110, 'TxDefaultProfile'));
  assert.equal(res.status, 200, res.text);
  assert.equal(sent(cp, 'SetChargingProfile')[0]!.payload.evseId, 0);
  assert.deepEqual(await installed('K10'), [110]);
});

test('TC_K_15_CSMS Set Charging Profile - Not Supported', async () => {
  await station201('K15', { SetChargingProfile: () => ({ status: 'Rejected' }) });
  const res = await setProfile('K15', 1, profile(115, 'TxDefaultProfile'));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Rejected');
  assert.deepEqual(await installed('K15'), [], 'a rejected profile is not recorded');
});

test('TC_K_19_CSMS Set Charging Profile - ChargingProfileKind is Recurring', async () => {
  const cp = await station201('K19');
  const res = await setProfile('K19', 1, profile(119, 'TxDefaultProfile', { chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', schedule: { duration: 86400 } }));
  assert.equal(res.status, 200, res.text);
  const p = sent(cp, 'SetChargingProfile')[0]!.payload.chargingProfile;
  assert.equal(p.chargingProfileKind, 'Recurring');
  assert.equal(p.recurrencyKind, 'Daily');
  assert.ok(p.chargingSchedule[0].startSchedule);
});

test('TC_K_70_CSMS Set Charging Profile - Multiple Profiles', async () => {
  await station201('K70');
  assert.equal((await setProfile('K70', 0, profile(170, 'ChargePointMaxProfile'))).status, 200);
  assert.equal((await setProfile('K70', 1, profile(171, 'TxDefaultProfile', { stackLevel: 1 }))).status, 200);
  assert.equal((await setProfile('K70', 1, profile(172, 'TxDefaultProfile', { stackLevel: 2 }))).status, 200);
  assert.deepEqual(await installed('K70'), [170, 171, 172]);
});

async function composite(id: string, evseId: number) {
  const cp = await station201(id, {
    GetCompositeSchedule: (p: any) => ({
      status: 'Accepted',
      schedule: { evseId: p.evseId, duration: p.duration, scheduleStart: new Date().toISOString(), chargingRateUnit: p.chargingRateUnit ?? 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    }),
  });
  assert.equal((await setProfile(id, 0, profile(1, 'ChargePointMaxProfile'))).status, 200);
  const res = await api('GET', `/stations/${id}/composite-schedule?connectorId=${evseId}&duration=600&chargingRateUnit=A`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(sent(cp, 'GetCompositeSchedule')[0]!.payload, { evseId, duration: 600, chargingRateUnit: 'A' });
  assert.equal(res.body.charger.status, 'Accepted');
  assert.equal(res.body.charger.connectorId, evseId);
  assert.equal(res.body.comparison.matches, true, JSON.stringify(res.body.comparison));
}

test('TC_K_43_CSMS Get Composite Schedule - Specific EVSE', () => composite('K43', 1));
test('TC_K_44_CSMS Get Composite Schedule - Charging Station', () => composite('K44', 0));

test('TC_K_48_CSMS Set / Update External Charging Limit (not on a transaction)', async () => {
  const cp = await station201('K48');
  assert.deepEqual(await cp.call('NotifyChargingLimit', { evseId: 1, chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: false } }), {});
});

test('TC_K_50_CSMS Reset / release external charging limit - Without ongoing transaction', async () => {
  const cp = await station201('K50');
  assert.deepEqual(await cp.call('ClearedChargingLimit', { chargingLimitSource: 'EMS', evseId: 1 }), {});
});

test('NotifyEVChargingNeeds is answered Accepted', async () => {
  const cp = await station201('EVNEEDS');
  assert.deepEqual(await cp.call('NotifyEVChargingNeeds', { evseId: 1, chargingNeeds: { requestedEnergyTransfer: 'AC_three_phase' } }), { status: 'Accepted' });
});

test('the same charging-profile API calls on a 1.6 and a 2.0.1 station give the same API-visible result', async () => {
  const cp16 = await acceptedCharger(app, 'SAME16', { handlers: { SetChargingProfile: accepted, ClearChargingProfile: accepted } });
  assert.equal((await api('PUT', '/stations/SAME16/charging-limits', { maxStackLevel: 8, maxPeriods: 24, allowedRateUnits: ['A', 'W'], maxProfilesInstalled: null })).status, 200);
  const cp201 = await station201('SAME201');
  const body = profile(7, 'TxDefaultProfile', { stackLevel: 1, validFrom: '2026-01-01T00:00:00.000Z', schedule: { startSchedule: '2026-01-01T00:00:00.000Z' } });
  const results: unknown[] = [];
  for (const id of ['SAME16', 'SAME201']) {
    const set = await setProfile(id, 1, body);
    assert.equal(set.status, 200, set.text);
    const list = (await api('GET', `/stations/${id}/charging-profiles`)).body.items.map(({ installedAt: _, ...rest }: Record<string, unknown>) => rest);
    const cleared = await api('POST', `/stations/${id}/charging-profiles/clear`, { connectorId: 1 });
    const after = (await api('GET', `/stations/${id}/charging-profiles`)).body.items;
    results.push({ set: set.body, list, cleared: cleared.body, after });
  }
  assert.deepEqual(results[1], results[0]);
  assert.equal(sent(cp16, 'SetChargingProfile')[0]!.payload.connectorId, 1);
  assert.equal(sent(cp201, 'SetChargingProfile')[0]!.payload.evseId, 1);
  assert.equal(sent(cp201, 'ClearChargingProfile').length, 1, JSON.stringify(results[1]));
});
