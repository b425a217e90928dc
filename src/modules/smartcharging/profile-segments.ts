// One charging profile as the time segments in which it sets a limit, within a window. Pure.
// Times are whole seconds since the epoch (UTC): schedules count in seconds (OCPP 1.6 §7.13).
import type { ChargingProfile, RateUnit } from './types.ts';

export const DAY_SECONDS = 86_400;
export const WEEK_SECONDS = 7 * DAY_SECONDS;
/** OCPP 1.6 §7.14 ChargingSchedulePeriod.numberPhases: "If omitted, 3 is assumed". */
export const DEFAULT_NUMBER_PHASES = 3;

export interface Segment {
  /** [from, to) in epoch seconds */
  from: number;
  to: number;
  limit: number;
  /** as the period gives it; absent: the caller's default (3 unless configured, §7.14) */
  numberPhases?: number;
  unit: RateUnit;
  profile: ChargingProfile;
}

export const toEpochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/**
 * Whether the profile's schedule starts at the start of charging rather than at a fixed time:
 * Relative profiles always (§7.10), and a schedule without startSchedule ("If absent the
 * schedule will be relative to start of charging", §7.13).
 */
export function anchoredAtTransactionStart(profile: ChargingProfile): boolean {
  return profile.chargingProfileKind === 'Relative' || profile.chargingSchedule.startSchedule === undefined;
}

/** Where the schedule's second 0 lies: startSchedule, else the transaction start, else `fallback`. */
function scheduleBase(profile: ChargingProfile, transactionStart: number | null, fallback: number): number {
  if (!anchoredAtTransactionStart(profile)) return toEpochSeconds(profile.chargingSchedule.startSchedule!);
  return transactionStart ?? fallback;
}

/** The [start, end) runs of the schedule that overlap the window. */
function occurrences(profile: ChargingProfile, base: number, window: { from: number; to: number }): Array<{ start: number; end: number }> {
  const duration = profile.chargingSchedule.duration;
  if (profile.chargingProfileKind !== 'Recurring') {
    return [{ start: base, end: duration === undefined ? Infinity : base + duration }];
  }
  // §7.11 RecurrencyKindType: the schedule restarts every day or week, counted from startSchedule
  // (UTC, so every day has 86,400 s). A duration longer than the recurrence is cut at the next one.
  const every = profile.recurrencyKind === 'Weekly' ? WEEK_SECONDS : DAY_SECONDS;
  const length = Math.min(duration ?? every, every);
  // The recurrence begins at startSchedule: no occurrence before it.
  const out: Array<{ start: number; end: number }> = [];
  for (let k = Math.max(0, Math.floor((window.from - base) / every)); base + k * every < window.to; k++) {
    const start = base + k * every;
    out.push({ start, end: start + length });
  }
  return out;
}

/**
 * The segments in which `profile` sets a limit within [window.from, window.to), in time order
 * and disjoint: each period runs from its startPeriod to the next one's, the last to the end of
 * the schedule (duration; none = indefinitely), all within validFrom/validTo (§7.8).
 * `transactionStart` anchors Relative profiles; without one they start at the window start.
 */
export function profileSegments(profile: ChargingProfile, window: { from: number; to: number }, transactionStart: number | null): Segment[] {
  const validFrom = profile.validFrom ? toEpochSeconds(profile.validFrom) : -Infinity;
  const validTo = profile.validTo ? toEpochSeconds(profile.validTo) : Infinity;
  const lo = Math.max(window.from, validFrom);
  const hi = Math.min(window.to, validTo);
  if (lo >= hi) return [];
  const { chargingSchedulePeriod: periods, chargingRateUnit: unit } = profile.chargingSchedule;
  const base = scheduleBase(profile, transactionStart, window.from);
  const out: Segment[] = [];
  for (const occ of occurrences(profile, base, { from: lo, to: hi })) {
    periods.forEach((p, i) => {
      const next = periods[i + 1];
      const from = Math.max(occ.start + p.startPeriod, lo);
      const to = Math.min(next ? occ.start + next.startPeriod : occ.end, occ.end, hi);
      if (from < to) out.push({ from, to, limit: p.limit, ...(p.numberPhases === undefined ? {} : { numberPhases: p.numberPhases }), unit, profile });
    });
  }
  return out;
}
