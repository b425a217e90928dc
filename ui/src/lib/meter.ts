// Turns a session's meter values into the series the chart draws: energy delivered (kWh since
// the start), power (kW) reported by the charger or else derived from the energy steps, and the
// vehicle's state of charge (%) when the charger reports it. Everything is clipped to the
// session: from its start to its stop (or, while it runs, to its latest reading).
import type { MeterValue, TransactionDetail } from '../api/types.ts';

export interface Point {
  t: number;
  v: number;
}

export interface ChartSeries {
  energy: Point[];
  power: Point[];
  powerDerived: boolean;
  soc: Point[];
  /** the time axis: the session's start to its stop (or latest reading) */
  t0: number;
  t1: number;
  /** the session is over and lasted less than MIN_CHART_SPAN_MS: nothing worth a chart */
  tooShort: boolean;
}

const ENERGY = 'Energy.Active.Import.Register';
const POWER = 'Power.Active.Import';
const SOC = 'SoC';

/** Below this span a chart says nothing (a 23 ms session is one vertical line). */
export const MIN_CHART_SPAN_MS = 1000;
/**
 * Power derived from energy is averaged over intervals at least this long: a register counts
 * whole Wh (or tens), so 1 Wh over 23 ms would read as 157 kW. Shorter intervals are merged
 * with the next ones.
 */
export const MIN_DERIVE_INTERVAL_MS = 10_000;
/** An active session's axis spans at least this much, so its first minutes do not fill the width. */
const MIN_ACTIVE_SPAN_MS = 60_000;

function numeric(m: MeterValue): number | null {
  if (m.format === 'SignedData') return null;
  const v = Number(m.value);
  return Number.isFinite(v) ? v : null;
}

/** One reading per timestamp: the total (no phase) at the outlet if present, else the sum of the phases. */
function series(values: MeterValue[], measurand: string, toBase: (v: number, unit: string) => number): Point[] {
  const byTime = new Map<number, { total: number | null; phases: number }>();
  for (const m of values) {
    if (m.measurand !== measurand) continue;
    const v = numeric(m);
    if (v === null) continue;
    const t = new Date(m.timestamp).getTime();
    if (!Number.isFinite(t)) continue;
    const e = byTime.get(t) ?? { total: null, phases: 0 };
    if (m.phase === null || m.phase === 'N') {
      if (m.phase === null) e.total = toBase(v, m.unit);
    } else if (!m.phase.includes('-')) {
      e.phases += toBase(v, m.unit);
    }
    byTime.set(t, e);
  }
  return [...byTime.entries()].map(([t, e]) => ({ t, v: e.total ?? e.phases })).sort((a, b) => a.t - b.t);
}

/** Average power (kW) over intervals of at least minMs, each drawn from its start and held to its end. */
export function derivePower(energy: Point[], minMs = MIN_DERIVE_INTERVAL_MS): Point[] {
  const cuts: Point[] = [];
  for (const p of energy) {
    if (cuts.length === 0 || p.t - cuts[cuts.length - 1].t >= minMs) cuts.push(p);
    // A tail shorter than the minimum joins the last interval.
    else if (cuts.length > 1 && p === energy[energy.length - 1]) cuts[cuts.length - 1] = p;
  }
  const power: Point[] = [];
  for (let i = 1; i < cuts.length; i++) {
    const hours = (cuts[i].t - cuts[i - 1].t) / 3_600_000;
    power.push({ t: cuts[i - 1].t, v: Math.max(0, (cuts[i].v - cuts[i - 1].v) / hours) });
  }
  if (power.length) power.push({ t: cuts[cuts.length - 1].t, v: power[power.length - 1].v });
  return power;
}

export function chartSeries(tx: TransactionDetail): ChartSeries {
  const wh = (v: number, unit: string) => (unit === 'kWh' ? v * 1000 : v);
  const w = (v: number, unit: string) => (unit === 'kW' ? v * 1000 : v);
  const start = new Date(tx.startTimestamp).getTime();
  const stop = tx.stopTimestamp ? new Date(tx.stopTimestamp).getTime() : null;
  const within = (p: Point) => p.t >= start && (stop === null || p.t <= stop);

  const energy: Point[] = [{ t: start, v: 0 }];
  for (const p of series(tx.meterValues, ENERGY, wh)) if (p.t > start && within(p)) energy.push({ t: p.t, v: (p.v - tx.meterStartWh) / 1000 });
  if (stop !== null && tx.meterStopWh !== null && stop > start) {
    const last = { t: stop, v: (tx.meterStopWh - tx.meterStartWh) / 1000 };
    const i = energy.findIndex((p) => p.t === stop);
    if (i >= 0) energy[i] = last;
    else energy.push(last);
  }
  energy.sort((a, b) => a.t - b.t);

  const latest = Math.max(start, ...tx.meterValues.map((m) => new Date(m.timestamp).getTime()).filter(Number.isFinite));
  const t1 = stop ?? Math.max(latest, start + MIN_ACTIVE_SPAN_MS);
  // A running session grows into its axis; a finished one this short has nothing to show.
  const tooShort = stop !== null && stop - start < MIN_CHART_SPAN_MS;

  // Reported power is drawn as the charger said it, held until the next reading and to the end.
  let power = series(tx.meterValues, POWER, w)
    .filter(within)
    .map((p) => ({ t: p.t, v: p.v / 1000 }));
  let powerDerived = false;
  if (power.length === 0) {
    powerDerived = true;
    power = derivePower(energy);
  } else if (stop !== null && power[power.length - 1].t < stop) {
    power.push({ t: stop, v: power[power.length - 1].v });
  }

  const soc = series(tx.meterValues, SOC, (v) => v)
    .filter(within)
    .map((p) => ({ t: p.t, v: Math.min(100, Math.max(0, p.v)) }));

  return { energy, power, powerDerived, soc, t0: start, t1, tooShort };
}
