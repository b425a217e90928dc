// Comparing a station's reported composite schedule with the expected one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSchedules } from '../../src/modules/smartcharging/compare.ts';
import type { CompositeSchedule } from '../../src/modules/smartcharging/composite.ts';

const expected: CompositeSchedule = {
  connectorId: 1,
  scheduleStart: '2025-03-03T10:00:00.000Z',
  duration: 3600,
  chargingRateUnit: 'A',
  // 0-600 s no limit, 600-1800 s 16 A, 1800-3600 s 10 A
  chargingSchedulePeriod: [{ startPeriod: 0, limit: null }, { startPeriod: 600, limit: 16, numberPhases: 3 }, { startPeriod: 1800, limit: 10, numberPhases: 3 }],
  conversion: null,
  notes: [],
};

test('equal where Plugboard expects a limit: matches (the station\'s own maximum elsewhere is not compared)', () => {
  const r = compareSchedules(expected, { duration: 3600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }, { startPeriod: 600, limit: 16.0 }, { startPeriod: 1800, limit: 10.04 }] });
  assert.deepEqual(r, { matches: true, differences: [] });
});

test('a different limit is reported with the span it covers', () => {
  // The station switches to 10 A at 2,400 s instead of 1,800 s: 1,800-2,400 s differs.
  const r = compareSchedules(expected, { duration: 3600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }, { startPeriod: 600, limit: 16 }, { startPeriod: 2400, limit: 10 }] });
  assert.deepEqual(r, { matches: false, differences: [{ from: 1800, to: 2400, expected: 10, reported: 16 }] });
});

test('a shorter reported schedule is compared over its own duration; a period missing at the start is reported as null', () => {
  const r = compareSchedules(expected, { duration: 1200, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 900, limit: 16 }] });
  assert.deepEqual(r, { matches: false, differences: [{ from: 600, to: 900, expected: 16, reported: null }] });
});

test('different units cannot be compared', () => {
  const r = compareSchedules(expected, { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] });
  assert.equal(r.matches, null);
  assert.match(r.reason ?? '', /reports W, Plugboard's schedule is in A/);
});
