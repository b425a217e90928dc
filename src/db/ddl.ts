// The few places where SQLite and PostgreSQL DDL differ. Migrations call these instead of
// branching on the dialect themselves, so the one migration set stays dialect-neutral.
import { PostgresAdapter } from 'kysely';
import type { CreateTableBuilder, Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Adds `id`, an auto-incremented integer primary key.
 * SQLite: INTEGER PRIMARY KEY AUTOINCREMENT (a rowid alias, 64-bit; AUTOINCREMENT so that an
 * id is never handed out twice, even after the highest row was deleted).
 * PostgreSQL: BIGSERIAL, or SERIAL for `int4`: used where the id leaves the system as a
 * protocol integer (OCPP 1.6 transactionId is a JSON integer that chargers commonly hold in
 * 32 bits), so that the database refuses to allocate one a charger cannot represent.
 */
export function addIdColumn<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
  dialect: DialectName,
  size: 'int4' | 'int8' = 'int8',
): CreateTableBuilder<TB, C | 'id'> {
  if (dialect === 'sqlite') return table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
  return table.addColumn('id', size === 'int4' ? 'serial' : 'bigserial', (col) => col.primaryKey());
}
