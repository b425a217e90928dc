// Queries built and compiled by Kysely once, then run many times with new values: the hot
// writes (a charger's MeterValues, StatusNotification, BootNotification, the message log) spent
// more time building and compiling the same Kysely query for every message than the database
// spent running it (bench/README.md). The query is still written with Kysely, so it is
// type-checked against src/db/schema.ts like every other one; only the per-call work is gone.
import { createQueryId } from 'kysely';
import type { CompiledQuery, Compilable, Insertable, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.ts';

type Exec = Kysely<Database>;

/** Stands in for a value while the query is compiled; replaced by the call's value at each run. */
class Slot {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** The compiled form per SQL dialect (the adapter class): SQLite and PostgreSQL differ in placeholders and quoting. */
type PerDialect = WeakMap<object, { sql: string; query: CompiledQuery['query']; slots: Array<Slot | { value: unknown }> }>;

function dialectKey(exec: Exec): object {
  return exec.getExecutor().adapter.constructor;
}

function compileWithSlots(compiled: CompiledQuery): { sql: string; query: CompiledQuery['query']; slots: Array<Slot | { value: unknown }> } {
  return {
    sql: compiled.sql,
    query: compiled.query,
    slots: compiled.parameters.map((p) => (p instanceof Slot ? p : { value: p })),
  };
}

function run<R>(exec: Exec, entry: { sql: string; query: CompiledQuery['query'] }, parameters: unknown[]): Promise<QueryResult<R>> {
  const query: CompiledQuery<R> = { sql: entry.sql, query: entry.query, parameters, queryId: createQueryId() };
  return exec.executeQuery(query);
}

/**
 * A query with named values, compiled on its first run per dialect. `build` gets the database
 * and an object whose properties stand for the values (typed as the values, so Kysely checks
 * the query); it must use each only as a value (in where, values, set), never to decide the
 * query's shape, since it runs once.
 *
 *   const byId = prepared((db, v: { id: number }) => db.selectFrom('transactions').selectAll().where('id', '=', v.id));
 *   const rows = (await byId(trx, { id: 7 })).rows;
 */
export function prepared<A extends Record<string, unknown>, R>(build: (db: Exec, values: A) => Compilable<R>): (exec: Exec, values: A) => Promise<QueryResult<R>> {
  const cache: PerDialect = new WeakMap();
  const slots = new Proxy({} as A, { get: (_t, name) => new Slot(String(name)) });
  return (exec, values) => {
    const key = dialectKey(exec);
    let entry = cache.get(key);
    if (!entry) {
      entry = compileWithSlots(build(exec, slots).compile());
      cache.set(key, entry);
    }
    const parameters: unknown[] = new Array(entry.slots.length);
    for (let i = 0; i < entry.slots.length; i++) {
      const s = entry.slots[i];
      if (!(s instanceof Slot)) {
        parameters[i] = s.value;
        continue;
      }
      const v = values[s.name];
      if (v === undefined) return Promise.reject(new Error(`prepared query: no value for "${s.name}"`));
      parameters[i] = v;
    }
    return run<R>(exec, entry, parameters);
  };
}

// SQLite's default limit on bound parameters is 32766, PostgreSQL's 65535.
const MAX_PARAMS = 30_000;
const insertCache = new Map<string, PerDialect>();

/**
 * INSERT of many rows in as few statements as the parameter limits allow, each statement text
 * compiled once per (table, columns, row count). Every row must have the same keys, in the same
 * order, with nothing undefined (use null).
 */
export async function insertRows<T extends keyof Database & string>(exec: Exec, table: T, rows: ReadonlyArray<Insertable<Database[T]>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object);
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns.length)));
  for (let at = 0; at < rows.length; at += perStatement) {
    const chunk = rows.slice(at, at + perStatement);
    const cacheKey = `${table}|${columns.join(',')}|${chunk.length}`;
    let perDialect = insertCache.get(cacheKey);
    if (!perDialect) insertCache.set(cacheKey, (perDialect = new WeakMap()));
    const key = dialectKey(exec);
    let entry = perDialect.get(key);
    if (!entry) {
      const shape = chunk.map((_, i) => Object.fromEntries(columns.map((c) => [c, new Slot(`${i}`)])));
      entry = compileWithSlots(exec.insertInto(table).values(shape as never).compile());
      perDialect.set(key, entry);
    }
    const parameters: unknown[] = new Array(chunk.length * columns.length);
    let p = 0;
    for (let i = 0; i < chunk.length; i++) {
      const r = chunk[i] as Record<string, unknown>;
      for (const c of columns) {
        const v = r[c];
        if (v === undefined) throw new Error(`insertRows(${table}): row ${at + i} has no value for "${c}" (rows must all have the first row's columns; use null)`);
        parameters[p++] = v;
      }
    }
    await run(exec, entry, parameters);
  }
}

const updateCache = new Map<string, PerDialect>();

/**
 * UPDATE table SET <patch's columns> WHERE keyColumn = key, compiled once per (table, key
 * column, patch columns in order). Values must not be undefined (use null).
 */
export async function updateByKey(exec: Exec, table: keyof Database & string, keyColumn: string, key: string | number, patch: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(patch);
  const cacheKey = `${table}|${keyColumn}|${columns.join(',')}`;
  let perDialect = updateCache.get(cacheKey);
  if (!perDialect) updateCache.set(cacheKey, (perDialect = new WeakMap()));
  const dialect = dialectKey(exec);
  let entry = perDialect.get(dialect);
  if (!entry) {
    const set = Object.fromEntries(columns.map((c) => [c, new Slot(c)]));
    entry = compileWithSlots((exec as Kysely<any>).updateTable(table).set(set).where(keyColumn, '=', new Slot('\u0000key')).compile());
    perDialect.set(dialect, entry);
  }
  const parameters = entry.slots.map((s) => {
    if (!(s instanceof Slot)) return s.value;
    const v = s.name === '\u0000key' ? key : patch[s.name];
    if (v === undefined) throw new Error(`updateByKey(${table}): no value for "${s.name}" (use null)`);
    return v;
  });
  await run(exec, entry, parameters);
}
