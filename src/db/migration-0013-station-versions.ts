// Migration for the OCPP versions a station may speak (issue 12, ADR 0014; src/gateway
// negotiates the subprotocol against them). Valid on SQLite and PostgreSQL alike. Never edit it
// once released; add a new one.
//
// stations.ocpp_versions: the allowed versions, comma-separated in Plugboard's order
// ("1.6,2.0.1"); null (every existing station) = whatever ocpp.versions allows.
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('stations').addColumn('ocpp_versions', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('stations').dropColumn('ocpp_versions').execute();
  },
};
