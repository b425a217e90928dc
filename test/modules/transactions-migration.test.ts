// Migration 0004_transactions: meter_values is indexed by station only for the values without a
// transaction; down() restores the index over every row. Migration 0005_meter_values_unique:
// one row per sample, duplicates stored earlier removed. Both dialects, with rows in the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { createMigrator, migrateToLatest, migrations } from '../../src/db/migrations.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

/** The migrations after `name`, in the order they apply (later issues add their own). */
const after = (name: string) => Object.keys(migrations).sort().filter((n) => n > name);

/** The definition of meter_values_station_timestamp_idx, lower-cased, as the database reports it. */
async function stationIndexDefinition(db: Kysely<any>): Promise<string> {
  const q =
    dbLabel() === 'sqlite'
      ? sql<{ def: string }>`select sql as def from sqlite_master where type = 'index' and name = 'meter_values_station_timestamp_idx'`
      : sql<{ def: string }>`select indexdef as def from pg_indexes where schemaname = current_schema() and indexname = 'meter_values_station_timestamp_idx'`;
  const rows = (await q.execute(db)).rows;
  assert.equal(rows.length, 1, 'the index exists');
  return rows[0].def.toLowerCase().replaceAll('"', '');
}

test(`[${dbLabel()}] 0004_transactions: the station index covers only values without a transaction; down() restores it whole`, async (t) => {
  const { db } = await openTestDb(t);
  const k = db.kysely as Kysely<any>;
  const row = (transactionId: number | null, value: string) => ({
    station_id: 'CP-MIG', connector_id: transactionId === null ? 0 : 1, transaction_id: transactionId, source: 'MeterValues', timestamp: '2026-11-21T10:00:00.000Z',
    value, measurand: 'Energy.Active.Import.Register', phase: null, unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet', format: 'Raw', received_at: '2026-11-21T10:00:01.000Z',
  });
  await db.write((trx) => trx.insertInto('meter_values').values([row(1, 'a'), row(null, 'b')]).execute());

  const latest = await stationIndexDefinition(k);
  assert.match(latest, /\(station_id, timestamp\)/);
  assert.match(latest, /where \(?transaction_id is null\)?/);

  const migrator = await createMigrator(k);
  const down = await migrator.migrateTo('0003_smartcharging');
  assert.equal(down.error, undefined);
  assert.deepEqual(down.results?.map((r) => [r.migrationName, r.direction, r.status]), after('0003_smartcharging').reverse().map((n) => [n, 'Down', 'Success']));
  const whole = await stationIndexDefinition(k);
  assert.match(whole, /\(station_id, timestamp\)/);
  assert.doesNotMatch(whole, /where/);

  assert.deepEqual(await migrateToLatest(k), after('0003_smartcharging'));
  assert.match(await stationIndexDefinition(k), /where \(?transaction_id is null\)?/);
  assert.deepEqual((await k.selectFrom('meter_values').select('value').orderBy('id').execute()).map((r) => r.value), ['a', 'b'], 'the rows are kept');
});

async function indexNames(db: Kysely<any>): Promise<string[]> {
  const q =
    dbLabel() === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'meter_values' and sql is not null`
      : sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'meter_values' and indexname <> 'meter_values_pkey'`;
  return (await q.execute(db)).rows.map((r) => r.name).sort();
}

test(`[${dbLabel()}] 0005_meter_values_unique: rows stored twice before it keep their first copy; a sample is unique from then on; down() restores the old index`, async (t) => {
  const { db } = await openTestDb(t);
  const k = db.kysely as Kysely<any>;
  const migrator = await createMigrator(k);
  assert.equal((await migrator.migrateTo('0004_transactions')).error, undefined);
  const row = (o: { tx: number | null; station?: string; phase?: string | null; value?: string; source?: string; ts?: string }) => ({
    station_id: o.station ?? 'CP-DUP', connector_id: o.tx === null ? 0 : 1, transaction_id: o.tx, source: o.source ?? 'MeterValues', timestamp: o.ts ?? '2026-11-21T10:00:00.000Z',
    value: o.value ?? '100', measurand: 'Energy.Active.Import.Register', phase: o.phase ?? null, unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet', format: 'Raw', received_at: '2026-11-21T10:00:01.000Z',
  });
  const before = [
    row({ tx: 1 }), // 1 kept
    row({ tx: 1 }), // 2 copy
    row({ tx: 1, source: 'StopTransaction' }), // 3 copy (the same reading in transactionData)
    row({ tx: 1, phase: 'L1' }), // 4 kept
    row({ tx: 1, phase: 'L1' }), // 5 copy
    row({ tx: 1, value: '101' }), // 6 kept: another value
    row({ tx: 2 }), // 7 kept: another transaction
    row({ tx: null }), // 8 kept
    row({ tx: null }), // 9 copy
    row({ tx: null, station: 'CP-OTHER' }), // 10 kept: another station
    row({ tx: 1, ts: '2026-11-21T10:00:10.000Z' }), // 11 kept: another time
  ];
  await db.write((trx) => trx.insertInto('meter_values').values(before).execute());
  const ids = async () => (await k.selectFrom('meter_values').select('id').orderBy('id').execute()).map((r) => Number(r.id));
  const first = (await ids())[0];
  assert.deepEqual(await migrateToLatest(k), after('0004_transactions'));
  assert.deepEqual((await ids()).map((id) => id - first + 1), [1, 4, 6, 7, 8, 10, 11]);
  assert.deepEqual(await indexNames(k), ['meter_values_sample_uq', 'meter_values_station_timestamp_idx', 'meter_values_untracked_sample_uq']);
  await assert.rejects(db.write((trx) => trx.insertInto('meter_values').values(row({ tx: 1 })).execute()), 'the unique index holds');
  await assert.rejects(db.write((trx) => trx.insertInto('meter_values').values(row({ tx: null })).execute()), 'also without a transaction');

  const down = await migrator.migrateTo('0004_transactions');
  assert.equal(down.error, undefined);
  assert.deepEqual(await indexNames(k), ['meter_values_station_timestamp_idx', 'meter_values_transaction_idx']);
  await db.write((trx) => trx.insertInto('meter_values').values(row({ tx: 1 })).execute());
  assert.equal((await ids()).length, 8, 'without the index a copy is accepted again');
});
