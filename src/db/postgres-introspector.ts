// Kysely's PostgresIntrospector lists the tables of every schema in the database, and calls
// has_schema_privilege() and pg_get_serial_sequence() by schema *name* for each of them: a
// schema dropped by another session meanwhile makes the whole query fail ("schema ... does
// not exist"), and the Migrator runs that query on every start. Plugboard's database is its
// current schema, so look there only.
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, sql } from 'kysely';
import type { DatabaseIntrospector, DatabaseMetadata, DatabaseMetadataOptions, Kysely, SchemaMetadata, TableMetadata } from 'kysely';

interface RawColumn {
  column: string;
  not_null: boolean;
  has_default: boolean;
  table: string;
  table_type: string;
  schema: string;
  type: string;
  type_schema: string;
  column_description: string | null;
  auto_incrementing: string | null;
}

export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<any>;

  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.#db);
    return rows;
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    // Name-based functions sit in the select list: they run only for rows of our own schema.
    const { rows } = await sql<RawColumn>`
      select a.attname as "column", a.attnotnull as not_null, a.atthasdef as has_default,
             c.relname as "table", c.relkind as table_type, ns.nspname as "schema",
             typ.typname as "type", dtns.nspname as type_schema,
             col_description(a.attrelid, a.attnum) as column_description,
             pg_get_serial_sequence(quote_ident(ns.nspname) || '.' || quote_ident(c.relname), a.attname) as auto_incrementing
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on a.attrelid = c.oid
      join pg_catalog.pg_namespace ns on c.relnamespace = ns.oid
      join pg_catalog.pg_type typ on a.atttypid = typ.oid
      join pg_catalog.pg_namespace dtns on typ.typnamespace = dtns.oid
      where ns.nspname = current_schema()
        and c.relkind in ('r', 'v', 'p')
        and a.attnum >= 0
        and not a.attisdropped
      order by c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, TableMetadata>();
    for (const col of rows) {
      if (!options.withInternalKyselyTables && (col.table === DEFAULT_MIGRATION_TABLE || col.table === DEFAULT_MIGRATION_LOCK_TABLE)) continue;
      let table = tables.get(col.table);
      if (!table) {
        table = { name: col.table, schema: col.schema, isView: col.table_type === 'v', columns: [] };
        tables.set(col.table, table);
      }
      (table.columns as TableMetadata['columns'][number][]).push({
        name: col.column,
        dataType: col.type,
        dataTypeSchema: col.type_schema,
        isNullable: !col.not_null,
        isAutoIncrementing: col.auto_incrementing !== null,
        hasDefaultValue: col.has_default,
        comment: col.column_description ?? undefined,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
