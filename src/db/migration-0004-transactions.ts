// Migration for the transactions module's hot paths (issue #4, performance). Valid on SQLite and
// PostgreSQL alike. Never edit it once released; add a new one.
//
// meter_values had two secondary indexes over every row: (transaction_id) and
// (station_id, timestamp). Every MeterValues inserts into a different place of each (one
// station's transaction among thousands), so each dirtied a leaf page of both, and the WAL
// pages of a group commit (SQLite) were mostly those leaves: in the steady-state benchmark
// (2,000 stations, ~50 MeterValues per COMMIT) the second index doubled the pages written per
// COMMIT and the cost of the COMMIT and its checkpoints.
//
// Every query of a meter value reaches it through its transaction (a transaction's values,
// the latest register reading of running transactions) except the latest values of a
// station. A value that has a transaction_id always has its transaction's station_id (the
// transactions module links a value only to a transaction of the sending station), so a
// station's values are those of its transactions (transactions_station_stop_idx, then
// meter_values_transaction_idx) plus those without a transaction. Only the latter still need
// an index by station: the index keeps its name and columns and now covers only them (values of
// connector 0, errata 3.16; values sent outside a transaction), which are few in steady state.
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

const STATION_INDEX = 'meter_values_station_timestamp_idx';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropIndex(STATION_INDEX).execute();
    await db.schema
      .createIndex(STATION_INDEX)
      .on('meter_values')
      .columns(['station_id', 'timestamp'])
      .where(sql.ref('transaction_id'), 'is', null)
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex(STATION_INDEX).execute();
    await db.schema.createIndex(STATION_INDEX).on('meter_values').columns(['station_id', 'timestamp']).execute();
  },
};
