import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMigrator, migrations } from '../../src/db/migrations.ts';
import { migrateToLatest } from '../../src/db/index.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

// 0016_sessions carries existing (1.6) transactions forward: the charger's id is Plugboard's as
// text, the EVSE is the connector; down() gives the table back as it was, rows kept.
test(`[${dbLabel()}] 0016_sessions: existing transactions become 1.6 sessions, and down() keeps them`, async (t) => {
  const { db } = await openTestDb(t, { migrate: false });
  const without = Object.fromEntries(Object.entries(migrations).filter(([name]) => name !== '0016_sessions'));
  const early = await (await createMigrator(db.kysely, { getMigrations: async () => without })).migrateToLatest();
  assert.equal(early.error, undefined);
  const at = '2026-01-01T00:00:00.000Z';
  for (const [connector, tag] of [[1, 'A'], [2, 'B']] as const) {
    await (db.kysely as any)
      .insertInto('transactions')
      .values({ station_id: 'CP1', connector_id: connector, id_tag: tag, start_id_tag_status: 'Accepted', meter_start: 0, start_timestamp: at, received_start_at: at })
      .execute();
  }
  assert.deepEqual(await migrateToLatest(db.kysely), ['0016_sessions']);
  const rows = await db.kysely.selectFrom('transactions').select(['id', 'external_id', 'evse_id', 'connector_id', 'ocpp_version']).orderBy('id').execute();
  assert.deepEqual(
    rows.map((r) => [r.external_id, r.evse_id, r.ocpp_version]),
    rows.map((r) => [String(r.id), r.connector_id, '1.6']),
  );
  const down = await (await createMigrator(db.kysely)).migrateDown();
  assert.equal(down.error, undefined);
  assert.deepEqual(down.results?.map((r) => r.migrationName), ['0016_sessions']);
  const after = await (db.kysely as any).selectFrom('transactions').selectAll().orderBy('id').execute();
  assert.equal(after.length, 2);
  assert.equal('external_id' in after[0], false);
});
