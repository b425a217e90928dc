// Migration: a sampled value is stored once however often a charger sends it (issue 10,
// durability). Valid on SQLite and PostgreSQL alike. Never edit it once released; add a new one.
//
// A charger resends a MeterValues (or a StopTransaction with transactionData) that it sent but
// never saw answered: we crashed, or the connection dropped, between our COMMIT and its
// CALLRESULT (OCPP 1.6 §3.1.4/§4.7). Each resend used to add the same rows again. Now the
// rows are keyed by what identifies a sample: its transaction (or, without one, its station),
// connector, timestamp, measurand, phase, location, context, unit, format and value, and the
// insert is INSERT ... ON CONFLICT DO NOTHING (store.ts). Not in the key: `source` (the same
// reading sent as a MeterValues and again in the StopTransaction's transactionData is one
// reading, kept as it first arrived) and `received_at`.
//
// - meter_values_sample_uq replaces meter_values_transaction_idx (transaction_id): it leads
//   with transaction_id, so every lookup by transaction uses it as before (and reads a
//   transaction's values in timestamp order), and a MeterValues' rows land next to each other
//   in it (same transaction, same timestamp): no extra index page per insert, only wider keys.
//   Rows without a transaction are in it too, never in conflict (NULLs are distinct).
// - meter_values_untracked_sample_uq keys the rows without a transaction by station, partial
//   (few rows: connector 0, values outside a transaction).
// - phase may be NULL, and NULLs never conflict: the key holds coalesce(phase, ''), which no
//   valid phase equals. On PostgreSQL the key holds md5(value) rather than value: a btree entry
//   must fit in a third of a page (~2.7 kB) and a SignedData value (OCMF) has no length bound.
//
// Rows stored twice before this migration are reduced to the first copy (lowest id) before the
// indexes are created. down() restores the old index; the deleted copies stay deleted.
import { sql } from 'kysely';
import type { Kysely, Migration, RawBuilder } from 'kysely';
import { dialectOf, type DialectName } from './ddl.ts';

const SAMPLE_INDEX = 'meter_values_sample_uq';
const UNTRACKED_INDEX = 'meter_values_untracked_sample_uq';
const OLD_TRANSACTION_INDEX = 'meter_values_transaction_idx';

/** The key columns after the leading transaction_id / station_id, as index expressions. */
function sampleKey(dialect: DialectName): RawBuilder<unknown> {
  const value = dialect === 'postgres' ? sql`md5("value")` : sql`"value"`;
  return sql`"timestamp", connector_id, measurand, coalesce(phase, ''), "location", context, unit, format, ${value}`;
}

/** `d` is the same sample as the outer meter_values row (the comparison the indexes make). */
const SAME_SAMPLE = sql`d."timestamp" = meter_values."timestamp"
  and d.connector_id = meter_values.connector_id
  and d.measurand = meter_values.measurand
  and coalesce(d.phase, '') = coalesce(meter_values.phase, '')
  and d.location = meter_values.location
  and d.context = meter_values.context
  and d.unit = meter_values.unit
  and d.format = meter_values.format
  and d."value" = meter_values."value"
  and d.id < meter_values.id`;

export const migration: Migration = {
  async up(db: Kysely<any>) {
    const dialect = dialectOf(db);
    // Keep the first copy of each sample. Both lookups go through an index (the transaction's
    // rows, or the station's rows without one), not a scan of the table per row.
    await sql`delete from meter_values where transaction_id is not null and exists (
      select 1 from meter_values d where d.transaction_id = meter_values.transaction_id and ${SAME_SAMPLE})`.execute(db);
    await sql`delete from meter_values where transaction_id is null and exists (
      select 1 from meter_values d where d.transaction_id is null and d.station_id = meter_values.station_id and ${SAME_SAMPLE})`.execute(db);
    await db.schema.dropIndex(OLD_TRANSACTION_INDEX).execute();
    await sql`create unique index ${sql.id(SAMPLE_INDEX)} on meter_values (transaction_id, ${sampleKey(dialect)})`.execute(db);
    await sql`create unique index ${sql.id(UNTRACKED_INDEX)} on meter_values (station_id, ${sampleKey(dialect)}) where transaction_id is null`.execute(db);
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex(UNTRACKED_INDEX).execute();
    await db.schema.dropIndex(SAMPLE_INDEX).execute();
    await db.schema.createIndex(OLD_TRANSACTION_INDEX).on('meter_values').column('transaction_id').execute();
  },
};
