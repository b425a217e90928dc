// The OCTT 1.6 central-system test cases of the Smart Charging profile (OCA "Test case document
// OCTT for OCPP 1.6", §3.19, as condensed in ocpp-checklist.md §4.2), replayed against a real
// Plugboard: SimulatedCharger plays the OCTT's charge point and checks the tool validations; the
// operator acts through the REST API. Each case starts as OCTT prescribes (S8 §1.3): the charger
// Accepted, connectors Available, no transaction and no profiles.
//
// The operator enters the station's smart charging limits before a case (PUT charging-limits),
// as one would for certification: otherwise Plugboard reads them with GetConfiguration before
// the first SetChargingProfile, and the OCTT's rigid sequences do not expect that (checklist §2.5).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { acceptedCharger, startCharging, transactionRow } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const api = (method: string, path: string, body?: unknown) => app.request(method, `/api/v1${path}`, { body });
const accepted = () => ({ status: 'Accepted' });
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** The OCTT charge point: answers the smart charging messages; its limits are known to the operator. */
async function octtCharger(stationId: string, handlers: Record<string, (p: any) => unknown> = {}): Promise<SimulatedCharger> {
  const cp = await acceptedCharger(app, stationId, { handlers: { SetChargingProfile: accepted, ClearChargingProfile: accepted, ...handlers } });
  const limits = await api('PUT', `/stations/${stationId}/charging-limits`, { maxStackLevel: 8, maxPeriods: 24, allowedRateUnits: ['A', 'W'], maxProfilesInstalled: null });
  assert.equal(limits.status, 200, limits.text);
  return cp;
}

async function token(idTag: string): Promise<string> {
  await app.ctx.services.authorization.upsertToken({ idTag });
  return idTag;
}

const installed = async (stationId: string) => ((await api('GET', `/stations/${stationId}/charging-profiles`)).body.items as Array<{ chargingProfileId: number }>).map((p) => p.chargingProfileId);

test('TC_056_CSMS Central Smart Charging – TxDefaultProfile', async () => {
  const id = 'TC_056';
  const cp = await octtCharger(id);
  const startSchedule = new Date().toISOString();
  const res = await api('POST', `/stations/${id}/charging-profiles`, {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 56,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      validFrom: minutesFromNow(-1),
      validTo: minutesFromNow(120),
      chargingSchedule: { duration: 3600, startSchedule, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6.0 }] },
    },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');

  // Tool validations, step 1.
  assert.deepEqual(cp.received.map((r) => r.action), ['SetChargingProfile']);
  const { connectorId, csChargingProfiles: p } = cp.received[0].payload;
  assert.equal(connectorId, 1);
  assert.equal(p.stackLevel, 0);
  assert.equal(p.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(p.chargingProfileKind, 'Absolute');
  assert.ok(p.validFrom && p.validTo, 'validFrom and validTo present');
  assert.equal(p.transactionId, undefined, 'transactionId omitted');
  assert.equal(p.recurrencyKind, undefined, 'recurrencyKind omitted');
  assert.equal(p.chargingSchedule.startSchedule, startSchedule);
  assert.equal(p.chargingSchedule.chargingRateUnit, 'A');
  assert.equal(p.chargingSchedule.duration, 3600);
  assert.equal(p.chargingSchedule.chargingSchedulePeriod[0].startPeriod, 0);
  assert.equal(p.chargingSchedule.chargingSchedulePeriod[0].limit, 6.0);
  assert.ok([undefined, 3].includes(p.chargingSchedule.chargingSchedulePeriod[0].numberPhases), 'numberPhases 3 or omitted');

  // Plugboard now expects 6 A on connector 1 for the schedule's hour.
  assert.deepEqual(await installed(id), [56]);
  const expected = await api('GET', `/stations/${id}/expected-schedule?connectorId=1&duration=600&start=${encodeURIComponent(startSchedule)}`);
  assert.deepEqual(expected.body.chargingSchedulePeriod.map((x: any) => [x.startPeriod, x.limit]), [[0, 6]]);
});

test('TC_057_CSMS Central Smart Charging – TxProfile', async () => {
  const id = 'TC_057';
  const cp = await octtCharger(id);
  const transactionId = await startCharging(cp, await token('TAG-057'), 1);
  cp.received.length = 0;
  const res = await api('POST', `/stations/${id}/charging-profiles`, {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 57,
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
    },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');

  assert.deepEqual(cp.received.map((r) => r.action), ['SetChargingProfile']);
  const { connectorId, csChargingProfiles: p } = cp.received[0].payload;
  assert.equal(connectorId, 1);
  assert.equal(p.chargingProfilePurpose, 'TxProfile');
  assert.equal(p.transactionId, transactionId, 'the transactionId Plugboard generated');
  assert.equal(p.recurrencyKind, undefined);
  assert.equal(p.chargingProfileKind, 'Relative');
  assert.equal(p.chargingSchedule.startSchedule, undefined, 'Relative: startSchedule omitted');

  const [row] = (await api('GET', `/stations/${id}/charging-profiles?purpose=TxProfile`)).body.items;
  assert.equal(row.transactionId, transactionId);
  assert.equal((await transactionRow(app, transactionId)).stop_timestamp, null);
});

test('TC_059_CSMS Remote Start Transaction with Charging Profile', async () => {
  const id = 'TC_059';
  const tag = await token('TAG-059');
  const cp = await octtCharger(id);
  const chargingProfile = {
    chargingProfileId: 59,
    stackLevel: 0,
    chargingProfilePurpose: 'TxProfile',
    chargingProfileKind: 'Relative',
    chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  };
  // Errata 3.42: a transactionId inside RemoteStart's profile is refused, nothing sent.
  const refused = await api('POST', `/stations/${id}/remote-start`, { connectorId: 1, idTag: tag, chargingProfile: { ...chargingProfile, transactionId: 1 } });
  assert.equal(refused.status, 400);
  assert.equal(cp.received.length, 0);

  const res = await api('POST', `/stations/${id}/remote-start`, { connectorId: 1, idTag: tag, chargingProfile });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Accepted' });
  // Tool validations, step 1.
  const p = cp.received[0]?.payload.chargingProfile;
  assert.deepEqual(cp.received, [{ action: 'RemoteStartTransaction', payload: { connectorId: 1, idTag: tag, chargingProfile } }]);
  assert.equal(p.chargingProfilePurpose, 'TxProfile');
  assert.equal(p.transactionId, undefined);
  assert.equal(p.chargingSchedule.chargingSchedulePeriod[0].startPeriod, 0);
  assert.equal(p.recurrencyKind, undefined);
  assert.equal(p.chargingSchedule.startSchedule, undefined);

  // Steps 3-10: the charger authorizes, the cable goes in, the transaction starts.
  assert.equal((await cp.authorize(tag)).idTagInfo.status, 'Accepted');
  await cp.status(1, 'Preparing');
  const start = await cp.startTransaction(1, tag, 0);
  assert.equal(start.idTagInfo.status, 'Accepted');
  await cp.status(1, 'Charging');
  const tx = await transactionRow(app, start.transactionId);
  assert.equal(tx.station_id, id);
  assert.equal(tx.connector_id, 1);
  assert.equal(tx.stop_timestamp, null);
});

test('TC_066_CSMS Get Composite Schedule', async () => {
  const id = 'TC_066';
  const scheduleStart = new Date().toISOString();
  const hardCoded = { status: 'Accepted', connectorId: 1, scheduleStart, chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.0 }] } };
  const cp = await octtCharger(id, { GetCompositeSchedule: () => hardCoded });
  const res = await api('GET', `/stations/${id}/composite-schedule?connectorId=1&duration=3600&chargingRateUnit=A`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(cp.received, [{ action: 'GetCompositeSchedule', payload: { connectorId: 1, duration: 3600, chargingRateUnit: 'A' } }]);
  assert.deepEqual(res.body.charger, hardCoded, 'the Central System has retrieved the composite schedule');
  // Plugboard installed nothing here, so it expects no limit (and cannot compare the station's own maximum).
  assert.deepEqual(res.body.expected.chargingSchedulePeriod, [{ startPeriod: 0, limit: null }]);
  assert.equal(res.body.comparison.matches, true);
});

test('TC_067_CSMS Clear Charging Profile', async () => {
  const id = 'TC_067';
  const cp = await octtCharger(id);
  // Three TxDefaultProfiles on connector 1, at stack levels n, n+1 and n+2 (checklist §4.2 / S8).
  const n = 2;
  const schedule = { startSchedule: new Date().toISOString(), duration: 86_400, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 3 }] };
  const profile = (chargingProfileId: number, stackLevel: number) => ({
    chargingProfileId,
    stackLevel,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    validFrom: minutesFromNow(-1),
    validTo: minutesFromNow(24 * 60),
    chargingSchedule: { ...schedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 - stackLevel, numberPhases: 3 }] },
  });
  const profiles = [profile(671, n), profile(672, n + 1), profile(673, n + 2)];
  for (const csChargingProfiles of profiles) {
    const res = await api('POST', `/stations/${id}/charging-profiles`, { connectorId: 1, csChargingProfiles });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'Accepted');
  }
  // Tool validation, step 1: three SetChargingProfile, each what the operator asked for.
  assert.deepEqual(
    cp.received,
    profiles.map((csChargingProfiles) => ({ action: 'SetChargingProfile', payload: { connectorId: 1, csChargingProfiles } })),
  );
  assert.deepEqual(await installed(id), [671, 672, 673]);

  cp.received.length = 0;
  // Step 3: by id alone.
  const byId = await api('DELETE', `/stations/${id}/charging-profiles/671`);
  assert.deepEqual(byId.body, { status: 'Accepted', removed: 1 });
  assert.deepEqual(await installed(id), [672, 673]);
  // Step 5: by connector, purpose and stack level, without an id: only the profile at n+1 goes.
  const byStackLevel = await api('POST', `/stations/${id}/charging-profiles/clear`, { connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: n + 1 });
  assert.deepEqual(byStackLevel.body, { status: 'Accepted', removed: 1 });
  assert.deepEqual(await installed(id), [673], 'the profile at another stack level stays');
  // Step 7: with no field at all.
  const all = await api('POST', `/stations/${id}/charging-profiles/clear`, {});
  assert.deepEqual(all.body, { status: 'Accepted', removed: 1 });
  // Tool validations, steps 3, 5 and 7: by id alone, by criteria without id, with no field at all.
  assert.deepEqual(cp.received, [
    { action: 'ClearChargingProfile', payload: { id: 671 } },
    { action: 'ClearChargingProfile', payload: { connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: n + 1 } },
    { action: 'ClearChargingProfile', payload: {} },
  ]);
  assert.deepEqual(await installed(id), []);
});
