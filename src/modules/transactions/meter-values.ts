// Flattens OCPP 1.6 MeterValue[] into rows, applying the spec's defaults for omitted fields
// (OCPP 1.6 §7.43: measurand Energy.Active.Import.Register, unit Wh, context Sample.Periodic,
// format Raw, location Outlet). `value` stays the string the charger sent: a decimal for Raw,
// the signed blob for SignedData (Eichrecht/OCMF), never parsed into a float.
import type { NewMeterValue } from '../../db/schema.ts';
import { toIsoTimestamp } from '../../time.ts';

export interface SampledValueIn {
  value: string;
  context?: string;
  format?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

export interface MeterValueIn {
  timestamp: string;
  sampledValue: SampledValueIn[];
}

export function meterValueRows(
  meterValues: MeterValueIn[],
  where: { stationId: string; connectorId: number; transactionId: number | null; source: 'MeterValues' | 'StopTransaction' | 'TransactionEvent'; receivedAt: string },
): NewMeterValue[] {
  const rows: NewMeterValue[] = [];
  for (const mv of meterValues) {
    const timestamp = toIsoTimestamp(mv.timestamp);
    for (const sv of mv.sampledValue) {
      rows.push({
        station_id: where.stationId,
        connector_id: where.connectorId,
        transaction_id: where.transactionId,
        source: where.source,
        timestamp,
        value: sv.value,
        measurand: sv.measurand ?? 'Energy.Active.Import.Register',
        phase: sv.phase ?? null,
        unit: sv.unit ?? 'Wh',
        context: sv.context ?? 'Sample.Periodic',
        location: sv.location ?? 'Outlet',
        format: sv.format ?? 'Raw',
        received_at: where.receivedAt,
      });
    }
  }
  return rows;
}

/** A 2.0.1 SampledValueType (value a number, unitOfMeasure with a power-of-ten multiplier). */
export interface SampledValueIn201 {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  signedMeterValue?: { signedMeterData: string };
  unitOfMeasure?: { unit?: string; multiplier?: number };
}

export interface MeterValueIn201 {
  timestamp: string;
  sampledValue: SampledValueIn201[];
}

/** A decimal text times 10^k, exactly (no float arithmetic): "1.5", 3 -> "1500". */
export function shiftDecimal(text: string, k: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) return text;
  const [, sign, i = '', f = '', e = '0'] = m;
  const shift = k + Number(e);
  let digits = i + f;
  let point = i.length + shift;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, '0');
  const intPart = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fracPart = digits.slice(point).replace(/0+$/, '');
  return `${sign === '-' ? '-' : ''}${intPart}${fracPart ? '.' + fracPart : ''}`;
}

/**
 * 2.0.1 MeterValue[] as 1.6 MeterValueIn[]: the value scaled by its unit's multiplier (the unit
 * then applies as is, Wh by default), a signed value kept as SignedData.
 */
export function from201(meterValues: MeterValueIn201[]): MeterValueIn[] {
  return meterValues.map((mv) => ({
    timestamp: mv.timestamp,
    sampledValue: mv.sampledValue.map((sv) => ({
      value: sv.signedMeterValue ? sv.signedMeterValue.signedMeterData : shiftDecimal(String(sv.value), sv.unitOfMeasure?.multiplier ?? 0),
      format: sv.signedMeterValue ? 'SignedData' : 'Raw',
      ...(sv.context ? { context: sv.context } : {}),
      ...(sv.measurand ? { measurand: sv.measurand } : {}),
      ...(sv.phase ? { phase: sv.phase } : {}),
      ...(sv.location ? { location: sv.location } : {}),
      ...(sv.unitOfMeasure?.unit ? { unit: sv.unitOfMeasure.unit } : {}),
    })),
  }));
}
