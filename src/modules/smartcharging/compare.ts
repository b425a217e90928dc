// Compares the composite schedule a station reports (GetCompositeSchedule.conf) with the one
// Plugboard expects. Pure. Both are read on the same time line: the expected schedule is
// computed from the station's own scheduleStart.
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import type { CompositeSchedule } from './composite.ts';

export type ReportedSchedule = NonNullable<CentralToCharger['GetCompositeSchedule']['res']['chargingSchedule']>;

export interface ScheduleDifference {
  /** seconds from the schedule start, [from, to) */
  from: number;
  to: number;
  expected: number;
  /** null: the station reports no period there */
  reported: number | null;
}

export interface ScheduleComparison {
  /** null when the two cannot be compared (see reason) */
  matches: boolean | null;
  reason?: string;
  differences: ScheduleDifference[];
}

/** Limits are given to 0.1 (§7.14): anything closer counts as equal. */
const TOLERANCE = 0.05;
const MAX_DIFFERENCES = 50;

/** The limit of the period covering t (periods sorted by startPeriod), or undefined before the first. */
function limitAt<P extends { startPeriod: number }>(periods: readonly P[], t: number, get: (p: P) => number | null): number | null | undefined {
  let found: P | undefined;
  for (const p of periods) {
    if (p.startPeriod > t) break;
    found = p;
  }
  return found === undefined ? undefined : get(found);
}

/**
 * Where the expected schedule sets a limit, the reported one must set the same. Where Plugboard
 * expects no limit, the station reports its own maximum, which Plugboard cannot know: not compared.
 */
export function compareSchedules(expected: CompositeSchedule, reported: ReportedSchedule): ScheduleComparison {
  if (reported.chargingRateUnit !== expected.chargingRateUnit) {
    return { matches: null, reason: `the station reports ${reported.chargingRateUnit}, Plugboard's schedule is in ${expected.chargingRateUnit}`, differences: [] };
  }
  const end = Math.min(expected.duration, reported.duration ?? expected.duration);
  const rPeriods = [...reported.chargingSchedulePeriod].sort((a, b) => a.startPeriod - b.startPeriod);
  const cuts = [...new Set([0, end, ...expected.chargingSchedulePeriod.map((p) => p.startPeriod), ...rPeriods.map((p) => p.startPeriod)])]
    .filter((t) => t >= 0 && t <= end)
    .sort((a, b) => a - b);
  const differences: ScheduleDifference[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const t = cuts[i];
    const e = limitAt(expected.chargingSchedulePeriod, t, (p) => p.limit);
    if (e === null || e === undefined) continue;
    const r = limitAt(rPeriods, t, (p) => p.limit);
    if (r !== undefined && r !== null && Math.abs(r - e) <= TOLERANCE) continue;
    const last = differences[differences.length - 1];
    if (last && last.to === t && last.expected === e && last.reported === (r ?? null)) {
      last.to = cuts[i + 1];
      continue;
    }
    if (differences.length === MAX_DIFFERENCES) break;
    differences.push({ from: t, to: cuts[i + 1], expected: e, reported: r ?? null });
  }
  return { matches: differences.length === 0, differences };
}
