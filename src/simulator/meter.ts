// The electrical side of a simulated connector: how much power an EV draws, what the meter
// reads, and the sampled values a real meter would report (OCPP 1.6 §7.43-7.49). Energy is
// integrated over real elapsed time, so the register only ever grows and agrees with power.
import type { OCPP16 } from 'typed-ocpp';
import { between, type Rng } from './random.ts';

export type MeterValue = OCPP16.MeterValuesRequest['meterValue'][number];
export type SampledValue = MeterValue['sampledValue'][number];
export type ReadingContext = NonNullable<SampledValue['context']>;

export interface ConnectorElectrics {
  dc: boolean;
  /** AC: 1 or 3 phases; DC: 1 */
  phases: number;
  /** AC: phase-to-neutral voltage; DC: the battery's nominal voltage */
  voltageV: number;
  /** what the connector's hardware can deliver */
  maxPowerW: number;
}

export interface Ev {
  /** the car's own limit: its on-board charger (AC) or battery (DC) */
  maxPowerW: number;
  batteryWh: number;
  socPercent: number;
  /** the driver leaves (DC) once this is reached */
  targetSocPercent: number;
}

export function randomEv(rng: Rng, electrics: ConnectorElectrics): Ev {
  const batteryWh = Math.round(between(rng, 40, 100)) * 1000;
  const acOnboardW = [3_700, 7_400, 11_000, 22_000][Math.floor(rng() * 4)];
  return {
    maxPowerW: electrics.dc ? Math.round(between(rng, 50, 250)) * 1000 : Math.min(acOnboardW, electrics.maxPowerW),
    batteryWh,
    socPercent: between(rng, 10, 50),
    targetSocPercent: between(rng, 80, 95),
  };
}

/** The power an EV accepts now: DC tapers above 80 % state of charge, everything stops at 100 %. */
export function evDemandW(ev: Ev, dc: boolean): number {
  if (ev.socPercent >= 100) return 0;
  if (!dc || ev.socPercent < 80) return ev.maxPowerW;
  return Math.max(0.1, (100 - ev.socPercent) / 20) * ev.maxPowerW;
}

export function wattsToAmps(w: number, e: ConnectorElectrics): number {
  return w / (e.voltageV * e.phases);
}

export function ampsToWatts(a: number, e: ConnectorElectrics, phases = e.phases): number {
  return a * e.voltageV * (e.dc ? 1 : phases);
}

/** What the meter shows at one instant. */
export interface Reading {
  registerWh: number;
  powerW: number;
  offeredW: number;
  /** null when no EV tells it (AC, or no session) */
  socPercent: number | null;
}

const fixed1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);

/**
 * The sampled values for `measurands` (a MeterValuesSampledData-style list). Per-phase currents
 * and voltages wobble by a percent or two, as real ones do; the register is whole Wh, so
 * meterStart/meterStop (integers) and the samples agree.
 */
export function buildMeterValue(measurands: readonly string[], r: Reading, e: ConnectorElectrics, context: ReadingContext, timestamp: string, rng: Rng): MeterValue {
  const sampledValue: SampledValue[] = [];
  const ctx = context === 'Sample.Periodic' ? {} : { context };
  const phases = e.dc ? [] : e.phases === 3 ? (['L1', 'L2', 'L3'] as const) : (['L1'] as const);
  for (const m of measurands) {
    switch (m) {
      case 'Energy.Active.Import.Register':
        sampledValue.push({ value: String(Math.floor(r.registerWh)), measurand: m, unit: 'Wh', location: 'Outlet', ...ctx });
        break;
      case 'Power.Active.Import':
        sampledValue.push({ value: String(Math.round(r.powerW)), measurand: m, unit: 'W', location: 'Outlet', ...ctx });
        break;
      case 'Power.Offered':
        sampledValue.push({ value: String(Math.round(r.offeredW)), measurand: m, unit: 'W', ...ctx });
        break;
      case 'Current.Import': {
        const amps = wattsToAmps(r.powerW, e);
        if (e.dc) sampledValue.push({ value: fixed1(amps), measurand: m, unit: 'A', location: 'Outlet', ...ctx });
        else for (const phase of phases) sampledValue.push({ value: fixed1(amps * between(rng, 0.98, 1.02)), measurand: m, phase, unit: 'A', location: 'Outlet', ...ctx });
        break;
      }
      case 'Current.Offered':
        sampledValue.push({ value: fixed1(wattsToAmps(r.offeredW, e)), measurand: m, unit: 'A', ...ctx });
        break;
      case 'Voltage':
        if (e.dc) sampledValue.push({ value: fixed1(e.voltageV * between(rng, 0.99, 1.01)), measurand: m, unit: 'V', location: 'Outlet', ...ctx });
        else for (const phase of phases) sampledValue.push({ value: fixed1(e.voltageV * between(rng, 0.98, 1.02)), measurand: m, phase: `${phase}-N`, unit: 'V', location: 'Outlet', ...ctx });
        break;
      case 'Frequency':
        sampledValue.push({ value: (50 + between(rng, -0.05, 0.05)).toFixed(2), measurand: m, ...ctx });
        break;
      case 'Temperature':
        sampledValue.push({ value: fixed1(25 + (r.powerW / Math.max(1, e.maxPowerW)) * 15 + between(rng, -0.5, 0.5)), measurand: m, unit: 'Celsius', location: 'Body', ...ctx });
        break;
      case 'SoC':
        if (r.socPercent !== null) sampledValue.push({ value: String(Math.floor(r.socPercent)), measurand: m, unit: 'Percent', location: 'EV', ...ctx });
        break;
    }
  }
  // A MeterValue needs at least one sampled value (schema minItems 1).
  if (sampledValue.length === 0) sampledValue.push({ value: String(Math.floor(r.registerWh)), measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...ctx });
  return { timestamp, sampledValue };
}
