// Turns a session's meter values into the series the chart draws: energy delivered (kWh since
// the start) and power (kW), reported by the charger or else derived from the energy steps.
import type { MeterValue, TransactionDetail } from '../api/types.ts';

export interface Point {
  t: number;
  v: number;
}

const ENERGY = 'Energy.Active.Import.Register';
const POWER = 'Power.Active.Import';

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

export function chartSeries(tx: TransactionDetail): { energy: Point[]; power: Point[]; powerDerived: boolean } {
  const wh = (v: number, unit: string) => (unit === 'kWh' ? v * 1000 : v);
  const w = (v: number, unit: string) => (unit === 'kW' ? v * 1000 : v);
  const start = new Date(tx.startTimestamp).getTime();
  const readings = series(tx.meterValues, ENERGY, wh).filter((p) => p.t >= start - 60_000);
  const energy: Point[] = [{ t: start, v: 0 }];
  for (const p of readings) if (p.t > start) energy.push({ t: p.t, v: (p.v - tx.meterStartWh) / 1000 });
  if (tx.stopTimestamp && tx.meterStopWh !== null) {
    const stop = new Date(tx.stopTimestamp).getTime();
    if (!energy.some((p) => p.t === stop)) energy.push({ t: stop, v: (tx.meterStopWh - tx.meterStartWh) / 1000 });
  }
  energy.sort((a, b) => a.t - b.t);
  let power = series(tx.meterValues, POWER, w).map((p) => ({ t: p.t, v: p.v / 1000 }));
  let powerDerived = false;
  if (power.length === 0 && energy.length > 1) {
    powerDerived = true;
    power = [];
    for (let i = 1; i < energy.length; i++) {
      const hours = (energy[i].t - energy[i - 1].t) / 3_600_000;
      // The average over an interval is drawn from its start, held until the next one starts.
      if (hours > 0) power.push({ t: energy[i - 1].t, v: Math.max(0, (energy[i].v - energy[i - 1].v) / hours) });
    }
    if (power.length) power.push({ t: energy[energy.length - 1].t, v: power[power.length - 1].v });
  }
  return { energy, power, powerDerived };
}
