// Migration for signed firmware updates (issue 11, Security Whitepaper SignedUpdateFirmware).
// Valid on SQLite and PostgreSQL alike. Never edit it once released; add a new one.
//
// - firmware_files: the image's signature (base64) and signing certificate (PEM), whoever made
//   them (Plugboard's own signing key, or a vendor's, stored through the API), and whether
//   Plugboard verified the signature against the image (ADR 0011).
// - firmware_updates: signed (a SignedUpdateFirmware; its requestId is the update's id), the
//   installDateTime sent, the SHA-256 fingerprint of the signing certificate sent, and failure:
//   the status that ended the update (InvalidSignature, InstallVerificationFailed,
//   DownloadFailed, InstallationFailed, or the charger's refusal such as InvalidCertificate).
// - firmware_campaigns: signed (each station gets a SignedUpdateFirmware).
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('firmware_files').addColumn('signature', 'text').execute();
    await db.schema.alterTable('firmware_files').addColumn('signing_certificate', 'text').execute();
    await db.schema.alterTable('firmware_files').addColumn('signature_source', 'text').execute();
    await db.schema.alterTable('firmware_files').addColumn('signature_verified', 'integer').execute();
    await db.schema.alterTable('firmware_files').addColumn('signed_at', 'text').execute();

    await db.schema.alterTable('firmware_updates').addColumn('signed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('firmware_updates').addColumn('install_date', 'text').execute();
    await db.schema.alterTable('firmware_updates').addColumn('signing_certificate_sha256', 'text').execute();
    await db.schema.alterTable('firmware_updates').addColumn('failure', 'text').execute();

    await db.schema.alterTable('firmware_campaigns').addColumn('signed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('firmware_campaigns').dropColumn('signed').execute();
    for (const c of ['failure', 'signing_certificate_sha256', 'install_date', 'signed']) await db.schema.alterTable('firmware_updates').dropColumn(c).execute();
    for (const c of ['signed_at', 'signature_verified', 'signature_source', 'signing_certificate', 'signature']) await db.schema.alterTable('firmware_files').dropColumn(c).execute();
  },
};
