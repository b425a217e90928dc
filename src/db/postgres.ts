// Kysely over `pg` (ADR 0002).
import pg from 'pg';
import { PostgresDialect, sql } from 'kysely';
import type { DatabaseIntrospector, Kysely } from 'kysely';
import type { Logger } from 'pino';
import { CurrentSchemaIntrospector } from './postgres-introspector.ts';

const INT8_OID = 20;

/**
 * Row ids and counts are BIGINT/BIGSERIAL; pg returns int8 as a string because it may exceed
 * 2^53. Ours do not (ids, Wh meter registers), and the schema types them as number on both
 * dialects, so parse them. NUMERIC (money, kWh with decimals) keeps pg's default: a string.
 * Set per pool rather than with the global pg.types.setTypeParser, so that other pg users in
 * the same process (tests, tools) keep pg's defaults.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): any {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as any);
  },
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  connectionString: string;
  /** default 10 */
  poolSize?: number;
  log: Logger;
}

class PlugboardPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

export function createPostgresDialect(opts: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? 10,
    types,
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, that event
  // would take the whole process (and every charger's session) down with it.
  pool.on('error', (err) => opts.log.error({ err }, 'postgres: idle client error'));
  return { dialect: new PlugboardPostgresDialect({ pool }), pool };
}

/**
 * ADR 0002: a CALLRESULT for StartTransaction, StopTransaction or MeterValues promises the data
 * survives a crash. With synchronous_commit=off PostgreSQL reports a COMMIT before its WAL is
 * flushed, so the last writes acknowledged to chargers can be lost when the server crashes.
 * Plugboard still runs (the operator chose it, perhaps for a benchmark), but says so once, at
 * start. (`local` and `remote_write` still flush the primary's WAL, so a crash of this server
 * loses nothing acknowledged; they only weaken what a standby holds.)
 */
export async function warnIfCommitsNotDurable(db: Kysely<any>, log: Logger): Promise<void> {
  const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db);
  const setting = rows[0]?.synchronous_commit;
  if (setting !== 'off') return;
  log.warn(
    { synchronousCommit: setting },
    'PostgreSQL synchronous_commit is off for this connection: writes acknowledged to chargers (transactions, meter values) can be lost if the database server crashes. ' +
      'Set synchronous_commit = on (ALTER ROLE <user> SET synchronous_commit = on, or in postgresql.conf; and remove any -c synchronous_commit=off from the connection URL\'s options).',
  );
}
