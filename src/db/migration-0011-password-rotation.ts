// Migration for the credential flows of the stations module (issue 11: password rotation and
// security profile upgrade, src/modules/stations/rotation.ts, ADR 0012). Valid on SQLite and
// PostgreSQL alike. Never edit it once released; add a new one.
//
// One row per flow, kept as the station's history of credential changes. A password rotation
// holds the new password's scrypt hash (never the password) in pending_password_hash while it
// is open: the charger may connect with it, beside the current one, until it has reconnected
// with it (then it becomes stations.password_hash and the column is cleared) or the flow ends
// without it (Rejected, NotSupported, failed, superseded: cleared too).
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await addIdColumn(db.schema.createTable('security_flows'), dialectOf(db))
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('from_profile', 'integer')
      .addColumn('target_profile', 'integer')
      .addColumn('pending_password_hash', 'text')
      .addColumn('pending_since', 'text')
      .addColumn('charger_status', 'text')
      .addColumn('detail', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .execute();
    await db.schema.createIndex('security_flows_station_idx').on('security_flows').columns(['station_id', 'id']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('security_flows').execute();
  },
};
