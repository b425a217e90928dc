// The session chart's arithmetic, run by Node straight from the dashboard's sources (ui/src/lib is
// kept free of browser APIs for this): nice axis steps, time ticks a short session can read, and
// series clipped to the session with no power spikes from tiny intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignAxes, axisTicks, niceStep, timeTicks, valueAxis } from '../../ui/src/lib/scale.ts';
import { chartSeries, derivePower, MIN_DERIVE_INTERVAL_MS } from '../../ui/src/lib/meter.ts';
import { fmtTicks } from '../../ui/src/lib/format.ts';
import type { MeterValue, TransactionDetail } from '../../ui/src/api/types.ts';

const NICE = /^(1|2|2\.5|5)$/;
const mantissa = (step: number) => String(Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(6)));

test('value axes step by 1, 2, 2.5 or 5 × 10^k and cover the maximum', () => {
  for (const max of [0.001, 0.0173, 0.63, 1.25, 1.88, 2.5, 3.3, 7.2, 11, 22, 57.3, 149, 350, 2999]) {
    const axis = valueAxis(max);
    assert.match(mantissa(axis.step), NICE, `step ${axis.step} for ${max}`);
    assert.ok(axis.max >= max, `axis to ${axis.max} covers ${max}`);
    assert.ok(axis.steps <= 5 && axis.max - axis.step < max, `no empty interval on top (${max} → ${axis.max} by ${axis.step})`);
    for (const v of axisTicks(axis)) assert.equal(v, Number((Math.round(v / axis.step) * axis.step).toFixed(6)), `tick ${v} is a multiple of ${axis.step}`);
  }
  assert.equal(niceStep(0.3), 0.5);
  assert.equal(niceStep(0.25), 0.25);
  assert.deepEqual(axisTicks(valueAxis(1.88)), [0, 0.5, 1, 1.5, 2]);
  // Two axes side by side get the same number of intervals (shared grid lines), each step still nice.
  const [e, p] = alignAxes(valueAxis(1.25), valueAxis(11));
  assert.equal(e.steps, p.steps);
  assert.match(mantissa(e.step), NICE);
  assert.match(mantissa(p.step), NICE);
  assert.ok(e.max >= 1.25 && p.max >= 11);
});

test('a few-minute session gets distinct time labels, with seconds when the step is under a minute', () => {
  const t0 = Date.UTC(2026, 11, 3, 22, 2, 7, 412);
  for (const [minutes, maxTicks] of [[3, 8], [3, 3], [0.5, 8], [0.05, 8], [12, 8], [47, 8], [190, 8], [60 * 30, 8], [60 * 30, 4], [60 * 80, 8], [60 * 24 * 9, 8]] as const) {
    const t1 = t0 + minutes * 60_000;
    const { ticks, unit, step } = timeTicks(t0, t1, maxTicks);
    assert.ok(ticks.length >= 2 && ticks.length <= maxTicks, `${minutes} min: ${ticks.length} ticks`);
    assert.ok(ticks.every((t) => t >= t0 && t <= t1), `${minutes} min: ticks within the span`);
    assert.ok(ticks.every((t) => t % step === 0), `${minutes} min: ticks on round times`);
    const labels = fmtTicks(ticks, unit).map((l) => `${l.time} ${l.date ?? ''}`);
    assert.equal(new Set(labels).size, labels.length, `${minutes} min: distinct labels ${labels.join(', ')}`);
  }
  assert.equal(timeTicks(t0, t0 + 3 * 60_000, 8).unit, 'second');
  assert.equal(timeTicks(t0, t0 + 47 * 60_000, 8).unit, 'minute');
  // Hours fall on the local clock: New York (UTC-5) sees ticks at whole local hours.
  const ny = timeTicks(t0, t0 + 10 * 3_600_000, 6, () => -300);
  assert.equal(ny.step, 2 * 3_600_000);
  assert.ok(ny.ticks.every((t) => (t - 5 * 3_600_000) % (2 * 3_600_000) === 0));
});

let mvId = 0;
function mv(timestamp: number, measurand: string, value: number, unit: string): MeterValue {
  return {
    id: ++mvId, connectorId: 1, timestamp: new Date(timestamp).toISOString(), value: String(value), measurand, phase: null, unit,
    context: 'Sample.Periodic', location: 'Outlet', format: 'Raw', source: 'charger', receivedAt: new Date(timestamp).toISOString(),
  };
}

function tx(start: number, stop: number | null, meterStartWh: number, meterStopWh: number | null, meterValues: MeterValue[]): TransactionDetail {
  return {
    id: 1, stationId: 'CP-1', connectorId: 1, idTag: 'T', startIdTagStatus: 'Accepted', reservationId: null, meterStartWh,
    startTimestamp: new Date(start).toISOString(), meterStopWh, stopTimestamp: stop === null ? null : new Date(stop).toISOString(),
    stopReason: null, stopIdTag: null, active: stop === null, energyWh: meterStopWh === null ? null : meterStopWh - meterStartWh,
    meterAnomaly: false, durationSeconds: Math.round(((stop ?? start) - start) / 1000),
    chargerTransactionId: '1', ocppVersion: '1.6', evseId: 1, chargingState: null, remoteStartId: null, idTokenType: null, meterValues, events: [],
  };
}

const START = Date.UTC(2026, 11, 3, 14, 0, 0);
const E = 'Energy.Active.Import.Register';

test('series stop at the stop time: readings after it (or before the start) are not drawn', () => {
  const stop = START + 3 * 60_000;
  const values = [
    mv(START - 30_000, E, 999, 'Wh'),
    mv(START + 60_000, E, 1200, 'Wh'),
    mv(START + 120_000, E, 1400, 'Wh'),
    mv(START + 120_000, 'Power.Active.Import', 11000, 'W'),
    mv(stop + 60_000, E, 1900, 'Wh'),
    mv(stop + 60_000, 'Power.Active.Import', 7000, 'W'),
    mv(stop + 60_000, 'SoC', 90, 'Percent'),
  ];
  const s = chartSeries(tx(START, stop, 1000, 1600, values));
  assert.equal(s.t0, START);
  assert.equal(s.t1, stop);
  for (const series of [s.energy, s.power, s.soc]) assert.ok(series.every((p) => p.t >= START && p.t <= stop), JSON.stringify(series));
  assert.deepEqual(s.energy.at(-1), { t: stop, v: 0.6 });
  // The last reported power holds to the stop, not beyond.
  assert.deepEqual(s.power.map((p) => p.t), [START + 120_000, stop]);
  assert.equal(s.power.at(-1)!.v, 11);
});

test('a 23 ms session is too short to chart, and tiny intervals never derive absurd power', () => {
  const s = chartSeries(tx(START, START + 23, 1000, 1001, [mv(START + 23, E, 1001, 'Wh')]));
  assert.equal(s.tooShort, true);
  assert.ok(s.power.every((p) => p.v < 50), `no power spike: ${JSON.stringify(s.power)}`);

  // Readings 200 ms apart with a 1 Wh register at 7 kW: single intervals would read 0 or 18 kW.
  const values: MeterValue[] = [];
  let wh = 1000;
  for (let ms = 200; ms <= 60_000; ms += 200) {
    const exact = 1000 + (7000 * ms) / 3_600_000;
    wh = Math.floor(exact);
    values.push(mv(START + ms, E, wh, 'Wh'));
  }
  const long = chartSeries(tx(START, START + 60_000, 1000, wh, values));
  assert.equal(long.tooShort, false);
  assert.equal(long.powerDerived, true);
  assert.ok(long.power.length >= 2);
  for (const p of long.power) assert.ok(p.v > 5 && p.v < 9, `derived power ${p.v} kW stays near 7 kW`);
  for (let i = 1; i < long.power.length - 1; i++) assert.ok(long.power[i].t - long.power[i - 1].t >= MIN_DERIVE_INTERVAL_MS);
  // A span shorter than one interval derives nothing rather than a guess.
  assert.deepEqual(derivePower([{ t: 0, v: 0 }, { t: 2000, v: 0.001 }]), []);
});

test('a state of charge reported by the charger becomes a 0–100 series', () => {
  const values = [mv(START + 60_000, 'SoC', 41, 'Percent'), mv(START + 120_000, 'SoC', 44, 'Percent'), mv(START + 120_000, E, 1500, 'Wh')];
  const s = chartSeries(tx(START, null, 1000, null, values));
  assert.deepEqual(s.soc, [{ t: START + 60_000, v: 41 }, { t: START + 120_000, v: 44 }]);
  assert.deepEqual(chartSeries(tx(START, null, 1000, null, values.slice(2))).soc, []);
});
