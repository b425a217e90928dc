// Energy arithmetic without floating point: meter registers are integer Wh, readings are the
// decimal strings the charger sent (OCPP 1.6 §7.46 SampledValue.value), exports show kWh as
// decimal strings. A float would turn 1.0005 kWh into 1000.4999... Wh.
import type { MeterValueRow } from '../../db/schema.ts';

export const ENERGY_REGISTER = 'Energy.Active.Import.Register';

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * A decimal string scaled by 10^shift and rounded half away from zero, exactly. null when the
 * text is not a plain decimal or the result is not a safe integer.
 */
export function scaleDecimal(text: string, shift: number): number | null {
  const m = DECIMAL.exec(text.trim());
  if (!m || (!m[2] && !m[3])) return null;
  const [, sign, intPart, fracPart = ''] = m;
  const digits = (intPart || '0') + fracPart.padEnd(shift, '0').slice(0, shift);
  let n = Number(digits) + ((fracPart[shift] ?? '0') >= '5' ? 1 : 0);
  if (!Number.isSafeInteger(n)) return null;
  if (sign === '-' && n !== 0) n = -n;
  return n;
}

/**
 * The energy of a session from its start and end register readings (Wh). A register that went
 * backwards (meter replaced, reset, a faulty reading) gives 0, never negative energy, and
 * `meterAnomaly` flags it for the operator. Unknown end -> energy null.
 */
export function sessionEnergy(startWh: number, endWh: number | null): { energyWh: number | null; meterAnomaly: boolean } {
  if (endWh === null) return { energyWh: null, meterAnomaly: false };
  return endWh < startWh ? { energyWh: 0, meterAnomaly: true } : { energyWh: endWh - startWh, meterAnomaly: false };
}

/** An energy register reading in whole Wh (unit Wh or kWh), or null if it is not one we can read. */
export function readingToWh(value: string, unit: string): number | null {
  if (unit === 'Wh') return scaleDecimal(value, 0);
  if (unit === 'kWh') return scaleDecimal(value, 3);
  return null;
}

/** Integer Wh as a kWh decimal string with exactly three decimals: 12345 -> "12.345". */
export function whToKWh(wh: number): string {
  const abs = Math.abs(wh);
  return `${wh < 0 ? '-' : ''}${Math.trunc(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/**
 * Whether a stored reading is the charger's total import register (not a single phase, not a
 * signed blob): the one energy of a running transaction is computed from.
 */
export function isTotalEnergyReading(m: Pick<MeterValueRow, 'measurand' | 'phase' | 'format' | 'unit'>): boolean {
  return m.measurand === ENERGY_REGISTER && m.phase === null && m.format === 'Raw' && (m.unit === 'Wh' || m.unit === 'kWh');
}

/** The latest total register reading among `rows` (by timestamp, then arrival), in Wh. */
export function latestRegisterWh(rows: Array<Pick<MeterValueRow, 'id' | 'timestamp' | 'value' | 'measurand' | 'phase' | 'format' | 'unit'>>): number | null {
  let best: (typeof rows)[number] | null = null;
  for (const r of rows) {
    if (!isTotalEnergyReading(r)) continue;
    if (!best || r.timestamp > best.timestamp || (r.timestamp === best.timestamp && Number(r.id) > Number(best.id))) best = r;
  }
  return best ? readingToWh(best.value, best.unit) : null;
}
