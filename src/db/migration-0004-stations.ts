// Migration for the stations module's hot paths (issue #4, performance). Valid on SQLite and
// PostgreSQL alike. Never edit it once released; add a new one.
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(_db: Kysely<any>) {},
  async down(_db: Kysely<any>) {},
};
