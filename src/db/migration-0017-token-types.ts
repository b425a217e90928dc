// Migration (issue 12, ADR 0014 Tokens): a token's type, a 2.0.1 IdTokenEnumType (ISO14443,
// ISO15693, eMAID, KeyCode, Local, MacAddress, Central, NoAuthorization) or null. Every
// existing token keeps its value and gets null: untyped, it matches its value of any type, as
// every 1.6 idTag does. Valid on SQLite and PostgreSQL alike. Never edit it once released.
//
// The tokens stay keyed by their value (id_tags.id_tag): one value has one type or none.
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('id_tags').addColumn('type', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('id_tags').dropColumn('type').execute();
  },
};
