// The composite schedule Plugboard expects, against examples worked out by hand. Each case
// writes the expected periods explicitly, with the arithmetic in comments: startPeriod is in
// seconds from the window start (1 h = 3,600 s, 1 day = 86,400 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCompositeSchedule, convertLimit, type CompositeRequest } from '../../src/modules/smartcharging/composite.ts';
import type { ChargingProfile, InstalledProfile } from '../../src/modules/smartcharging/types.ts';

type Period = [startPeriod: number, limit: number, numberPhases?: number];

interface ProfileSpec {
  id: number;
  purpose?: ChargingProfile['chargingProfilePurpose'];
  stackLevel?: number;
  kind?: ChargingProfile['chargingProfileKind'];
  recurrencyKind?: 'Daily' | 'Weekly';
  startSchedule?: string;
  duration?: number;
  unit?: 'A' | 'W';
  periods: Period[];
  validFrom?: string;
  validTo?: string;
  transactionId?: number;
}

function profile(connectorId: number, s: ProfileSpec): InstalledProfile {
  return {
    connectorId,
    profile: {
      chargingProfileId: s.id,
      ...(s.transactionId !== undefined ? { transactionId: s.transactionId } : {}),
      stackLevel: s.stackLevel ?? 0,
      chargingProfilePurpose: s.purpose ?? 'TxDefaultProfile',
      chargingProfileKind: s.kind ?? 'Absolute',
      ...(s.recurrencyKind ? { recurrencyKind: s.recurrencyKind } : {}),
      ...(s.validFrom ? { validFrom: s.validFrom } : {}),
      ...(s.validTo ? { validTo: s.validTo } : {}),
      chargingSchedule: {
        ...(s.duration !== undefined ? { duration: s.duration } : {}),
        ...(s.startSchedule ? { startSchedule: s.startSchedule } : {}),
        chargingRateUnit: s.unit ?? 'A',
        chargingSchedulePeriod: s.periods.map(([startPeriod, limit, numberPhases]) => ({ startPeriod, limit, ...(numberPhases ? { numberPhases } : {}) })),
      },
    },
  };
}

/** The periods as [startPeriod, limit, chargingProfileId] triples (null limit: no profile limits it). */
function periodsOf(req: Partial<CompositeRequest> & Pick<CompositeRequest, 'profiles' | 'connectorId' | 'start' | 'duration'>) {
  const s = computeCompositeSchedule(req);
  return { schedule: s, periods: s.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit, p.chargingProfileId ?? null]) };
}

const at = (iso: string) => new Date(iso);

test('an Absolute profile applies from its startSchedule for its duration; outside it nothing limits', () => {
  // TxDefaultProfile 1 for every connector (connectorId 0): from 08:00, 4 h long:
  // 08:00 16 A, 09:00 10 A, 10:00 32 A, ends 12:00. Window 07:00 + 6 h on connector 1.
  const profiles = [profile(0, { id: 1, startSchedule: '2025-03-03T08:00:00Z', duration: 4 * 3600, periods: [[0, 16], [3600, 10], [7200, 32]] })];
  const { schedule, periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T07:00:00Z'), duration: 6 * 3600 });
  assert.deepEqual(periods, [
    [0, null, null], //       07:00-08:00 before the schedule starts
    [3600, 16, 1], //         08:00 = 07:00 + 3,600 s
    [7200, 10, 1], //         09:00
    [10800, 32, 1], //        10:00
    [18000, null, null], //   12:00 = 08:00 + duration 14,400 s; nothing after
  ]);
  assert.equal(schedule.scheduleStart, '2025-03-03T07:00:00.000Z');
  assert.equal(schedule.duration, 21600);
  assert.equal(schedule.chargingRateUnit, 'A');
  assert.equal(schedule.chargingSchedulePeriod[1].numberPhases, 3, 'numberPhases defaults to 3 (§7.14)');
});

test('within a purpose the highest stack level in effect wins, and the lower one returns when its duration ends', () => {
  // Stack 0: 32 A all day (from 00:00, no duration). Stack 1: from 10:00 for 2 h,
  // 8 A then 12 A after 1,800 s. Window 09:00 + 4 h on connector 2.
  const profiles = [
    profile(0, { id: 10, stackLevel: 0, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 32]] }),
    profile(0, { id: 11, stackLevel: 1, startSchedule: '2025-03-03T10:00:00Z', duration: 7200, periods: [[0, 8], [1800, 12]] }),
  ];
  const { periods } = periodsOf({ profiles, connectorId: 2, start: at('2025-03-03T09:00:00Z'), duration: 4 * 3600 });
  assert.deepEqual(periods, [
    [0, 32, 10], //     09:00 only stack 0 is in effect
    [3600, 8, 11], //   10:00 stack 1 starts and wins
    [5400, 12, 11], //  10:30 = 10:00 + 1,800 s
    [10800, 32, 10], // 12:00 = 10:00 + 7,200 s: stack 1 is over, stack 0 applies again
  ]);
});

test('a higher stack level wins even with a higher limit: stacking is not a minimum', () => {
  const profiles = [
    profile(0, { id: 1, stackLevel: 0, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 10]] }),
    profile(0, { id: 2, stackLevel: 5, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 25]] }),
  ];
  const { periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T06:00:00Z'), duration: 600 });
  assert.deepEqual(periods, [[0, 25, 2]]);
});

test('the ChargePointMaxProfile caps the result; a TxProfile overrides the TxDefaultProfile; Relative profiles start with the transaction', () => {
  // ChargePointMaxProfile (connector 0): 20 A from 00:00, 40 A from 12:00 (43,200 s).
  // TxDefaultProfile on connector 1, Relative: 32 A from the transaction start.
  // TxProfile of transaction 77 on connector 1, Relative, 1,800 s: 10 A, then 25 A after 900 s.
  // Transaction 77 started 11:50. Window 11:45 + 1 h.
  const profiles = [
    profile(0, { id: 1, purpose: 'ChargePointMaxProfile', startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 20], [43200, 40]] }),
    profile(1, { id: 2, kind: 'Relative', periods: [[0, 32]] }),
    profile(1, { id: 3, purpose: 'TxProfile', kind: 'Relative', transactionId: 77, duration: 1800, periods: [[0, 10], [900, 25]] }),
  ];
  const { schedule, periods } = periodsOf({
    profiles,
    connectorId: 1,
    start: at('2025-03-03T11:45:00Z'),
    duration: 3600,
    transaction: { transactionId: 77, startedAt: at('2025-03-03T11:50:00Z') },
  });
  assert.deepEqual(periods, [
    [0, 20, 1], //     11:45-11:50 no transaction yet: only the cap, 20 A
    [300, 10, 3], //   11:50 (300 s) TxProfile 10 A < cap 20 A; at 12:00 the cap becomes 40 A, still 10 A: one period
    [1200, 25, 3], //  12:05 = 11:50 + 900 s: 25 A < 40 A
    [2100, 32, 2], //  12:20 = 11:50 + 1,800 s: the TxProfile is over, TxDefaultProfile 32 A < 40 A
  ]);
  assert.deepEqual(schedule.chargingSchedulePeriod.map((p) => p.chargingProfilePurpose), ['ChargePointMaxProfile', 'TxProfile', 'TxProfile', 'TxDefaultProfile']);
  assert.deepEqual(schedule.notes, []);
});

test('without a transaction a TxProfile is left out and Relative profiles are anchored at the window start (both said in notes)', () => {
  const profiles = [
    profile(1, { id: 2, kind: 'Relative', duration: 600, periods: [[0, 12], [300, 14]] }),
    profile(1, { id: 3, purpose: 'TxProfile', kind: 'Relative', transactionId: 77, periods: [[0, 6]] }),
  ];
  const { schedule, periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T11:00:00Z'), duration: 900 });
  assert.deepEqual(periods, [
    [0, 12, 2], //     from the window start, as if a transaction started then
    [300, 14, 2],
    [600, null, null], // duration 600 s over
  ]);
  assert.equal(schedule.notes.length, 2);
  assert.match(schedule.notes.join('\n'), /TxProfile 3 applies only while a transaction runs/);
  assert.match(schedule.notes.join('\n'), /Relative profiles .* are taken to start at scheduleStart/);
});

test('a TxProfile of another transaction does not apply', () => {
  const profiles = [profile(1, { id: 2, kind: 'Relative', periods: [[0, 30]] }), profile(1, { id: 3, purpose: 'TxProfile', kind: 'Relative', transactionId: 5, periods: [[0, 6]] })];
  const { schedule, periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T11:00:00Z'), duration: 60, transaction: { transactionId: 6, startedAt: at('2025-03-03T10:00:00Z') } });
  assert.deepEqual(periods, [[0, 30, 2]]);
  assert.match(schedule.notes[0], /belongs to transaction 5, not to the running 6/);
});

test('Recurring Daily repeats every 86,400 s from startSchedule; without a duration a day\'s schedule lasts until the next', () => {
  // TxDefaultProfile, Daily from Saturday 2025-03-01 18:00: 18:00 11 A, 00:00 (+21,600 s) 32 A,
  // 07:00 (+46,800 s) 16 A until the next 18:00. Window Monday 2025-03-03 15:00 + 12 h.
  // Occurrence k = floor((Mon 15:00 - Sat 18:00) / 1 day) = floor(45 h / 24 h) = 1 starts Sun 18:00,
  // so Mon 15:00 is in its 07:00-18:00 period; occurrence 2 starts Mon 18:00.
  const profiles = [
    profile(0, { id: 4, kind: 'Recurring', recurrencyKind: 'Daily', startSchedule: '2025-03-01T18:00:00Z', periods: [[0, 11], [21600, 32], [46800, 16]] }),
  ];
  const { periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T15:00:00Z'), duration: 12 * 3600 });
  assert.deepEqual(periods, [
    [0, 16, 4], //      Mon 15:00: 07:00-18:00 period of Sunday's occurrence
    [10800, 11, 4], //  Mon 18:00 (3 h later): Monday's occurrence, 11 A
    [32400, 32, 4], //  Tue 00:00 = 18:00 + 21,600 s (9 h after 15:00), until the window ends at 03:00
  ]);
});

test('Recurring Weekly stacked on a daily profile, with validFrom holding back the week before', () => {
  // Stack 0: the daily profile above. Stack 1: Weekly from Saturday 2025-03-01 08:00 for 4 h,
  // 6 A, valid from 2025-03-08 00:00: the first Saturday (03-01) is before validFrom, the next
  // (03-08 08:00-12:00) applies. Window Saturday 2025-03-08 06:00 + 8 h.
  const profiles = [
    profile(0, { id: 4, kind: 'Recurring', recurrencyKind: 'Daily', startSchedule: '2025-03-01T18:00:00Z', periods: [[0, 11], [21600, 32], [46800, 16]] }),
    profile(0, { id: 5, stackLevel: 1, kind: 'Recurring', recurrencyKind: 'Weekly', startSchedule: '2025-03-01T08:00:00Z', duration: 4 * 3600, validFrom: '2025-03-08T00:00:00Z', periods: [[0, 6]] }),
  ];
  const { periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-08T06:00:00Z'), duration: 8 * 3600 });
  assert.deepEqual(periods, [
    [0, 32, 4], //      06:00: Friday 18:00's occurrence, 00:00-07:00 period
    [3600, 16, 4], //   07:00 = Fri 18:00 + 46,800 s
    [7200, 6, 5], //    08:00: the weekly profile (stack 1) starts
    [21600, 16, 4], //  12:00 = 08:00 + 14,400 s: back to the daily 16 A until 14:00
  ]);
  // The week before, validFrom keeps the weekly profile out entirely.
  const before = periodsOf({ profiles, connectorId: 1, start: at('2025-03-01T06:00:00Z'), duration: 8 * 3600 });
  assert.deepEqual(before.periods, [
    [0, null, null], //  06:00-18:00 Saturday 03-01: the daily profile has not started (its startSchedule is 18:00)
  ]);
});

test('validTo ends a profile in the middle of a period', () => {
  const profiles = [
    profile(0, { id: 1, stackLevel: 0, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 32]] }),
    profile(0, { id: 2, stackLevel: 1, startSchedule: '2025-03-03T00:00:00Z', validTo: '2025-03-03T10:20:00Z', periods: [[0, 10]] }),
  ];
  const { periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T10:00:00Z'), duration: 3600 });
  assert.deepEqual(periods, [
    [0, 10, 2], //    10:00 stack 1
    [1200, 32, 1], // 10:20 validTo: stack 1 is no longer valid
  ]);
});

test('a connector\'s own TxDefaultProfile replaces connector 0\'s at its stack level only (errata 3.53)', () => {
  // Connector 0: stack 0 32 A all day; stack 1 20 A from 10:00 for 1 h. Connector 2: its own stack 0, 16 A.
  const profiles = [
    profile(0, { id: 1, stackLevel: 0, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 32]] }),
    profile(0, { id: 2, stackLevel: 1, startSchedule: '2025-03-03T10:00:00Z', duration: 3600, periods: [[0, 20]] }),
    profile(2, { id: 3, stackLevel: 0, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 16]] }),
  ];
  const window = { start: at('2025-03-03T09:30:00Z'), duration: 2 * 3600 };
  assert.deepEqual(periodsOf({ profiles, connectorId: 1, ...window }).periods, [
    [0, 32, 1], //    09:30 connector 1 follows connector 0's profiles
    [1800, 20, 2], // 10:00
    [5400, 32, 1], // 11:00
  ]);
  assert.deepEqual(periodsOf({ profiles, connectorId: 2, ...window }).periods, [
    [0, 16, 3], //    09:30 connector 2's own stack 0 instead of connector 0's
    [1800, 20, 2], // 10:00 connector 0's stack 1 still applies to it (and wins by stack level)
    [5400, 16, 3], // 11:00
  ]);
});

test('connector 0 is the ChargePointMaxProfile alone', () => {
  const profiles = [
    profile(0, { id: 1, purpose: 'ChargePointMaxProfile', startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 63]] }),
    profile(0, { id: 2, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 16]] }),
  ];
  const { schedule, periods } = periodsOf({ profiles, connectorId: 0, start: at('2025-03-03T09:00:00Z'), duration: 60 });
  assert.deepEqual(periods, [[0, 63, 1]]);
  assert.match(schedule.notes[0], /connector 0 is the grid connection/);
});

test('A and W convert with a supply voltage (P = I × U × phases), to one decimal', () => {
  // 16 A × 230 V × 3 phases = 11,040 W; 11,000 W / (230 V × 3) = 15.94 A -> 15.9 A.
  assert.equal(convertLimit(16, 'A', 'W', 3, 230), 11040);
  assert.equal(convertLimit(11000, 'W', 'A', 3, 230), 15.9);
  // One phase: 16 A × 230 V = 3,680 W.
  assert.equal(convertLimit(16, 'A', 'W', 1, 230), 3680);
  assert.equal(convertLimit(16, 'A', 'W', 3), null, 'no voltage, no conversion');

  const profiles = [
    profile(0, { id: 1, purpose: 'ChargePointMaxProfile', unit: 'W', startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 11000, 3]] }),
    profile(0, { id: 2, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 16, 3]] }),
  ];
  const window = { profiles, connectorId: 1, start: at('2025-03-03T09:00:00Z'), duration: 60 };
  // In A: min(TxDefault 16 A, cap 15.9 A) = 15.9 A from the cap.
  assert.deepEqual(periodsOf({ ...window, chargingRateUnit: 'A', voltage: 230 }).periods, [[0, 15.9, 1]]);
  // In W: min(TxDefault 11,040 W, cap 11,000 W) = 11,000 W from the cap.
  const inW = periodsOf({ ...window, chargingRateUnit: 'W', voltage: 230 });
  assert.deepEqual(inW.periods, [[0, 11000, 1]]);
  assert.equal(inW.schedule.chargingRateUnit, 'W');
});

test('conversions are exact on the decimals as written, rounded half up to 0.1', () => {
  // 0.3 A × 230.5 V × 1 = 69.15 W -> 69.2 (in binary floating point 0.3 × 230.5 is 69.1499..., which rounds to 69.1).
  assert.equal(convertLimit(0.3, 'A', 'W', 1, 230.5), 69.2);
  // 2.3 A × 230.5 V × 3 = 1,590.45 W -> 1,590.5.
  assert.equal(convertLimit(2.3, 'A', 'W', 3, 230.5), 1590.5);
  // 0.1 A × 230 V × 3 = 69 W exactly (not 69.00000000000001).
  assert.equal(convertLimit(0.1, 'A', 'W', 3, 230), 69);
  // Back: 69.15 W / 230.5 V = 0.3 A; 207 W / (230 V × 3) = 0.3 A, printed as 0.3.
  assert.equal(convertLimit(69.15, 'W', 'A', 1, 230.5), 0.3);
  assert.equal(JSON.stringify(convertLimit(207, 'W', 'A', 3, 230)), '0.3');
  // 7.4 kW on one phase at 230 V: 32.17 A -> 32.2; the same unit is never rounded.
  assert.equal(convertLimit(7400, 'W', 'A', 1, 230), 32.2);
  assert.equal(convertLimit(16.25, 'A', 'A', 3, 230), 16.25);
});

test('a profile in the other unit is converted with the voltage and, for periods without numberPhases, the default phases', () => {
  // TxDefaultProfile 10 A without numberPhases, ChargePointMaxProfile 11,000 W.
  const profiles = [
    profile(0, { id: 1, purpose: 'ChargePointMaxProfile', unit: 'W', startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 11000]] }),
    profile(0, { id: 2, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 10]] }),
  ];
  const window = { profiles, connectorId: 1, start: at('2025-03-03T09:00:00Z'), duration: 60, voltage: 230 };
  // In W, 3 phases (§7.14): 10 A × 230 V × 3 = 6,900 W < 11,000 W, so the TxDefaultProfile limits.
  const three = computeCompositeSchedule({ ...window, chargingRateUnit: 'W' });
  assert.deepEqual(three.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6900, numberPhases: 3, chargingProfileId: 2, chargingProfilePurpose: 'TxDefaultProfile' }]);
  assert.deepEqual(three.conversion, { voltage: 230, defaultNumberPhases: 3 });
  assert.deepEqual(three.notes, ['profile 2 is in A: converted to W with 230 V per phase and 3 phases (the period gives no numberPhases)']);
  // A single-phase default: 10 A × 230 V = 2,300 W.
  const one = computeCompositeSchedule({ ...window, chargingRateUnit: 'W', defaultNumberPhases: 1 });
  assert.deepEqual(one.chargingSchedulePeriod.map((p) => [p.limit, p.numberPhases, p.chargingProfileId]), [[2300, 1, 2]]);
  // In A: 11,000 W / (230 V × 3) = 15.94 A -> 15.9 > 10 A; the cap's own numberPhases would count where given.
  const inA = computeCompositeSchedule({ ...window, chargingRateUnit: 'A' });
  assert.deepEqual(inA.chargingSchedulePeriod.map((p) => [p.limit, p.chargingProfileId]), [[10, 2]]);
  assert.deepEqual(inA.notes, ['profile 1 is in W: converted to A with 230 V per phase and 3 phases (the period gives no numberPhases)']);
  // Nothing to convert: no conversion reported.
  assert.equal(computeCompositeSchedule({ ...window, profiles: [profiles[1]], chargingRateUnit: 'A' }).conversion, null);
});

test('without a voltage the requested unit is kept, and a profile in the other unit is left out with a note', () => {
  const profiles = [
    profile(0, { id: 1, purpose: 'ChargePointMaxProfile', unit: 'W', startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 11000]] }),
    profile(0, { id: 2, startSchedule: '2025-03-03T00:00:00Z', periods: [[0, 16]] }),
  ];
  const { schedule, periods } = periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T09:00:00Z'), duration: 60, chargingRateUnit: 'A' });
  assert.equal(schedule.chargingRateUnit, 'A');
  assert.deepEqual(periods, [[0, 16, 2]]);
  assert.deepEqual(schedule.notes, ['profile 1 is in W: without a supply voltage it cannot be expressed in A, so it is left out']);
  // No unit asked for: the unit of the first limit in the window (the TxDefaultProfile's A).
  assert.equal(periodsOf({ profiles, connectorId: 1, start: at('2025-03-03T09:00:00Z'), duration: 60 }).schedule.chargingRateUnit, 'A');
});

test('the window starts at a whole second and its periods are whole seconds', () => {
  const profiles = [profile(0, { id: 1, startSchedule: '2025-03-03T09:00:10Z', periods: [[0, 8]] })];
  const s = computeCompositeSchedule({ profiles, connectorId: 1, start: at('2025-03-03T09:00:00.750Z'), duration: 30 });
  assert.equal(s.scheduleStart, '2025-03-03T09:00:00.000Z');
  assert.deepEqual(s.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]), [[0, null], [10, 8]]);
});

test('no profile at all: one period without a limit', () => {
  const s = computeCompositeSchedule({ profiles: [], connectorId: 1, start: at('2025-03-03T09:00:00Z'), duration: 3600 });
  assert.deepEqual(s.chargingSchedulePeriod, [{ startPeriod: 0, limit: null }]);
  assert.equal(s.duration, 3600);
});
