// Migration for the firmware module (issue #5). Valid on SQLite and PostgreSQL alike: dialect
// differences go through ddl.ts (addIdColumn). Never edit it once released; add a new one.
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(_db: Kysely<any>) {},
  async down(_db: Kysely<any>) {},
};
