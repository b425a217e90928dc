// The transactions report: one row per transaction started in a time range, as CSV or as a
// JSON array, produced while the rows are read (keyset chunks from the transactions service),
// so that a year of transactions never sits in memory.
import { Readable, pipeline } from 'node:stream';
import { csvWriter } from '../../http/csv.ts';
import type { Transaction } from '../../db/schema.ts';
import { sessionEnergy, whToKWh } from '../transactions/energy.ts';

export const REPORT_COLUMNS = ['transactionId', 'stationId', 'connectorId', 'idTag', 'startTimestamp', 'stopTimestamp', 'energyKWh', 'durationSeconds', 'stopReason'] as const;

export interface ReportRow {
  transactionId: number;
  stationId: string;
  connectorId: number;
  idTag: string;
  startTimestamp: string;
  /** null while the transaction runs: energy and duration are then null too */
  stopTimestamp: string | null;
  /** kWh with exactly three decimals, as a string: never a float in an energy export */
  energyKWh: string | null;
  durationSeconds: number | null;
  stopReason: string | null;
}

export function toReportRow(t: Transaction): ReportRow {
  const stopped = t.stop_timestamp !== null && t.meter_stop !== null;
  return {
    transactionId: Number(t.id),
    stationId: t.station_id,
    connectorId: t.connector_id,
    idTag: t.id_tag,
    startTimestamp: t.start_timestamp,
    stopTimestamp: t.stop_timestamp,
    energyKWh: stopped ? whToKWh(sessionEnergy(t.meter_start, t.meter_stop).energyWh!) : null,
    durationSeconds: t.stop_timestamp ? Math.max(0, Math.round((Date.parse(t.stop_timestamp) - Date.parse(t.start_timestamp)) / 1000)) : null,
    stopReason: t.stop_reason,
  };
}

function csvCells(r: ReportRow): string[] {
  return [
    String(r.transactionId),
    r.stationId,
    String(r.connectorId),
    r.idTag,
    r.startTimestamp,
    r.stopTimestamp ?? '',
    r.energyKWh ?? '',
    r.durationSeconds === null ? '' : String(r.durationSeconds),
    r.stopReason ?? '',
  ];
}

type OnError = (err: NodeJS.ErrnoException) => void;

/** The rows as CSV with a header line (cells made spreadsheet-safe by csvWriter); backpressure reaches the row source. */
export function reportCsv(rows: AsyncIterable<Transaction>, onError: OnError): Readable {
  const source = Readable.from(
    (async function* () {
      for await (const t of rows) yield csvCells(toReportRow(t));
    })(),
  );
  return pipeline(source, csvWriter(REPORT_COLUMNS), (err) => {
    if (err) onError(err);
  });
}

/** The rows as one JSON array, written element by element. */
export function reportJson(rows: AsyncIterable<Transaction>): Readable {
  return Readable.from(
    (async function* () {
      let first = true;
      yield '[';
      for await (const t of rows) {
        yield `${first ? '\n' : ',\n'}${JSON.stringify(toReportRow(t))}`;
        first = false;
      }
      yield first ? ']\n' : '\n]\n';
    })(),
    { objectMode: false },
  );
}
