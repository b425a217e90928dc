// Migration 0004_transactions: meter_values is indexed by station only for the values without a
// transaction; down() restores the index over every row. Both dialects, with rows in the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { createMigrator, migrateToLatest } from '../../src/db/migrations.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

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
  assert.deepEqual(down.results?.map((r) => [r.migrationName, r.direction, r.status]), [['0004_transactions', 'Down', 'Success']]);
  const whole = await stationIndexDefinition(k);
  assert.match(whole, /\(station_id, timestamp\)/);
  assert.doesNotMatch(whole, /where/);

  assert.deepEqual(await migrateToLatest(k), ['0004_transactions']);
  assert.match(await stationIndexDefinition(k), /where \(?transaction_id is null\)?/);
  assert.deepEqual((await k.selectFrom('meter_values').select('value').orderBy('id').execute()).map((r) => r.value), ['a', 'b'], 'the rows are kept');
});
