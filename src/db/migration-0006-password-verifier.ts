// Migration: a keyed verifier beside each station's scrypt password hash (issue 11, ADR 0008),
// so that a reconnect storm after a restart costs an HMAC per charger instead of a scrypt run.
// Valid on SQLite and PostgreSQL alike. Never edit it once released; add a new one.
//
// stations.password_verifier is `v1$<keyId>$<hashTag>$<mac>` (password-verifier.ts): an
// HMAC-SHA256 of the station id and password under a key derived from the instance key file
// (config secretKeyFile), which is not in the database. NULL for every existing password: it is
// filled at the station's next successful scrypt login, and written with every new password.
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('stations').addColumn('password_verifier', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('stations').dropColumn('password_verifier').execute();
  },
};
