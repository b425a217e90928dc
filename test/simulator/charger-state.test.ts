// The rules a simulated charger applies on its own, without a socket: charging profile
// precedence and schedules (OCPP 1.6 §3.13), configuration values, the local list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChargingProfiles, type ChargingProfile, type ProfileEnv } from '../../src/simulator/charging-profiles.ts';
import { ConfigStore, createConfigProfile } from '../../src/simulator/config-store.ts';
import { LocalAuth } from '../../src/simulator/local-auth.ts';
import { formatPattern, parseRange } from '../../src/simulator/patterns.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
let running: { transactionId: number | null; startedAt: number } | null = null;
const env: ProfileEnv = {
  connectors: 2,
  electrics: { dc: false, phases: 3, voltageV: 230, maxPowerW: 22_000 },
  maxStackLevel: 8,
  maxPeriods: 24,
  maxInstalled: 4,
  txOf: (id) => (id === 1 ? running : null),
};

function profile(p: Partial<ChargingProfile> & { periods?: Array<[number, number]>; unit?: 'A' | 'W'; start?: string; duration?: number }): ChargingProfile {
  const { periods = [[0, 11_000]], unit = 'W', start, duration, ...rest } = p;
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: unit, chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })), ...(start ? { startSchedule: start } : {}), ...(duration ? { duration } : {}) },
    ...rest,
  };
}

test('profiles: the highest stack level wins, the same id replaces, TxProfile only with a transaction', () => {
  running = null;
  const p = new ChargingProfiles();
  assert.equal(p.set(1, profile({ chargingProfileId: 1, stackLevel: 0, periods: [[0, 11_000]] }), env, T0), 'Accepted');
  assert.equal(p.set(1, profile({ chargingProfileId: 2, stackLevel: 3, periods: [[0, 7_000]] }), env, T0), 'Accepted');
  assert.equal(p.connectorLimitW(1, T0 + 1000, env), 7_000);
  assert.equal(p.set(1, profile({ chargingProfileId: 2, stackLevel: 3, periods: [[0, 9_000]] }), env, T0), 'Accepted');
  assert.equal(p.count, 2, 'same id replaced, not added');
  assert.equal(p.connectorLimitW(1, T0 + 1000, env), 9_000);
  assert.equal(p.set(1, profile({ chargingProfileId: 5, chargingProfilePurpose: 'TxProfile' }), env, T0), 'Rejected');
  assert.equal(p.set(1, profile({ chargingProfileId: 6, chargingProfilePurpose: 'ChargePointMaxProfile' }), env, T0), 'Rejected', 'only on connector 0');
  assert.equal(p.set(1, profile({ chargingProfileId: 7, stackLevel: 9 }), env, T0), 'Rejected', 'above ChargeProfileMaxStackLevel');
  assert.equal(p.set(1, profile({ chargingProfileId: 8, periods: [[10, 1]] }), env, T0), 'Rejected', 'first period must start at 0');
  assert.equal(p.set(3, profile({ chargingProfileId: 9 }), env, T0), 'Rejected', 'no connector 3');
  running = { transactionId: 42, startedAt: T0 };
  assert.equal(p.set(1, profile({ chargingProfileId: 10, chargingProfilePurpose: 'TxProfile', transactionId: 41 }), env, T0), 'Rejected', 'another transaction');
  assert.equal(p.set(1, profile({ chargingProfileId: 10, chargingProfilePurpose: 'TxProfile', transactionId: 42, periods: [[0, 16]], unit: 'A' }), env, T0), 'Accepted');
  // 16 A on three phases at 230 V
  assert.equal(p.connectorLimitW(1, T0 + 1000, env), 16 * 230 * 3);
  p.endTransaction(1);
  running = null;
  assert.equal(p.connectorLimitW(1, T0 + 1000, env), 9_000, 'back to the TxDefaultProfile');
  assert.equal(p.clear({ chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 3 }), 'Accepted');
  assert.equal(p.clear({ id: 2 }), 'Unknown');
  assert.equal(p.clear({}), 'Accepted');
  assert.equal(p.count, 0);
});

test('profiles: absolute and daily schedules, validTo, and the composite schedule over them', () => {
  running = null;
  const p = new ChargingProfiles();
  const start = new Date(T0).toISOString();
  // 0-60 s: 3 kW, 60-120 s: 6 kW, then nothing from this profile (duration 120 s)
  p.set(0, profile({ chargingProfileId: 1, start, duration: 120, periods: [[0, 3_000], [60, 6_000]] }), env, T0);
  // a station cap of 5 kW, every day from T0 for an hour
  p.set(0, profile({ chargingProfileId: 2, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', start, duration: 3600, periods: [[0, 5_000]] }), env, T0);
  assert.equal(p.connectorLimitW(1, T0 + 30_000, env), 3_000);
  assert.equal(p.connectorLimitW(1, T0 + 90_000, env), 6_000);
  assert.equal(p.connectorLimitW(1, T0 + 130_000, env), null);
  assert.equal(p.stationLimitW(T0 + 86_400_000 + 10_000, env), 5_000, 'the next day again');
  assert.equal(p.stationLimitW(T0 + 7200_000, env), null);
  const composite = p.composite(1, 300, 'W', env, T0);
  assert.equal(composite.status, 'Accepted');
  // 0-60 s: min(3 kW, cap 5 kW); 60-120 s: min(6 kW, 5 kW); after 120 s: the 22 kW hardware under
  // the 5 kW cap, the same limit, so no new period
  assert.deepEqual(composite.chargingSchedule!.chargingSchedulePeriod.map((x) => [x.startPeriod, x.limit]), [[0, 3_000], [60, 5_000]]);
  assert.deepEqual(p.composite(1, 60, 'A', env, T0).chargingSchedule!.chargingSchedulePeriod[0], { startPeriod: 0, limit: 4.3, numberPhases: 3 });
  assert.deepEqual(p.composite(3, 60, 'W', env, T0), { status: 'Rejected' });
  p.set(0, profile({ chargingProfileId: 3, stackLevel: 2, validTo: new Date(T0 + 10_000).toISOString(), periods: [[0, 1_000]] }), env, T0);
  assert.equal(p.connectorLimitW(1, T0 + 5_000, env), 1_000);
  assert.equal(p.connectorLimitW(1, T0 + 15_000, env), 3_000, 'expired: the lower stack level applies');
});

test('configuration keys: types, ranges, lists of measurands, write-only and increase-only keys', () => {
  const c = new ConfigStore(createConfigProfile({ connectors: 2, dc: false, sampleIntervalSeconds: 60, heartbeatIntervalSeconds: 300 }));
  const changed: string[] = [];
  c.onChange = (key, value) => changed.push(`${key}=${value}`);
  assert.equal(c.change('HeartbeatInterval', ' 60 '), 'Accepted');
  assert.equal(c.get('HeartbeatInterval'), '60');
  assert.equal(c.change('HeartbeatInterval', '1.5'), 'Rejected');
  assert.equal(c.change('LightIntensity', '101'), 'Rejected');
  assert.equal(c.change('StopTransactionOnInvalidId', 'FALSE'), 'Accepted');
  assert.equal(c.get('StopTransactionOnInvalidId'), 'false');
  assert.equal(c.change('MeterValuesSampledData', 'Energy.Active.Import.Register, Voltage'), 'Accepted');
  assert.deepEqual(c.list('MeterValuesSampledData'), ['Energy.Active.Import.Register', 'Voltage']);
  assert.equal(c.change('MeterValuesSampledData', 'SoC'), 'Rejected', 'an AC meter has no SoC');
  assert.equal(c.change('MeterValuesSampledData', Array(9).fill('Voltage').join(',')), 'Rejected', 'longer than MeterValuesSampledDataMaxLength');
  assert.equal(c.change('ConnectorPhaseRotation', '0.RST,1.RTS,2.Unknown'), 'Accepted');
  assert.equal(c.change('ConnectorPhaseRotation', '1.XYZ'), 'Rejected');
  assert.equal(c.change('AuthorizationKey', 'too-short'), 'Rejected');
  assert.equal(c.change('AuthorizationKey', '0123456789abcdef0123'), 'Accepted');
  assert.equal(c.report(['AuthorizationKey']).unknownKey[0], 'AuthorizationKey', 'write-only');
  c.set('SecurityProfile', '1');
  assert.equal(c.change('SecurityProfile', '0'), 'Rejected', 'never lowered');
  assert.equal(c.change('SecurityProfile', '2'), 'Accepted');
  assert.deepEqual(changed, ['HeartbeatInterval=60', 'StopTransactionOnInvalidId=false', 'MeterValuesSampledData=Energy.Active.Import.Register,Voltage', 'ConnectorPhaseRotation=0.RST,1.RTS,2.Unknown', 'AuthorizationKey=0123456789abcdef0123', 'SecurityProfile=2']);
  const dc = new ConfigStore(createConfigProfile({ connectors: 1, dc: true, sampleIntervalSeconds: 60, heartbeatIntervalSeconds: 300 }));
  assert.ok(dc.list('MeterValuesSampledData').includes('SoC'));
});

test('local list: versions, differential updates, limits; the cache; expiry', () => {
  const l = new LocalAuth();
  const limits = { enabled: true, maxLength: 3, sendMaxLength: 2 };
  assert.equal(l.sendLocalList({ listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }] }, { ...limits, enabled: false }), 'NotSupported');
  assert.equal(l.version(false), -1);
  assert.equal(l.sendLocalList({ listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'A' }] }, limits), 'Failed', 'a Full update needs idTagInfo');
  assert.equal(l.sendLocalList({ listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }, { idTag: 'B', idTagInfo: { status: 'Blocked' } }] }, limits), 'Accepted');
  assert.equal(l.sendLocalList({ listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }, { idTag: 'B', idTagInfo: { status: 'Accepted' } }, { idTag: 'C', idTagInfo: { status: 'Accepted' } }] }, limits), 'Failed', 'more than SendLocalListMaxLength');
  assert.equal(l.sendLocalList({ listVersion: 2, updateType: 'Differential', localAuthorizationList: [{ idTag: 'C', idTagInfo: { status: 'Accepted' } }, { idTag: 'D', idTagInfo: { status: 'Accepted' } }] }, limits), 'Failed', 'more than LocalAuthListMaxLength');
  assert.equal(l.version(true), 1);
  const opts = { listEnabled: true, cacheEnabled: true };
  assert.equal(l.lookup('B', opts, T0)?.status, 'Blocked');
  l.remember('E', { status: 'Accepted', expiryDate: new Date(T0 + 1000).toISOString() });
  assert.equal(l.lookup('E', opts, T0)?.status, 'Accepted');
  assert.equal(l.lookup('E', opts, T0 + 2000)?.status, 'Expired');
  l.remember('B', { status: 'Accepted' });
  assert.equal(l.lookup('B', opts, T0)?.status, 'Blocked', 'the list wins over the cache');
  l.clearCache();
  assert.equal(l.lookup('E', opts, T0), undefined);
});

test('identity patterns and ranges', () => {
  assert.equal(formatPattern('SIM-{n}', 7), 'SIM-00007');
  assert.equal(formatPattern('CP{n:3}', 7), 'CP007');
  assert.equal(formatPattern('CP{n:0}', 7), 'CP7');
  assert.equal(formatPattern('pw-{id}-{n:2}', 7, 'CP7'), 'pw-CP7-07');
  assert.deepEqual(parseRange('20-60', 'x'), { min: 20, max: 60 });
  assert.deepEqual(parseRange('1.5', 'x'), { min: 1.5, max: 1.5 });
  assert.throws(() => parseRange('60-20', 'x'), /less than/);
  assert.throws(() => parseRange('soon', 'x'), /number or a range/);
});
