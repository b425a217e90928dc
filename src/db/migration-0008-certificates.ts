// Migration for the certificates module (issue 11): CSRs stations sent, the certificates issued
// to them, revocations, and each station's installed root certificates. Valid on SQLite and
// PostgreSQL alike. Never edit it once released; add a new one.
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    const dialect = dialectOf(db);
    await addIdColumn(db.schema.createTable('certificate_requests'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('csr', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('key_type', 'text', (c) => c.notNull())
      .addColumn('public_key_hash', 'text', (c) => c.notNull())
      .addColumn('signer', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('certificate_id', 'bigint')
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('certificate_requests_station_idx').on('certificate_requests').columns(['station_id', 'id']).execute();
    await db.schema.createIndex('certificate_requests_status_idx').on('certificate_requests').columns(['status', 'id']).execute();

    await addIdColumn(db.schema.createTable('issued_certificates'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'bigint')
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('fingerprint256', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('pem', 'text', (c) => c.notNull())
      .addColumn('chain_pem', 'text', (c) => c.notNull())
      .addColumn('signer', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revocation_reason', 'text')
      .addColumn('renewal_requested_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('issued_certificates_station_idx').on('issued_certificates').columns(['station_id', 'id']).execute();
    await db.schema.createIndex('issued_certificates_not_after_idx').on('issued_certificates').columns(['not_after']).execute();
    await db.schema.createIndex('issued_certificates_fingerprint_idx').on('issued_certificates').columns(['fingerprint256']).execute();

    await addIdColumn(db.schema.createTable('revoked_certificates'), dialect)
      .addColumn('serial_number', 'text')
      .addColumn('fingerprint256', 'text')
      .addColumn('issued_certificate_id', 'bigint')
      .addColumn('reason', 'text')
      .addColumn('revoked_at', 'text', (c) => c.notNull())
      .execute();

    await addIdColumn(db.schema.createTable('installed_certificates'), dialect)
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('certificate_type', 'text', (c) => c.notNull())
      .addColumn('hash_algorithm', 'text', (c) => c.notNull())
      .addColumn('issuer_name_hash', 'text', (c) => c.notNull())
      .addColumn('issuer_key_hash', 'text')
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('pem', 'text')
      .addColumn('subject', 'text')
      .addColumn('not_after', 'text')
      .addColumn('installed_at', 'text')
      .addColumn('reported_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('installed_certificates_station_idx').on('installed_certificates').columns(['station_id', 'certificate_type']).execute();
  },
  async down(db: Kysely<any>) {
    for (const t of ['installed_certificates', 'revoked_certificates', 'issued_certificates', 'certificate_requests']) await db.schema.dropTable(t).execute();
  },
};
