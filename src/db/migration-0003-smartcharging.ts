// Migration for the smartcharging module (issue #5). Valid on SQLite and PostgreSQL alike: dialect
// differences go through ddl.ts (addIdColumn). Never edit it once released; add a new one.
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    // Plugboard's view of the profiles each station holds, per connector: written when a
    // station accepts a SetChargingProfile (or starts the transaction of a RemoteStart that
    // carried one), removed by ClearChargingProfile, replacement, and the end of a TxProfile's
    // transaction. OCPP integers (profile id, stack level, transaction id) are int4, as chargers hold them.
    await addIdColumn(db.schema.createTable('charging_profiles'), dialectOf(db))
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('connector_id', 'integer', (c) => c.notNull())
      .addColumn('charging_profile_id', 'integer', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('stack_level', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('transaction_id', 'integer')
      .addColumn('valid_from', 'text')
      .addColumn('valid_to', 'text')
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('installed_at', 'text', (c) => c.notNull())
      .execute();
    // A chargingProfileId names one profile on a station (the same id replaces, §5.16).
    await db.schema.createIndex('charging_profiles_station_profile_uq').unique().on('charging_profiles').columns(['station_id', 'charging_profile_id']).execute();

    // ChargeProfileMaxStackLevel & co., read from the station (GetConfiguration) or set by the operator.
    await db.schema
      .createTable('charging_limits')
      .addColumn('station_id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('max_stack_level', 'integer')
      .addColumn('max_periods', 'integer')
      .addColumn('allowed_rate_units', 'text')
      .addColumn('max_profiles_installed', 'integer')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('charging_limits').execute();
    await db.schema.dropTable('charging_profiles').execute();
  },
};
