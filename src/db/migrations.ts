// Migrations as code: one ordered set, valid on SQLite and PostgreSQL alike (ADR 0002).
// Dialect differences go through ddl.ts. A released migration is never edited; add a new one.
//
// No foreign keys between these tables on purpose: they record what chargers said, and a
// charger may report a transaction, status or meter value that refers to something we do not
// know (errata 3.18: transactionId -1; offline messages replayed out of order). A constraint
// violation there would turn a charger's report into an error instead of a stored fact.
import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';
import { migration as firmware } from './migration-0003-firmware.ts';
import { migration as localAuth } from './migration-0003-localauth.ts';
import { migration as reservations } from './migration-0003-reservations.ts';
import { migration as smartCharging } from './migration-0003-smartcharging.ts';
import { migration as transactionsHotPaths } from './migration-0004-transactions.ts';
import { migration as meterValuesUnique } from './migration-0005-meter-values-unique.ts';
import { migration as passwordVerifier } from './migration-0006-password-verifier.ts';
import { migration as certificates } from './migration-0008-certificates.ts';
import { migration as securityEvents } from './migration-0009-security-events.ts';
import { migration as webhookHardening } from './migration-0012-webhook-hardening.ts';
import { migration as signedFirmware } from './migration-0010-signed-firmware.ts';
import { migration as passwordRotation } from './migration-0011-password-rotation.ts';
import { migration as stationVersions } from './migration-0013-station-versions.ts';
import { migration as deviceModel } from './migration-0015-device-model.ts';
import { migration as sessions } from './migration-0016-sessions.ts';
import { migration as tokenTypes } from './migration-0017-token-types.ts';

const initial: Migration = {
  async up(db: Kysely<any>) {
    const dialect = dialectOf(db);

    await db.schema
      .createTable('stations')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('registration_status', 'text', (c) => c.notNull())
      .addColumn('security_profile', 'integer')
      .addColumn('password_hash', 'text')
      .addColumn('vendor', 'text')
      .addColumn('model', 'text')
      .addColumn('charge_point_serial', 'text')
      .addColumn('charge_box_serial', 'text')
      .addColumn('firmware_version', 'text')
      .addColumn('iccid', 'text')
      .addColumn('imsi', 'text')
      .addColumn('meter_type', 'text')
      .addColumn('meter_serial', 'text')
      .addColumn('ocpp_protocol', 'text')
      .addColumn('last_boot_at', 'text')
      .addColumn('last_seen_at', 'text')
      .addColumn('last_connected_at', 'text')
      .addColumn('last_disconnected_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('connector_status')
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('connector_id', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text', (c) => c.notNull())
      .addColumn('info', 'text')
      .addColumn('vendor_id', 'text')
      .addColumn('vendor_error_code', 'text')
      .addColumn('timestamp', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('connector_status_pk', ['station_id', 'connector_id'])
      .execute();

    await addIdColumn(db.schema.createTable('status_history'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('connector_id', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text', (c) => c.notNull())
      .addColumn('info', 'text')
      .addColumn('vendor_id', 'text')
      .addColumn('vendor_error_code', 'text')
      .addColumn('timestamp', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('status_history_station_connector_idx')
      .on('status_history')
      .columns(['station_id', 'connector_id', 'id'])
      .execute();

    await db.schema
      .createTable('id_tags')
      .addColumn('id_tag', 'text', (c) => c.primaryKey().notNull())
      .addColumn('parent_id_tag', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('expiry_date', 'text')
      .addColumn('allow_concurrent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('id_tags_parent_idx').on('id_tags').column('parent_id_tag').execute();

    // Charger-supplied integers (meter registers in Wh, reservation ids) are BIGINT: the OCPP
    // schemas put no bound on them, and a lifetime Wh register outgrows 32 bits.
    await addIdColumn(db.schema.createTable('transactions'), dialect, 'int4')
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('connector_id', 'integer', (c) => c.notNull())
      .addColumn('id_tag', 'text', (c) => c.notNull())
      .addColumn('start_id_tag_status', 'text', (c) => c.notNull())
      .addColumn('reservation_id', 'bigint')
      .addColumn('meter_start', 'bigint', (c) => c.notNull())
      .addColumn('start_timestamp', 'text', (c) => c.notNull())
      .addColumn('meter_stop', 'bigint')
      .addColumn('stop_timestamp', 'text')
      .addColumn('stop_reason', 'text')
      .addColumn('stop_id_tag', 'text')
      .addColumn('received_start_at', 'text', (c) => c.notNull())
      .addColumn('received_stop_at', 'text')
      .execute();
    // A retried StartTransaction (OCPP 1.6 §4.8: the charger resends until it gets a .conf)
    // must map to the same transactionId: INSERT ... ON CONFLICT DO NOTHING against this key.
    await db.schema
      .createIndex('transactions_start_uq')
      .on('transactions')
      .columns(['station_id', 'connector_id', 'start_timestamp', 'id_tag', 'meter_start'])
      .unique()
      .execute();
    await db.schema
      .createIndex('transactions_station_stop_idx')
      .on('transactions')
      .columns(['station_id', 'stop_timestamp'])
      .execute();
    await db.schema
      .createIndex('transactions_open_id_tag_idx')
      .on('transactions')
      .column('id_tag')
      .where(sql.ref('stop_timestamp'), 'is', null)
      .execute();

    await addIdColumn(db.schema.createTable('orphan_stops'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('reported_transaction_id', 'bigint', (c) => c.notNull())
      .addColumn('id_tag', 'text')
      .addColumn('meter_stop', 'bigint', (c) => c.notNull())
      .addColumn('timestamp', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('transaction_data', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('orphan_stops_station_timestamp_idx')
      .on('orphan_stops')
      .columns(['station_id', 'timestamp'])
      .execute();

    await addIdColumn(db.schema.createTable('meter_values'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('connector_id', 'integer', (c) => c.notNull())
      // BIGINT, not a reference: it may hold a reported id that matches no transaction.
      .addColumn('transaction_id', 'bigint')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('measurand', 'text', (c) => c.notNull())
      .addColumn('phase', 'text')
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('context', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('meter_values_transaction_idx').on('meter_values').column('transaction_id').execute();
    await db.schema
      .createIndex('meter_values_station_timestamp_idx')
      .on('meter_values')
      .columns(['station_id', 'timestamp'])
      .execute();

    await addIdColumn(db.schema.createTable('message_log'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('message_type', 'integer', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('action', 'text')
      .addColumn('frame', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('message_log_station_idx').on('message_log').columns(['station_id', 'id']).execute();
    // Retention deletes by age.
    await db.schema.createIndex('message_log_created_at_idx').on('message_log').column('created_at').execute();
  },

  async down(db: Kysely<any>) {
    for (const table of [
      'message_log',
      'meter_values',
      'orphan_stops',
      'transactions',
      'id_tags',
      'status_history',
      'connector_status',
      'stations',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Issue #3: API keys, webhooks and their deliveries, unknown tokens and unknown chargers. */
const api: Migration = {
  async up(db: Kysely<any>) {
    const dialect = dialectOf(db);
    await addIdColumn(db.schema.createTable('api_keys'), dialect)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull().unique())
      .addColumn('key_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();

    await addIdColumn(db.schema.createTable('webhooks'), dialect)
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('station_ids', 'text')
      .addColumn('secret_encrypted', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await addIdColumn(db.schema.createTable('webhook_deliveries'), dialect)
      .addColumn('webhook_id', 'bigint', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text')
      .addColumn('last_attempt_at', 'text')
      .addColumn('response_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_deliveries_webhook_idx').on('webhook_deliveries').columns(['webhook_id', 'id']).execute();
    await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();

    await db.schema
      .createTable('unknown_id_tags')
      .addColumn('id_tag', 'text', (c) => c.primaryKey().notNull())
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_station_id', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();

    await db.schema
      .createTable('unknown_stations')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_remote_address', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();

    // Transaction lists filter by start date and by token.
    await db.schema.createIndex('transactions_start_ts_idx').on('transactions').columns(['start_timestamp', 'id']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('transactions_start_ts_idx').execute();
    for (const table of ['unknown_stations', 'unknown_id_tags', 'webhook_deliveries', 'webhooks', 'api_keys']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Ordered by name; Kysely's Migrator sorts them the same way. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_api': api,
  // Issue #5: one file per module, independent of each other.
  '0003_firmware': firmware,
  '0003_localauth': localAuth,
  '0003_reservations': reservations,
  '0003_smartcharging': smartCharging,
  // Issue #4 (performance): the meter-value indexes of the MeterValues hot path.
  '0004_transactions': transactionsHotPaths,
  // Issue 10 (durability): a resent MeterValues is stored once.
  '0005_meter_values_unique': meterValuesUnique,
  // Issue 11: keyed password verifiers (ADR 0008).
  '0006_password_verifier': passwordVerifier,
  // Issue 11 (security): station certificates, revocations, installed roots.
  '0008_certificates': certificates,
  // Issue 11 (security): security events; GetLog requests beside GetDiagnostics.
  '0009_security_events': securityEvents,
  // Issue 11 (security): signed firmware images and SignedUpdateFirmware.
  '0010_signed_firmware': signedFirmware,
  // Issue 11 (security): password rotation and security profile upgrade flows.
  '0011_password_rotation': passwordRotation,
  // Issue 11 (front door): webhook URL credentials sealed, delivery errors without the receiver's answer.
  '0012_webhook_hardening': webhookHardening,
  // Issue 12 (OCPP 2.0.1): the versions a station may connect with.
  '0013_station_versions': stationVersions,
  // Issue 12 (OCPP 2.0.1): device model reports and variables.
  '0015_device_model': deviceModel,
  // Issue 12 (OCPP 2.0.1): one session model (charger's transaction id, EVSE, events).
  '0016_sessions': sessions,
  // Issue 12 (OCPP 2.0.1): token types (IdTokenEnumType or null).
  '0017_token_types': tokenTypes,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

/**
 * On PostgreSQL the migration tables are pinned to the current schema: left unqualified,
 * Kysely looks for them in every schema it can see, finds another application's (or another
 * Plugboard's) and then fails to lock a table that is not on our search_path.
 */
export async function createMigrator(db: Kysely<any>, from: MigrationProvider = provider): Promise<Migrator> {
  // Unordered: migrations of different modules are independent (the 0003 ones always were), and work
  // landing in parallel may give a database 0010 before 0008 exists; that 0008 is applied when it
  // comes instead of the start failing with "corrupted migrations".
  const options = { db, provider: from, allowUnorderedMigrations: true };
  if (dialectOf(db) !== 'postgres') return new Migrator(options);
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL: no current schema (does the search_path name an existing schema?)');
  return new Migrator({ ...options, migrationTableSchema: schema });
}

/** Applies every pending migration; returns the names applied. Throws if one fails. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await (await createMigrator(db)).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  return (results ?? []).map((r) => r.migrationName);
}

/** Reverts every migration (tests and `plugboard migrate --down` only: it drops all data). */
export async function migrateDownAll(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await (await createMigrator(db)).migrateTo(NO_MIGRATIONS);
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  return (results ?? []).map((r) => r.migrationName);
}
