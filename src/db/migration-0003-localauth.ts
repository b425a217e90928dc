// Migration for the localauth module (issue #5). Valid on SQLite and PostgreSQL alike: dialect
// differences go through ddl.ts (addIdColumn). Never edit it once released; add a new one.
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    // One row per station whose local authorization list Plugboard manages: the operator's
    // settings, the charger's limits, and what the charger has acknowledged. List versions go
    // to chargers as OCPP integers, hence 'integer' (int4 on PostgreSQL).
    await db.schema
      .createTable('local_list_stations')
      .addColumn('station_id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_values', 'text')
      .addColumn('managed', 'integer', (c) => c.notNull())
      .addColumn('auto_sync', 'integer', (c) => c.notNull())
      .addColumn('omit_differential_deletions', 'integer', (c) => c.notNull())
      .addColumn('list_max_length', 'integer')
      .addColumn('send_max_length', 'integer')
      .addColumn('charger_list_max_length', 'integer')
      .addColumn('charger_send_max_length', 'integer')
      .addColumn('limits_read_at', 'text')
      .addColumn('limits_error', 'text')
      .addColumn('supported', 'integer')
      .addColumn('acknowledged_version', 'integer', (c) => c.notNull())
      .addColumn('acknowledged_at', 'text')
      .addColumn('last_sent_version', 'integer', (c) => c.notNull())
      .addColumn('reported_version', 'integer')
      .addColumn('reported_at', 'text')
      .addColumn('needs_full', 'integer', (c) => c.notNull())
      .addColumn('last_status', 'text')
      .addColumn('last_error', 'text')
      .addColumn('last_sync_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    // What each charger holds as of its acknowledged version.
    await db.schema
      .createTable('local_list_entries')
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('id_tag', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('expiry_date', 'text')
      .addColumn('parent_id_tag', 'text')
      .addPrimaryKeyConstraint('local_list_entries_pk', ['station_id', 'id_tag'])
      .execute();
    // A changed token: which chargers hold it.
    await db.schema.createIndex('local_list_entries_id_tag_idx').on('local_list_entries').column('id_tag').execute();

    // Every SendLocalList sent and its answer, newest kept per station (the store prunes).
    await addIdColumn(db.schema.createTable('local_list_updates'), dialectOf(db))
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('cause', 'text', (c) => c.notNull())
      .addColumn('update_type', 'text', (c) => c.notNull())
      .addColumn('list_version', 'integer', (c) => c.notNull())
      .addColumn('entry_count', 'integer', (c) => c.notNull())
      .addColumn('deletions', 'integer', (c) => c.notNull())
      .addColumn('status', 'text')
      .addColumn('error', 'text')
      .addColumn('sent_at', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text')
      .execute();
    await db.schema.createIndex('local_list_updates_station_idx').on('local_list_updates').columns(['station_id', 'id']).execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['local_list_updates', 'local_list_entries', 'local_list_stations']) await db.schema.dropTable(table).execute();
  },
};
