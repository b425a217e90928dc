// Axis arithmetic for the charts, free of browser APIs so that it runs under Node's tests too:
// "nice" value steps (1, 2, 2.5 or 5 times a power of ten) and time ticks on round instants
// (every 5 s, 1 min, 15 min, 1 h ...) of the operator's local clock.

/** The smallest step of 1, 2, 2.5 or 5 × 10^k that is at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  // A little slack for floating point: 0.30000000000000004 / 0.1 is not quite 3.
  const m = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 2.5 + 1e-9 ? 2.5 : f <= 5 + 1e-9 ? 5 : 10;
  return m * p;
}

export interface ValueAxis {
  /** the top of the axis: steps × step */
  max: number;
  step: number;
  /** how many intervals from 0 to max */
  steps: number;
}

/** An axis from 0 covering `max` in at most `maxSteps` intervals of a nice step. */
export function valueAxis(max: number, maxSteps = 5): ValueAxis {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const step = niceStep(top / maxSteps);
  const steps = Math.max(1, Math.ceil(top / step - 1e-9));
  return { max: round(steps * step, step), step, steps };
}

/** The same number of intervals on two axes (their grid lines coincide), each keeping its nice step. */
export function alignAxes(a: ValueAxis, b: ValueAxis): [ValueAxis, ValueAxis] {
  const steps = Math.max(a.steps, b.steps);
  const widen = (x: ValueAxis): ValueAxis => ({ step: x.step, steps, max: round(steps * x.step, x.step) });
  return [widen(a), widen(b)];
}

/** The tick values of an axis: 0, step, 2·step ... max, without floating-point dust. */
export function axisTicks(axis: ValueAxis): number[] {
  return Array.from({ length: axis.steps + 1 }, (_, i) => round(i * axis.step, axis.step));
}

/** Enough decimals to tell the ticks of this step apart, no more (0.25 → 2, 0.5 → 1, 5 → 0). */
export function stepDecimals(step: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  return 6;
}

function round(v: number, step: number): number {
  return Number(v.toFixed(stepDecimals(step)));
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Time steps a person reads easily. */
export const TIME_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

export interface TimeTicks {
  step: number;
  ticks: number[];
  /** what the labels must show to tell these ticks apart */
  unit: 'second' | 'minute' | 'day';
}

/**
 * Ticks on round local times within [t0, t1], at most `maxTicks` of them (at least 2 when the
 * span allows one step). `offsetMinutes(t)` is the local zone's offset from UTC at t in minutes
 * east (the negative of Date#getTimezoneOffset), so that hours and days fall on the local clock.
 */
export function timeTicks(t0: number, t1: number, maxTicks: number, offsetMinutes: (t: number) => number = () => 0): TimeTicks {
  const limit = Math.max(2, maxTicks);
  const off = offsetMinutes(t0) * MINUTE;
  // Local clock time as if it were UTC, rounded up to the step, then back.
  const at = (step: number) => {
    const ticks: number[] = [];
    for (let local = Math.ceil((t0 + off) / step) * step; local - off <= t1; local += step) ticks.push(local - off);
    return ticks;
  };
  // The finest step whose ticks fit (counted, not estimated: where they fall decides how many).
  let step = TIME_STEPS.find((s) => (t1 - t0) / s <= limit + 1 && at(s).length <= limit);
  if (step === undefined) step = Math.ceil(Math.max(t1 - t0, 1) / (limit - 1) / DAY) * DAY;
  const ticks = at(step);
  const unit = step < MINUTE ? 'second' : step < DAY ? 'minute' : 'day';
  return { step, ticks, unit };
}

/** The local zone's offset east of UTC at t, in minutes (browser and Node alike). */
export function localOffsetMinutes(t: number): number {
  return -new Date(t).getTimezoneOffset();
}
