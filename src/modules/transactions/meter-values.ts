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
  where: { stationId: string; connectorId: number; transactionId: number | null; source: 'MeterValues' | 'StopTransaction'; receivedAt: string },
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
