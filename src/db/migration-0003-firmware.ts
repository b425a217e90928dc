// Migration for the firmware module (issue #5): the firmware repository, UpdateFirmware
// requests and their FirmwareStatusNotification timeline, GetDiagnostics requests with their
// DiagnosticsStatusNotification timeline and the files chargers uploaded, and firmware
// campaigns. Valid on SQLite and PostgreSQL alike: dialect differences go through ddl.ts
// (addIdColumn). Never edit it once released; add a new one.
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

const TABLES = [
  'firmware_campaign_stations',
  'firmware_campaigns',
  'diagnostics_files',
  'diagnostics_status_history',
  'diagnostics_requests',
  'firmware_status_history',
  'firmware_updates',
  'firmware_files',
];

export const migration: Migration = {
  async up(db: Kysely<any>) {
    const dialect = dialectOf(db);

    // Bytes live on disk under files.directory; the row says where and what they are.
    await addIdColumn(db.schema.createTable('firmware_files'), dialect)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text')
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('download_token', 'text', (c) => c.notNull())
      .addColumn('stored_name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // Every download by a charger looks its file up by token.
    await db.schema.createIndex('firmware_files_token_uq').on('firmware_files').column('download_token').unique().execute();

    // One row per UpdateFirmware sent (or attempted). command_status is ours (sending,
    // accepted, error); firmware_status is the last FirmwareStatusNotification linked to it.
    await addIdColumn(db.schema.createTable('firmware_updates'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('firmware_id', 'bigint')
      .addColumn('campaign_id', 'bigint')
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('retrieve_date', 'text', (c) => c.notNull())
      .addColumn('retries', 'integer')
      .addColumn('retry_interval', 'integer')
      .addColumn('command_status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('firmware_status', 'text')
      .addColumn('firmware_status_at', 'text')
      .addColumn('firmware_version_before', 'text')
      .addColumn('firmware_version_after', 'text')
      .addColumn('booted_at', 'text')
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('firmware_updates_station_idx').on('firmware_updates').columns(['station_id', 'id']).execute();

    await addIdColumn(db.schema.createTable('firmware_status_history'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('update_id', 'bigint')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('firmware_status_history_station_idx').on('firmware_status_history').columns(['station_id', 'id']).execute();

    // upload_token is null when the operator gave a location of their own.
    await addIdColumn(db.schema.createTable('diagnostics_requests'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('upload_token', 'text')
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('start_time', 'text')
      .addColumn('stop_time', 'text')
      .addColumn('retries', 'integer')
      .addColumn('retry_interval', 'integer')
      .addColumn('command_status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('file_name', 'text')
      .addColumn('diagnostics_status', 'text')
      .addColumn('diagnostics_status_at', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('diagnostics_requests_station_idx').on('diagnostics_requests').columns(['station_id', 'id']).execute();
    // Unique where present; both dialects allow several NULLs under a unique index.
    await db.schema.createIndex('diagnostics_requests_token_uq').on('diagnostics_requests').column('upload_token').unique().execute();

    await addIdColumn(db.schema.createTable('diagnostics_status_history'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'bigint')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('diagnostics_status_history_station_idx').on('diagnostics_status_history').columns(['station_id', 'id']).execute();

    await addIdColumn(db.schema.createTable('diagnostics_files'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'bigint', (c) => c.notNull())
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('stored_name', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('remote_address', 'text')
      .addColumn('uploaded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('diagnostics_files_station_idx').on('diagnostics_files').columns(['station_id', 'id']).execute();
    await db.schema.createIndex('diagnostics_files_request_idx').on('diagnostics_files').column('request_id').execute();

    // failure_threshold_unit: 'count' (stop when failures > n) or 'percent' (> n % of all stations).
    await addIdColumn(db.schema.createTable('firmware_campaigns'), dialect)
      .addColumn('firmware_id', 'bigint', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('retrieve_date', 'text')
      .addColumn('retries', 'integer')
      .addColumn('retry_interval', 'integer')
      .addColumn('wave_size', 'integer', (c) => c.notNull())
      .addColumn('failure_threshold', 'integer', (c) => c.notNull())
      .addColumn('failure_threshold_unit', 'text', (c) => c.notNull())
      .addColumn('wave_timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('current_wave', 'integer', (c) => c.notNull())
      .addColumn('stop_reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    // A restart resumes the running ones.
    await db.schema.createIndex('firmware_campaigns_status_idx').on('firmware_campaigns').column('status').execute();

    await db.schema
      .createTable('firmware_campaign_stations')
      .addColumn('campaign_id', 'bigint', (c) => c.notNull())
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('wave', 'integer')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('update_id', 'bigint')
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('firmware_campaign_stations_pk', ['campaign_id', 'station_id'])
      .execute();
  },

  async down(db: Kysely<any>) {
    for (const table of TABLES) await db.schema.dropTable(table).execute();
  },
};
