// Smart charging through the API, against chargers built on ocpp-rpc in strict mode (every
// CALL Plugboard sends is checked against the official OCA 1.6 schemas): SetChargingProfile,
// ClearChargingProfile and GetCompositeSchedule with the charger's positive and negative
// answers, the rules refused before anything is sent, and Plugboard's view of what each
// station holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RPCClient, createRPCError } from 'ocpp-rpc';
import { eventually, startTestApp, type TestApp } from '../helpers/app.ts';
import type { CentralToCharger } from '../../src/protocol/ocpp16.ts';

const PASSWORD = 'a-long-random-secret-0123456789';
const TAG = 'SC-TAG-1';

let app: TestApp;
const clients: RPCClient[] = [];
const failures: unknown[] = [];

before(async () => {
  // SC-US: a 120 V single-phase site (a per-station override of smartCharging's defaults, 230 V and 3 phases).
  app = await startTestApp({ config: { smartCharging: { stations: { 'SC-US': { nominalVoltage: 120, defaultNumberPhases: 1 } } } } });
  await app.ctx.services.authorization.upsertToken({ idTag: TAG });
  await app.ctx.services.authorization.upsertToken({ idTag: 'SC-TAG-2' });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close({ force: true })));
  await app?.cleanup();
});

type Reply = (params: any) => Record<string, unknown>;

/** The smart charging configuration keys of OCPP 1.6 §9.4, as a charger reports them. */
const SMART_KEYS = {
  ChargeProfileMaxStackLevel: '3',
  ChargingScheduleMaxPeriods: '4',
  ChargingScheduleAllowedChargingRateUnit: 'Current',
  MaxChargingProfilesInstalled: '5',
};

/**
 * A registered station with an ocpp-rpc charger: `answers` decides its replies (change them
 * per test), `received` logs every CALL it got. Actions without an answer get NotImplemented.
 */
async function station(id: string, answers: Record<string, Reply> = {}) {
  await app.ctx.services.stations.create({ id, password: PASSWORD });
  const received: Array<{ method: string; params: any }> = [];
  const client = new RPCClient({ endpoint: app.ocppUrl(), identity: id, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  client.on('strictValidationFailure', (f: unknown) => failures.push(f));
  const state = { answers: { ...answers }, received, client };
  for (const method of ['GetConfiguration', 'SetChargingProfile', 'ClearChargingProfile', 'GetCompositeSchedule', 'RemoteStartTransaction']) {
    client.handle(method, async ({ params }) => {
      received.push({ method, params });
      const reply = state.answers[method];
      if (!reply) throw createRPCError('NotImplemented', `${method} is not implemented by this charger`);
      return reply(params);
    });
  }
  clients.push(client);
  await client.connect();
  const boot = (await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'SC' })) as { status: string };
  assert.equal(boot.status, 'Accepted');
  return state;
}

const configuration = (keys: Record<string, string>): Reply => (p) => ({
  configurationKey: (p.key ?? Object.keys(keys)).filter((k: string) => k in keys).map((k: string) => ({ key: k, readonly: true, value: keys[k] })),
  unknownKey: (p.key ?? []).filter((k: string) => !(k in keys)),
});
const accept: Reply = () => ({ status: 'Accepted' });

const api = (method: string, path: string, body?: unknown) => app.request(method, `/api/v1${path}`, { body });

function txDefault(id: number, stackLevel: number, extra: Record<string, unknown> = {}) {
  return {
    chargingProfileId: id,
    stackLevel,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: '2025-01-01T00:00:00.000Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    ...extra,
  };
}

async function startTransaction(client: RPCClient, connectorId: number, idTag = TAG): Promise<number> {
  const res = (await client.call('StartTransaction', { connectorId, idTag, meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number; idTagInfo: { status: string } };
  assert.equal(res.idTagInfo.status, 'Accepted');
  return res.transactionId;
}

const installedIds = async (id: string) => ((await api('GET', `/stations/${id}/charging-profiles`)).body.items as Array<{ chargingProfileId: number }>).map((p) => p.chargingProfileId);

test('SetChargingProfile: the limits are read once with GetConfiguration, the profile sent as given, recorded when Accepted', async () => {
  const cp = await station('SC-SET', { GetConfiguration: configuration(SMART_KEYS), SetChargingProfile: accept });
  const profile = txDefault(1, 2, { validFrom: '2025-01-01T00:00:00Z', validTo: '2030-01-01T00:00:00Z' });
  const res = await api('POST', '/stations/SC-SET/charging-profiles', { connectorId: 0, csChargingProfiles: profile });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Accepted', request: { connectorId: 0, csChargingProfiles: profile } });
  assert.deepEqual(cp.received, [
    { method: 'GetConfiguration', params: { key: ['ChargeProfileMaxStackLevel', 'ChargingScheduleMaxPeriods', 'ChargingScheduleAllowedChargingRateUnit', 'MaxChargingProfilesInstalled'] } },
    { method: 'SetChargingProfile', params: { connectorId: 0, csChargingProfiles: profile } },
  ]);

  const list = await api('GET', '/stations/SC-SET/charging-profiles');
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 1);
  const [p] = list.body.items;
  assert.deepEqual({ ...p, installedAt: undefined }, {
    connectorId: 0,
    chargingProfileId: 1,
    chargingProfilePurpose: 'TxDefaultProfile',
    stackLevel: 2,
    chargingProfileKind: 'Absolute',
    transactionId: null,
    validFrom: '2025-01-01T00:00:00.000Z',
    validTo: '2030-01-01T00:00:00.000Z',
    source: 'SetChargingProfile',
    installedAt: undefined,
    profile,
  });
  assert.ok(Date.parse(p.installedAt) > Date.now() - 60_000);

  const limits = await api('GET', '/stations/SC-SET/charging-limits');
  assert.deepEqual({ ...limits.body, updatedAt: undefined }, { maxStackLevel: 3, maxPeriods: 4, allowedRateUnits: ['A'], maxProfilesInstalled: 5, source: 'charger', updatedAt: undefined });

  // The second profile uses the cached limits: no second GetConfiguration.
  cp.received.length = 0;
  assert.equal((await api('POST', '/stations/SC-SET/charging-profiles', { connectorId: 2, csChargingProfiles: txDefault(2, 0) })).status, 200);
  assert.deepEqual(cp.received.map((r) => r.method), ['SetChargingProfile']);
  assert.deepEqual(await installedIds('SC-SET'), [1, 2]);
  assert.deepEqual(failures, []);
});

test('what the spec forbids is 400 with the reason, and nothing is sent', async () => {
  const cp = await station('SC-RULES', { GetConfiguration: configuration(SMART_KEYS), SetChargingProfile: accept });
  const schedule = (periods: Array<{ startPeriod: number; limit: number }>, unit = 'A') => ({ startSchedule: '2025-01-01T00:00:00Z', chargingRateUnit: unit, chargingSchedulePeriod: periods });
  const cases: Array<[string, number, Record<string, unknown>, RegExp]> = [
    ['ChargePointMaxProfile on a connector', 1, { ...txDefault(10, 0), chargingProfilePurpose: 'ChargePointMaxProfile' }, /ChargePointMaxProfile can only be set on connectorId 0, not 1/],
    ['TxProfile without a transaction', 1, { ...txDefault(11, 0), chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative' }, /connector 1 has no active transaction/],
    ['TxProfile on connector 0', 0, { ...txDefault(12, 0), chargingProfilePurpose: 'TxProfile' }, /TxProfile can only be set on a connector/],
    ['first period not at 0', 1, txDefault(13, 0, { chargingSchedule: schedule([{ startPeriod: 60, limit: 16 }]) }), /first period must start at 0, not 60/],
    ['periods not increasing', 1, txDefault(14, 0, { chargingSchedule: schedule([{ startPeriod: 0, limit: 16 }, { startPeriod: 600, limit: 8 }, { startPeriod: 600, limit: 6 }]) }), /period 2 starts at 600, not after 600/],
    ['stack level above ChargeProfileMaxStackLevel', 1, txDefault(15, 4), /stackLevel 4 is above the station's ChargeProfileMaxStackLevel \(3\)/],
    ['more periods than ChargingScheduleMaxPeriods', 1, txDefault(16, 0, { chargingSchedule: schedule([0, 60, 120, 180, 240].map((s) => ({ startPeriod: s, limit: 16 }))) }), /5 periods are more than the station's ChargingScheduleMaxPeriods \(4\)/],
    ['a rate unit the station does not allow', 1, txDefault(17, 0, { chargingSchedule: schedule([{ startPeriod: 0, limit: 6000 }], 'W') }), /chargingRateUnit W \(Power\) is not in the station's ChargingScheduleAllowedChargingRateUnit \(Current\)/],
    ['transactionId outside a TxProfile', 1, txDefault(18, 0, { transactionId: 5 }), /transactionId is only valid in a TxProfile/],
    ['Recurring without recurrencyKind', 1, txDefault(19, 0, { chargingProfileKind: 'Recurring' }), /Recurring profile needs recurrencyKind/],
    ['Relative with a startSchedule', 1, txDefault(22, 0, { chargingProfileKind: 'Relative' }), /Relative profile has no startSchedule/],
    ['validFrom after validTo', 1, txDefault(20, 0, { validFrom: '2026-01-01T00:00:00Z', validTo: '2025-01-01T00:00:00Z' }), /validFrom .* must be before validTo/],
  ];
  for (const [what, connectorId, csChargingProfiles, reason] of cases) {
    const res = await api('POST', '/stations/SC-RULES/charging-profiles', { connectorId, csChargingProfiles });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assert.equal(res.body.error, 'invalid_command', what);
    assert.match(res.body.message, reason, what);
  }
  // Only the limits were read (once, for the first request that needed them), no profile sent.
  assert.deepEqual(cp.received.map((r) => r.method), ['GetConfiguration']);
  assert.deepEqual(await installedIds('SC-RULES'), []);

  // Not valid for the API schema or the official one: 400 validation_failed.
  const invalid = await api('POST', '/stations/SC-RULES/charging-profiles', { connectorId: 1, csChargingProfiles: { ...txDefault(21, 0), chargingProfileKind: 'Sometimes' } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error, 'validation_failed');
  assert.deepEqual(cp.received.map((r) => r.method), ['GetConfiguration']);
});

test('MaxChargingProfilesInstalled counts what the station would hold after replacements', async () => {
  const cp = await station('SC-MAX', { GetConfiguration: configuration({ ...SMART_KEYS, MaxChargingProfilesInstalled: '2' }), SetChargingProfile: accept });
  const set = (connectorId: number, profile: Record<string, unknown>) => api('POST', '/stations/SC-MAX/charging-profiles', { connectorId, csChargingProfiles: profile });
  assert.equal((await set(1, txDefault(1, 0))).status, 200);
  assert.equal((await set(1, txDefault(2, 1))).status, 200);
  const third = await set(1, txDefault(3, 2));
  assert.equal(third.status, 400);
  assert.match(third.body.message, /would hold 3 profiles, more than its MaxChargingProfilesInstalled \(2\)/);
  // Same purpose and stack level on the same connector replaces: still two.
  assert.equal((await set(1, txDefault(4, 1))).status, 200);
  assert.deepEqual(await installedIds('SC-MAX'), [1, 4]);
  assert.equal(cp.received.filter((r) => r.method === 'SetChargingProfile').length, 3);
});

test('replacement: the same id anywhere, the same purpose and stack level on the connector, a connector-0 TxDefaultProfile on every connector', async () => {
  await station('SC-REPLACE', { GetConfiguration: configuration({ ChargeProfileMaxStackLevel: '10' }), SetChargingProfile: accept });
  const set = async (connectorId: number, profile: Record<string, unknown>) => assert.equal((await api('POST', '/stations/SC-REPLACE/charging-profiles', { connectorId, csChargingProfiles: profile })).status, 200);
  const view = async () => ((await api('GET', '/stations/SC-REPLACE/charging-profiles')).body.items as any[]).map((p) => [p.connectorId, p.chargingProfileId, p.stackLevel]);
  await set(1, txDefault(1, 1));
  await set(2, txDefault(2, 1));
  await set(2, txDefault(3, 2));
  assert.deepEqual(await view(), [[1, 1, 1], [2, 2, 1], [2, 3, 2]]);
  // Id 3 again, now on connector 1 and stack 5: the old id 3 goes.
  await set(1, txDefault(3, 5));
  assert.deepEqual(await view(), [[1, 1, 1], [1, 3, 5], [2, 2, 1]]);
  // A TxDefaultProfile for connector 0 at stack 1 replaces stack 1 on every connector.
  await set(0, txDefault(4, 1));
  assert.deepEqual(await view(), [[0, 4, 1], [1, 3, 5]]);
  // One for connector 2 at stack 1 leaves connector 0's in place (it replaces it for connector 2 only).
  await set(2, txDefault(5, 1));
  assert.deepEqual(await view(), [[0, 4, 1], [1, 3, 5], [2, 5, 1]]);
  // Only the connector-specific one applies to connector 2; connector 1 keeps connector 0's at stack 1 (and its own stack 5 wins).
  const expected = await api('GET', '/stations/SC-REPLACE/expected-schedule?connectorId=2&duration=60');
  assert.equal(expected.status, 200, expected.text);
  assert.deepEqual(expected.body.chargingSchedulePeriod, [{ startPeriod: 0, limit: 16, numberPhases: 3, chargingProfileId: 5, chargingProfilePurpose: 'TxDefaultProfile' }]);
});

test('Rejected and NotSupported answers come back as they are, and nothing is recorded', async () => {
  const cp = await station('SC-NEG', { GetConfiguration: configuration(SMART_KEYS), SetChargingProfile: () => ({ status: 'Rejected' }) });
  const rejected = await api('POST', '/stations/SC-NEG/charging-profiles', { connectorId: 1, csChargingProfiles: txDefault(1, 0) });
  assert.equal(rejected.status, 200, rejected.text);
  assert.equal(rejected.body.status, 'Rejected');
  cp.answers.SetChargingProfile = () => ({ status: 'NotSupported' });
  const notSupported = await api('POST', '/stations/SC-NEG/charging-profiles', { connectorId: 1, csChargingProfiles: txDefault(2, 0) });
  assert.equal(notSupported.body.status, 'NotSupported');
  assert.deepEqual(await installedIds('SC-NEG'), []);
  // A charger without smart charging at all answers NotImplemented: 502 with the code.
  delete cp.answers.SetChargingProfile;
  const missing = await api('POST', '/stations/SC-NEG/charging-profiles', { connectorId: 1, csChargingProfiles: txDefault(3, 0) });
  assert.equal(missing.status, 502);
  assert.equal(missing.body.details.code, 'NotImplemented');
  assert.deepEqual(await installedIds('SC-NEG'), []);
});

test('a station that cannot answer GetConfiguration gets its profiles without limits, and is not asked again', async () => {
  const cp = await station('SC-NOCONF', { SetChargingProfile: accept });
  assert.equal((await api('POST', '/stations/SC-NOCONF/charging-profiles', { connectorId: 1, csChargingProfiles: txDefault(1, 9) })).status, 200);
  assert.equal((await api('POST', '/stations/SC-NOCONF/charging-profiles', { connectorId: 1, csChargingProfiles: txDefault(2, 8) })).status, 200);
  assert.deepEqual(cp.received.map((r) => r.method), ['GetConfiguration', 'SetChargingProfile', 'SetChargingProfile']);
  const limits = await api('GET', '/stations/SC-NOCONF/charging-limits');
  assert.deepEqual({ ...limits.body, updatedAt: null }, { maxStackLevel: null, maxPeriods: null, allowedRateUnits: null, maxProfilesInstalled: null, source: 'charger', updatedAt: null });
});

test('operator-set limits are enforced without asking the station; forgetting them makes Plugboard read them again', async () => {
  const cp = await station('SC-OPLIMITS', { GetConfiguration: configuration(SMART_KEYS), SetChargingProfile: accept });
  const put = await api('PUT', '/stations/SC-OPLIMITS/charging-limits', { maxStackLevel: 1, maxPeriods: null, allowedRateUnits: ['A', 'W'], maxProfilesInstalled: null });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.source, 'operator');
  const refused = await api('POST', '/stations/SC-OPLIMITS/charging-profiles', { connectorId: 1, csChargingProfiles: txDefault(1, 2) });
  assert.equal(refused.status, 400);
  assert.match(refused.body.message, /ChargeProfileMaxStackLevel \(1\)/);
  assert.equal(cp.received.length, 0, 'the station was not asked');

  assert.equal((await api('DELETE', '/stations/SC-OPLIMITS/charging-limits')).status, 204);
  assert.equal((await api('GET', '/stations/SC-OPLIMITS/charging-limits')).body.source, null);
  assert.equal((await api('POST', '/stations/SC-OPLIMITS/charging-profiles', { connectorId: 1, csChargingProfiles: txDefault(1, 2) })).status, 200, 'stack 2 is within the station\'s own 3');
  assert.deepEqual(cp.received.map((r) => r.method), ['GetConfiguration', 'SetChargingProfile']);

  const refreshed = await api('POST', '/stations/SC-OPLIMITS/charging-limits/refresh');
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.maxPeriods, 4);
  assert.equal(cp.received.filter((r) => r.method === 'GetConfiguration').length, 2);

  // The station's next boot makes Plugboard read them again before the next profile.
  await cp.client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'SC' });
  await eventually(async () => (await api('GET', '/stations/SC-OPLIMITS/charging-limits')).body.source === null, 5000, 'limits forgotten after boot');
});

test('TxProfile: needs the running transaction, gets its id, and leaves Plugboard\'s view when the transaction stops', async () => {
  const cp = await station('SC-TX', { GetConfiguration: configuration(SMART_KEYS), SetChargingProfile: accept });
  const txProfile = { chargingProfileId: 30, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } };
  const transactionId = await startTransaction(cp.client, 1);

  const onOther = await api('POST', '/stations/SC-TX/charging-profiles', { connectorId: 2, csChargingProfiles: txProfile });
  assert.equal(onOther.status, 400);
  assert.match(onOther.body.message, /connector 2 has no active transaction/);
  const wrongTx = await api('POST', '/stations/SC-TX/charging-profiles', { connectorId: 1, csChargingProfiles: { ...txProfile, transactionId: transactionId + 1000 } });
  assert.equal(wrongTx.status, 400);
  assert.match(wrongTx.body.message, new RegExp(`transactionId ${transactionId + 1000} is not the transaction running on connector 1 \\(${transactionId}\\)`));

  const res = await api('POST', '/stations/SC-TX/charging-profiles', { connectorId: 1, csChargingProfiles: txProfile });
  assert.equal(res.status, 200, res.text);
  const sent = cp.received.find((r) => r.method === 'SetChargingProfile')!.params;
  assert.equal(sent.csChargingProfiles.transactionId, transactionId, 'Plugboard filled in the running transaction');
  assert.deepEqual(res.body.request, sent);
  const [installed] = (await api('GET', '/stations/SC-TX/charging-profiles?connectorId=1&purpose=TxProfile')).body.items;
  assert.equal(installed.transactionId, transactionId);

  // The expected schedule of connector 1 is the TxProfile from the transaction start.
  const expected = await api('GET', '/stations/SC-TX/expected-schedule?connectorId=1&duration=120');
  assert.deepEqual(expected.body.chargingSchedulePeriod.map((p: any) => [p.startPeriod, p.limit, p.chargingProfilePurpose]), [[0, 10, 'TxProfile']]);

  await cp.client.call('StopTransaction', { transactionId, meterStop: 100, timestamp: new Date().toISOString() });
  await eventually(async () => (await installedIds('SC-TX')).length === 0, 5000, 'the TxProfile to leave the view');
});

test('ClearChargingProfile: by id, by connector/purpose/stack level, all; Unknown also clears Plugboard\'s stale view', async () => {
  const cp = await station('SC-CLEAR', { GetConfiguration: configuration({ ChargeProfileMaxStackLevel: '10' }), SetChargingProfile: accept, ClearChargingProfile: accept });
  const set = async (connectorId: number, profile: Record<string, unknown>) => assert.equal((await api('POST', '/stations/SC-CLEAR/charging-profiles', { connectorId, csChargingProfiles: profile })).status, 200);
  await set(0, { ...txDefault(1, 0), chargingProfilePurpose: 'ChargePointMaxProfile' });
  await set(1, txDefault(2, 1));
  await set(1, txDefault(3, 2));
  await set(2, txDefault(4, 2));

  const byId = await api('DELETE', '/stations/SC-CLEAR/charging-profiles/3');
  assert.equal(byId.status, 200, byId.text);
  assert.deepEqual(byId.body, { status: 'Accepted', removed: 1 });
  assert.deepEqual(cp.received.at(-1), { method: 'ClearChargingProfile', params: { id: 3 } });
  assert.deepEqual(await installedIds('SC-CLEAR'), [1, 2, 4]);

  const byCriteria = await api('POST', '/stations/SC-CLEAR/charging-profiles/clear', { connectorId: 2, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 });
  assert.deepEqual(byCriteria.body, { status: 'Accepted', removed: 1 });
  assert.deepEqual(cp.received.at(-1), { method: 'ClearChargingProfile', params: { connectorId: 2, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 } });
  assert.deepEqual(await installedIds('SC-CLEAR'), [1, 2]);

  // The station says it holds nothing of the kind: Plugboard's record of it was stale and goes too.
  cp.answers.ClearChargingProfile = () => ({ status: 'Unknown' });
  const unknown = await api('POST', '/stations/SC-CLEAR/charging-profiles/clear', { chargingProfilePurpose: 'ChargePointMaxProfile' });
  assert.deepEqual(unknown.body, { status: 'Unknown', removed: 1 });
  assert.deepEqual(await installedIds('SC-CLEAR'), [2]);

  cp.answers.ClearChargingProfile = accept;
  const all = await api('POST', '/stations/SC-CLEAR/charging-profiles/clear', {});
  assert.deepEqual(all.body, { status: 'Accepted', removed: 1 });
  assert.deepEqual(cp.received.at(-1), { method: 'ClearChargingProfile', params: {} });
  assert.deepEqual(await installedIds('SC-CLEAR'), []);

  // An id Plugboard does not know is still sent: the station may hold it.
  cp.answers.ClearChargingProfile = () => ({ status: 'Unknown' });
  assert.deepEqual((await api('DELETE', '/stations/SC-CLEAR/charging-profiles/77')).body, { status: 'Unknown', removed: 0 });
  assert.deepEqual(cp.received.at(-1), { method: 'ClearChargingProfile', params: { id: 77 } });
  assert.deepEqual(failures, []);
});

test('GetCompositeSchedule: the station\'s answer beside the expected schedule, compared on the station\'s time line', async () => {
  const cp = await station('SC-COMP', { GetConfiguration: configuration(SMART_KEYS), SetChargingProfile: accept });
  // ChargePointMaxProfile 20 A from 2025-01-01, and a TxDefaultProfile of 16 A for every connector.
  assert.equal((await api('POST', '/stations/SC-COMP/charging-profiles', { connectorId: 0, csChargingProfiles: { ...txDefault(1, 0), chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { startSchedule: '2025-01-01T00:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] } } })).status, 200);
  assert.equal((await api('POST', '/stations/SC-COMP/charging-profiles', { connectorId: 0, csChargingProfiles: txDefault(2, 0) })).status, 200);

  const scheduleStart = '2030-06-01T12:00:00Z';
  let reportedLimit = 16;
  cp.answers.GetCompositeSchedule = (p) => ({
    status: 'Accepted',
    connectorId: p.connectorId,
    scheduleStart,
    chargingSchedule: { duration: p.duration, chargingRateUnit: p.chargingRateUnit ?? 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: reportedLimit }] },
  });
  const res = await api('GET', '/stations/SC-COMP/composite-schedule?connectorId=1&duration=3600&chargingRateUnit=A');
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(cp.received.at(-1), { method: 'GetCompositeSchedule', params: { connectorId: 1, duration: 3600, chargingRateUnit: 'A' } });
  assert.equal(res.body.charger.scheduleStart, scheduleStart);
  assert.equal(res.body.expected.scheduleStart, '2030-06-01T12:00:00.000Z', 'computed from the station\'s scheduleStart');
  // min(TxDefaultProfile 16 A, ChargePointMaxProfile 20 A) = 16 A.
  assert.deepEqual(res.body.expected.chargingSchedulePeriod, [{ startPeriod: 0, limit: 16, numberPhases: 3, chargingProfileId: 2, chargingProfilePurpose: 'TxDefaultProfile' }]);
  assert.deepEqual(res.body.comparison, { matches: true, differences: [] });

  reportedLimit = 32;
  const differs = await api('GET', '/stations/SC-COMP/composite-schedule?connectorId=1&duration=600');
  assert.deepEqual(cp.received.at(-1)?.params, { connectorId: 1, duration: 600 }, 'no chargingRateUnit when none is asked for');
  assert.deepEqual(differs.body.comparison, { matches: false, differences: [{ from: 0, to: 600, expected: 16, reported: 32 }] });

  cp.answers.GetCompositeSchedule = () => ({ status: 'Rejected' });
  const rejected = await api('GET', '/stations/SC-COMP/composite-schedule?connectorId=1&duration=600');
  assert.equal(rejected.status, 200);
  assert.deepEqual(rejected.body.charger, { status: 'Rejected' });
  assert.deepEqual(rejected.body.comparison, { matches: null, reason: 'the station answered Rejected', differences: [] });
  assert.equal(rejected.body.expected.chargingSchedulePeriod[0].limit, 16);

  // Connector 0: the ChargePointMaxProfile.
  const whole = await api('GET', '/stations/SC-COMP/expected-schedule?connectorId=0&duration=60&start=2030-01-01T00:00:00Z');
  assert.deepEqual(whole.body.chargingSchedulePeriod.map((p: any) => [p.startPeriod, p.limit]), [[0, 20]]);
  assert.equal(whole.body.scheduleStart, '2030-01-01T00:00:00.000Z');

  for (const q of ['connectorId=1', 'duration=60', 'connectorId=-1&duration=60', 'connectorId=1&duration=0', 'connectorId=1&duration=60&chargingRateUnit=kW']) {
    assert.equal((await api('GET', `/stations/SC-COMP/composite-schedule?${q}`)).status, 400, q);
  }
  assert.deepEqual(failures, []);
});

test('a RemoteStartTransaction profile the station accepted is recorded as installed when its transaction starts', async () => {
  const cp = await station('SC-REMOTE', { RemoteStartTransaction: accept });
  const chargingProfile = { chargingProfileId: 40, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } } as const;
  const req: CentralToCharger['RemoteStartTransaction']['req'] = { connectorId: 2, idTag: 'SC-TAG-2', chargingProfile: { ...chargingProfile, chargingSchedule: { ...chargingProfile.chargingSchedule, chargingSchedulePeriod: [...chargingProfile.chargingSchedule.chargingSchedulePeriod] } } };
  const res = await api('POST', '/stations/SC-REMOTE/remote-start', req);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(cp.received.at(-1), { method: 'RemoteStartTransaction', params: req });
  const transactionId = await startTransaction(cp.client, 2, 'SC-TAG-2');
  const items = await eventually(async () => {
    const list = (await api('GET', '/stations/SC-REMOTE/charging-profiles')).body.items;
    return list.length > 0 && list;
  }, 5000, 'the profile to be recorded');
  assert.equal(items[0].connectorId, 2);
  assert.equal(items[0].source, 'RemoteStartTransaction');
  assert.equal(items[0].transactionId, transactionId);
  assert.deepEqual(items[0].profile, { ...chargingProfile, transactionId }, 'the station gave it the transaction\'s id (errata 3.42)');
  await cp.client.call('StopTransaction', { transactionId, meterStop: 10, timestamp: new Date().toISOString() });
  await eventually(async () => (await installedIds('SC-REMOTE')).length === 0, 5000, 'the TxProfile to end with its transaction');
});

test('unknown, offline and Pending stations: 404, 409, 409, nothing sent', async () => {
  const body = { connectorId: 1, csChargingProfiles: txDefault(1, 0) };
  const unknown = await api('POST', '/stations/SC-NOPE/charging-profiles', body);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'station_not_found');
  assert.equal((await api('GET', '/stations/SC-NOPE/charging-profiles')).status, 404);
  assert.equal((await api('GET', '/stations/SC-NOPE/expected-schedule?connectorId=1&duration=60')).status, 404);

  await app.ctx.services.stations.create({ id: 'SC-OFFLINE', password: PASSWORD });
  const offline = await api('POST', '/stations/SC-OFFLINE/charging-profiles', body);
  assert.equal(offline.status, 409);
  assert.equal(offline.body.error, 'station_offline');
  assert.equal((await api('GET', '/stations/SC-OFFLINE/composite-schedule?connectorId=1&duration=60')).body.error, 'station_offline');
  assert.equal((await api('POST', '/stations/SC-OFFLINE/charging-profiles/clear', {})).status, 409);
  // Plugboard's own view needs no connection.
  assert.equal((await api('GET', '/stations/SC-OFFLINE/expected-schedule?connectorId=1&duration=60')).status, 200);

  await app.ctx.services.stations.create({ id: 'SC-PENDING', registrationStatus: 'Pending' });
  const pending = await api('POST', '/stations/SC-PENDING/charging-profiles', body);
  assert.equal(pending.status, 409);
  assert.equal(pending.body.error, 'station_not_accepted');
});

test('expected schedules in A or W: profiles in the other unit are converted with the configured voltage and phases, not left out', async () => {
  for (const id of ['SC-UNITS', 'SC-US']) {
    await station(id, { GetConfiguration: configuration({ ChargeProfileMaxStackLevel: '5' }), SetChargingProfile: accept });
    // ChargePointMaxProfile 11,000 W; TxDefaultProfile 10 A for every connector, no numberPhases.
    const cap = { ...txDefault(1, 0), chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { startSchedule: '2025-01-01T00:00:00Z', chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] } };
    const tenAmps = txDefault(2, 0, { chargingSchedule: { startSchedule: '2025-01-01T00:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } });
    assert.equal((await api('POST', `/stations/${id}/charging-profiles`, { connectorId: 0, csChargingProfiles: cap })).status, 200);
    assert.equal((await api('POST', `/stations/${id}/charging-profiles`, { connectorId: 0, csChargingProfiles: tenAmps })).status, 200);
  }
  const expected = async (id: string, query: string) => {
    const res = await api('GET', `/stations/${id}/expected-schedule?connectorId=1&duration=60&${query}`);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  // In W: 10 A × 230 V × 3 phases = 6,900 W, below the 11,000 W cap.
  const inW = await expected('SC-UNITS', 'chargingRateUnit=W');
  assert.equal(inW.chargingRateUnit, 'W');
  assert.deepEqual(inW.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6900, numberPhases: 3, chargingProfileId: 2, chargingProfilePurpose: 'TxDefaultProfile' }]);
  assert.deepEqual(inW.conversion, { voltage: 230, defaultNumberPhases: 3 });
  // In A: 11,000 W / 690 V = 15.9 A, above 10 A.
  const inA = await expected('SC-UNITS', 'chargingRateUnit=A');
  assert.deepEqual([inA.chargingRateUnit, inA.chargingSchedulePeriod.map((p: any) => [p.limit, p.chargingProfileId])], ['A', [[10, 2]]]);
  // A voltage asked for wins: 10 A × 400 V × 3 = 12,000 W, so the 11,000 W cap limits.
  const at400 = await expected('SC-UNITS', 'chargingRateUnit=W&voltage=400');
  assert.deepEqual([at400.chargingSchedulePeriod.map((p: any) => [p.limit, p.chargingProfileId]), at400.conversion], [[[11000, 1]], { voltage: 400, defaultNumberPhases: 3 }]);
  // The station's own unit when none is asked for: it allows W only.
  const limits = await api('PUT', '/stations/SC-UNITS/charging-limits', { maxStackLevel: null, maxPeriods: null, allowedRateUnits: ['W'], maxProfilesInstalled: null });
  assert.equal(limits.status, 200, limits.text);
  assert.deepEqual((await expected('SC-UNITS', '')).chargingSchedulePeriod.map((p: any) => [p.limit, p.chargingProfileId]), [[6900, 2]]);
  // SC-US: 10 A × 120 V × 1 phase = 1,200 W.
  const us = await expected('SC-US', 'chargingRateUnit=W');
  assert.deepEqual([us.chargingSchedulePeriod.map((p: any) => [p.limit, p.numberPhases, p.chargingProfileId]), us.conversion], [[[1200, 1, 2]], { voltage: 120, defaultNumberPhases: 1 }]);
  assert.equal((await api('GET', '/stations/SC-UNITS/expected-schedule?connectorId=1&duration=60&chargingRateUnit=kW')).status, 400);
});
