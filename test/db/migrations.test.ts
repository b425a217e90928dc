import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Kysely, SelectType, TableMetadata } from 'kysely';
import { migrateDownAll, migrateToLatest } from '../../src/db/index.ts';
import { dialectOf } from '../../src/db/ddl.ts';
import { createMigrator, migrations } from '../../src/db/migrations.ts';
import type { Database } from '../../src/db/schema.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

// The compiler holds this table to schema.ts: a missing or extra column, or a wrong
// nullability, is a type error here. The test then holds the migrations to this table.
type Nullability<T> = { [K in keyof T]-?: null extends SelectType<T[K]> ? 'nullable' : 'not null' };
const N = 'nullable' as const;
const NN = 'not null' as const;
const expectedColumns: { [T in keyof Database]: Nullability<Database[T]> } = {
  stations: {
    id: NN,
    registration_status: NN,
    security_profile: N,
    password_hash: N,
    password_verifier: N,
    vendor: N,
    model: N,
    charge_point_serial: N,
    charge_box_serial: N,
    firmware_version: N,
    iccid: N,
    imsi: N,
    meter_type: N,
    meter_serial: N,
    ocpp_protocol: N,
    ocpp_versions: N,
    last_boot_at: N,
    last_seen_at: N,
    last_connected_at: N,
    last_disconnected_at: N,
    created_at: NN,
    updated_at: NN,
  },
  connector_status: {
    station_id: NN,
    connector_id: NN,
    status: NN,
    error_code: NN,
    info: N,
    vendor_id: N,
    vendor_error_code: N,
    timestamp: N,
    updated_at: NN,
  },
  status_history: {
    id: NN,
    station_id: NN,
    connector_id: NN,
    status: NN,
    error_code: NN,
    info: N,
    vendor_id: N,
    vendor_error_code: N,
    timestamp: N,
    received_at: NN,
  },
  id_tags: {
    id_tag: NN,
    parent_id_tag: N,
    status: NN,
    expiry_date: N,
    allow_concurrent: NN,
    type: N,
    created_at: NN,
    updated_at: NN,
  },
  transactions: {
    id: NN,
    station_id: NN,
    connector_id: NN,
    id_tag: NN,
    start_id_tag_status: NN,
    reservation_id: N,
    meter_start: NN,
    start_timestamp: NN,
    meter_stop: N,
    stop_timestamp: N,
    stop_reason: N,
    stop_id_tag: N,
    received_start_at: NN,
    received_stop_at: N,
    external_id: N,
    evse_id: N,
    ocpp_version: NN,
    charging_state: N,
    remote_start_id: N,
    last_seq_no: N,
    id_token_type: N,
  },
  transaction_events: {
    id: NN,
    transaction_id: NN,
    station_id: NN,
    seq_no: NN,
    event_type: NN,
    trigger_reason: NN,
    timestamp: NN,
    offline: NN,
    charging_state: N,
    id_token: N,
    id_token_type: N,
    stopped_reason: N,
    raw: NN,
    received_at: NN,
  },
  orphan_stops: {
    id: NN,
    station_id: NN,
    reported_transaction_id: NN,
    id_tag: N,
    meter_stop: NN,
    timestamp: NN,
    reason: N,
    transaction_data: N,
    received_at: NN,
  },
  meter_values: {
    id: NN,
    station_id: NN,
    connector_id: NN,
    transaction_id: N,
    source: NN,
    timestamp: NN,
    value: NN,
    measurand: NN,
    phase: N,
    unit: NN,
    context: NN,
    location: NN,
    format: NN,
    received_at: NN,
  },
  message_log: {
    id: NN,
    station_id: NN,
    direction: NN,
    message_type: NN,
    message_id: N,
    action: N,
    frame: NN,
    created_at: NN,
  },
  api_keys: { id: NN, name: NN, prefix: NN, key_hash: NN, role: NN, created_at: NN, last_used_at: N, revoked_at: N },
  webhooks: { id: NN, url: NN, description: N, event_types: NN, station_ids: N, secret_encrypted: NN, url_credentials_encrypted: N, active: NN, created_at: NN, updated_at: NN },
  webhook_deliveries: {
    id: NN,
    webhook_id: NN,
    event_type: NN,
    payload: NN,
    status: NN,
    attempts: NN,
    next_attempt_at: N,
    last_attempt_at: N,
    response_status: N,
    last_error: N,
    error_class: N,
    created_at: NN,
  },
  unknown_id_tags: { id_tag: NN, first_seen_at: NN, last_seen_at: NN, last_station_id: NN, count: NN },
  unknown_stations: { id: NN, first_seen_at: NN, last_seen_at: NN, last_remote_address: N, attempts: NN },
  reservations: { id: NN, station_id: NN, connector_id: NN, id_tag: NN, parent_id_tag: N, expiry_date: NN, status: NN, transaction_id: N, note: N, created_at: NN, updated_at: NN, ended_at: N },
  local_list_stations: {
    station_id: NN,
    scope: NN,
    scope_values: N,
    managed: NN,
    auto_sync: NN,
    omit_differential_deletions: NN,
    list_max_length: N,
    send_max_length: N,
    charger_list_max_length: N,
    charger_send_max_length: N,
    limits_read_at: N,
    limits_error: N,
    supported: N,
    acknowledged_version: NN,
    acknowledged_at: N,
    last_sent_version: NN,
    reported_version: N,
    reported_at: N,
    needs_full: NN,
    last_status: N,
    last_error: N,
    last_sync_at: N,
    created_at: NN,
    updated_at: NN,
  },
  local_list_entries: { station_id: NN, id_tag: NN, status: NN, expiry_date: N, parent_id_tag: N },
  local_list_updates: { id: NN, station_id: NN, cause: NN, update_type: NN, list_version: NN, entry_count: NN, deletions: NN, status: N, error: N, sent_at: NN, answered_at: N },
  firmware_files: { id: NN, name: NN, version: N, filename: NN, size_bytes: NN, sha256: NN, download_token: NN, stored_name: NN, created_at: NN, signature: N, signing_certificate: N, signature_source: N, signature_verified: N, signed_at: N },
  firmware_updates: {
    id: NN,
    station_id: NN,
    firmware_id: N,
    campaign_id: N,
    location: NN,
    retrieve_date: NN,
    retries: N,
    retry_interval: N,
    command_status: NN,
    error: N,
    firmware_status: N,
    firmware_status_at: N,
    firmware_version_before: N,
    firmware_version_after: N,
    booted_at: N,
    requested_at: NN,
    signed: NN,
    install_date: N,
    signing_certificate_sha256: N,
    failure: N,
  },
  firmware_status_history: { id: NN, station_id: NN, update_id: N, status: NN, received_at: NN },
  diagnostics_requests: {
    id: NN,
    station_id: NN,
    upload_token: N,
    location: NN,
    start_time: N,
    stop_time: N,
    retries: N,
    retry_interval: N,
    command_status: NN,
    error: N,
    file_name: N,
    diagnostics_status: N,
    diagnostics_status_at: N,
    expires_at: N,
    requested_at: NN,
    kind: NN,
    log_type: N,
    answer_status: N,
  },
  security_events: { id: NN, station_id: NN, type: NN, source: NN, timestamp: NN, tech_info: N, critical: NN, received_at: NN },
  device_model_reports: {
    id: NN, station_id: NN, request_id: NN, kind: NN, criteria: N, status: NN, answer_status: N, last_seq_no: N, parts: NN, variables: NN, generated_at: N, requested_at: NN, completed_at: N,
  },
  device_model_variables: {
    id: NN, station_id: NN, component: NN, component_instance: NN, evse_id: NN, connector_id: NN, variable: NN, variable_instance: NN, attributes: NN, characteristics: N, request_id: N, updated_at: NN,
  },
  diagnostics_status_history: { id: NN, station_id: NN, request_id: N, status: NN, received_at: NN },
  diagnostics_files: { id: NN, station_id: NN, request_id: NN, filename: NN, stored_name: NN, size_bytes: NN, sha256: NN, content_type: N, remote_address: N, uploaded_at: NN },
  firmware_campaigns: {
    id: NN,
    firmware_id: NN,
    location: NN,
    retrieve_date: N,
    retries: N,
    retry_interval: N,
    wave_size: NN,
    failure_threshold: NN,
    failure_threshold_unit: NN,
    wave_timeout_seconds: NN,
    signed: NN,
    status: NN,
    current_wave: NN,
    stop_reason: N,
    created_at: NN,
    updated_at: NN,
    finished_at: N,
  },
  firmware_campaign_stations: { campaign_id: NN, station_id: NN, position: NN, wave: N, state: NN, update_id: N, started_at: N, finished_at: N, error: N },
  charging_profiles: {
    id: NN,
    station_id: NN,
    connector_id: NN,
    charging_profile_id: NN,
    purpose: NN,
    stack_level: NN,
    kind: NN,
    transaction_id: N,
    valid_from: N,
    valid_to: N,
    profile: NN,
    source: NN,
    installed_at: NN,
  },
  charging_limits: { station_id: NN, max_stack_level: N, max_periods: N, allowed_rate_units: N, max_profiles_installed: N, source: NN, updated_at: NN },
  certificate_requests: { id: NN, station_id: NN, csr: NN, subject: NN, key_type: NN, public_key_hash: NN, signer: NN, status: NN, certificate_id: N, error: N, created_at: NN, updated_at: NN },
  issued_certificates: {
    id: NN,
    station_id: NN,
    request_id: N,
    serial_number: NN,
    fingerprint256: NN,
    subject: NN,
    issuer: NN,
    not_before: NN,
    not_after: NN,
    pem: NN,
    chain_pem: NN,
    signer: NN,
    revoked_at: N,
    revocation_reason: N,
    renewal_requested_at: N,
    created_at: NN,
  },
  revoked_certificates: { id: NN, serial_number: N, fingerprint256: N, issued_certificate_id: N, reason: N, revoked_at: NN },
  installed_certificates: {
    id: NN,
    station_id: NN,
    certificate_type: NN,
    hash_algorithm: NN,
    issuer_name_hash: NN,
    issuer_key_hash: N,
    serial_number: NN,
    pem: N,
    subject: N,
    not_after: N,
    installed_at: N,
    reported_at: N,
    updated_at: NN,
  },
  security_flows: {
    id: NN, station_id: NN, kind: NN, status: NN, from_profile: N, target_profile: N, pending_password_hash: N, pending_since: N,
    charger_status: N, detail: N, created_at: NN, updated_at: NN, completed_at: N,
  },
};

const expectedIndexes = [
  'status_history_station_connector_idx',
  'id_tags_parent_idx',
  'transactions_start_uq',
  'transactions_station_stop_idx',
  'transactions_open_id_tag_idx',
  'orphan_stops_station_timestamp_idx',
  'meter_values_sample_uq',
  'meter_values_untracked_sample_uq',
  'meter_values_station_timestamp_idx',
  'message_log_station_idx',
  'message_log_created_at_idx',
  'webhook_deliveries_webhook_idx',
  'webhook_deliveries_due_idx',
  'transactions_start_ts_idx',
  'reservations_station_idx',
  'reservations_status_expiry_idx',
  'local_list_entries_id_tag_idx',
  'local_list_updates_station_idx',
  'firmware_files_token_uq',
  'firmware_updates_station_idx',
  'firmware_status_history_station_idx',
  'diagnostics_requests_station_idx',
  'diagnostics_requests_token_uq',
  'diagnostics_status_history_station_idx',
  'diagnostics_files_station_idx',
  'diagnostics_files_request_idx',
  'security_events_station_idx',
  'security_events_timestamp_idx',
  'security_events_critical_idx',
  'firmware_campaigns_status_idx',
  'charging_profiles_station_profile_uq',
  'certificate_requests_station_idx',
  'certificate_requests_status_idx',
  'issued_certificates_station_idx',
  'issued_certificates_not_after_idx',
  'issued_certificates_fingerprint_idx',
  'installed_certificates_station_idx',
  'security_flows_station_idx',
  'device_model_reports_station_idx',
  'device_model_variables_key_idx',
  'transactions_station_external_idx',
  'transaction_events_tx_seq_idx',
];

/** This database's tables (PostgreSQL introspection lists every schema's, other tests' included). */
async function ownTables(db: Kysely<any>): Promise<TableMetadata[]> {
  const current =
    dialectOf(db) === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0].s : undefined;
  const tables = await db.introspection.getTables();
  return tables.filter((t) => !t.name.startsWith('kysely_') && (current === undefined || t.schema === current));
}

async function appTables(db: Kysely<any>): Promise<string[]> {
  return (await ownTables(db)).map((t) => t.name).sort();
}

async function indexNames(db: Kysely<any>, dialect: string): Promise<string[]> {
  const q =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'index' and sql is not null`
      : sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`;
  return (await q.execute(db)).rows.map((r) => r.name);
}

test(`[${dbLabel()}] migrations apply on an empty database and create every table of schema.ts`, async (t) => {
  const { db } = await openTestDb(t, { migrate: false });
  assert.deepEqual(await appTables(db.kysely), []);

  assert.deepEqual(await migrateToLatest(db.kysely), Object.keys(migrations));
  assert.deepEqual(await appTables(db.kysely), Object.keys(expectedColumns).sort());

  for (const table of await ownTables(db.kysely)) {
    const expected = expectedColumns[table.name as keyof Database] as Record<string, string>;
    assert.deepEqual(table.columns.map((c) => c.name).sort(), Object.keys(expected).sort(), `columns of ${table.name}`);
    for (const col of table.columns) {
      // SQLite reports its rowid alias as nullable although it can never hold NULL.
      if (col.isAutoIncrementing) continue;
      assert.equal(col.isNullable ? N : NN, expected[col.name], `${table.name}.${col.name}`);
    }
  }
});

test(`[${dbLabel()}] migrations create the indexes the stores rely on`, async (t) => {
  const { db } = await openTestDb(t);
  const names = await indexNames(db.kysely, db.dialect);
  for (const name of expectedIndexes) assert.ok(names.includes(name), `missing index ${name}`);
});

test(`[${dbLabel()}] migrating again is a no-op and keeps the data`, async (t) => {
  const { db } = await openTestDb(t);
  const now = new Date().toISOString();
  await db.kysely
    .insertInto('stations')
    .values({ id: 'CP1', registration_status: 'Accepted', created_at: now, updated_at: now })
    .execute();
  assert.deepEqual(await migrateToLatest(db.kysely), []);
  assert.deepEqual(await migrateToLatest(db.kysely), []);
  const rows = await db.kysely.selectFrom('stations').select('id').execute();
  assert.deepEqual(rows, [{ id: 'CP1' }]);
});

test(`[${dbLabel()}] migrations revert to nothing and re-apply`, async (t) => {
  const { db } = await openTestDb(t);
  assert.deepEqual(await migrateDownAll(db.kysely), Object.keys(migrations).reverse());
  assert.deepEqual(await appTables(db.kysely), []);
  assert.deepEqual(await migrateToLatest(db.kysely), Object.keys(migrations));
  assert.equal((await appTables(db.kysely)).length, Object.keys(expectedColumns).length);
});

test(`[${dbLabel()}] migrating one database is not fooled by another schema's migration tables`, async (t) => {
  // Kysely looks for its migration tables across every schema it can see; two Plugboards
  // (or a test and its neighbour) in one PostgreSQL database must each get their own.
  const first = await openTestDb(t);
  const second = await openTestDb(t, { migrate: false });
  assert.deepEqual(await migrateToLatest(second.db.kysely), Object.keys(migrations));
  assert.deepEqual(await appTables(second.db.kysely), Object.keys(expectedColumns).sort());
  assert.deepEqual(await migrateToLatest(first.db.kysely), []);
});

test(`[${dbLabel()}] a migration that lands after later ones is applied when it comes (parallel work), not refused`, async (t) => {
  const { db } = await openTestDb(t, { migrate: false });
  // A database migrated while 0006 did not exist yet: everything but 0006 applied.
  const without = Object.fromEntries(Object.entries(migrations).filter(([name]) => name !== '0006_password_verifier'));
  const early = await (await createMigrator(db.kysely, { getMigrations: async () => without })).migrateToLatest();
  assert.equal(early.error, undefined);
  assert.ok(!(await ownTables(db.kysely)).find((x) => x.name === 'stations')!.columns.some((c) => c.name === 'password_verifier'));
  // Then 0006 lands: it is applied, the rest stays as it is.
  assert.deepEqual(await migrateToLatest(db.kysely), ['0006_password_verifier']);
  assert.ok((await ownTables(db.kysely)).find((x) => x.name === 'stations')!.columns.some((c) => c.name === 'password_verifier'));
  assert.deepEqual(await migrateToLatest(db.kysely), []);
});
