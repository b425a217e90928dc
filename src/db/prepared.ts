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

type Compiled = { sql: string; query: CompiledQuery['query']; slots: Array<Slot | { value: unknown }> };

/**
 * The compiled form of one query shape, per SQL dialect (the adapter class: SQLite and
 * PostgreSQL differ in placeholders and quoting); `build` runs once per dialect.
 */
function compiledFor(cache: WeakMap<object, Compiled>, exec: Exec, build: () => Compilable<unknown>): Compiled {
  const dialect = exec.getExecutor().adapter.constructor;
  let entry = cache.get(dialect);
  if (!entry) {
    const compiled = build().compile();
    entry = { sql: compiled.sql, query: compiled.query, slots: compiled.parameters.map((p) => (p instanceof Slot ? p : { value: p })) };
    cache.set(dialect, entry);
  }
  return entry;
}

/** The per-dialect cache of a shape named by a string (table, columns, row count...). */
function cacheOf(caches: Map<string, WeakMap<object, Compiled>>, key: string): WeakMap<object, Compiled> {
  let cache = caches.get(key);
  if (!cache) caches.set(key, (cache = new WeakMap()));
  return cache;
}

/** The parameters of a compiled query: each slot given its value by `valueOf` (which throws if there is none). */
function fill(entry: Compiled, valueOf: (slot: Slot) => unknown): unknown[] {
  const parameters: unknown[] = new Array(entry.slots.length);
  for (let i = 0; i < entry.slots.length; i++) {
    const s = entry.slots[i];
    parameters[i] = s instanceof Slot ? valueOf(s) : s.value;
  }
  return parameters;
}

function run<R>(exec: Exec, entry: Compiled, parameters: unknown[]): Promise<QueryResult<R>> {
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
  const cache = new WeakMap<object, Compiled>();
  const slots = new Proxy({} as A, { get: (_t, name) => new Slot(String(name)) });
  return async (exec, values) => {
    const entry = compiledFor(cache, exec, () => build(exec, slots));
    const parameters = fill(entry, (s) => {
      const v = values[s.name];
      if (v === undefined) throw new Error(`prepared query: no value for "${s.name}"`);
      return v;
    });
    return run<R>(exec, entry, parameters);
  };
}

// SQLite's default limit on bound parameters is 32766, PostgreSQL's 65535.
const MAX_PARAMS = 30_000;
const insertCaches = new Map<string, WeakMap<object, Compiled>>();

/**
 * INSERT of many rows in as few statements as the parameter limits allow, each statement text
 * compiled once per (table, columns, row count). Every row must have the same keys, in the same
 * order, with nothing undefined (use null). `ignoreDuplicates`: INSERT ... ON CONFLICT DO
 * NOTHING, a row a unique index already holds is skipped. Returns the rows inserted.
 */
export async function insertRows<T extends keyof Database & string>(
  exec: Exec,
  table: T,
  rows: ReadonlyArray<Insertable<Database[T]>>,
  opts: { ignoreDuplicates?: boolean } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  let inserted = 0;
  const columns = Object.keys(rows[0] as object);
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns.length)));
  for (let at = 0; at < rows.length; at += perStatement) {
    const chunk = rows.slice(at, at + perStatement) as ReadonlyArray<Record<string, unknown>>;
    const cache = cacheOf(insertCaches, `${table}|${columns.join(',')}|${chunk.length}|${opts.ignoreDuplicates ? 'ignore' : ''}`);
    const entry = compiledFor(cache, exec, () => {
      const insert = exec.insertInto(table).values(chunk.map(() => Object.fromEntries(columns.map((c) => [c, new Slot(c)]))) as never);
      // No conflict target: any unique index of the table (partial and expression ones included) decides.
      return opts.ignoreDuplicates ? insert.onConflict((oc) => oc.doNothing()) : insert;
    });
    // Kysely binds the values row after row, columns in the first row's order: filled by
    // position, without a lookup per value (this runs for every MeterValues and log flush).
    const parameters: unknown[] = new Array(chunk.length * columns.length);
    let p = 0;
    for (let i = 0; i < chunk.length; i++) {
      for (const c of columns) {
        const v = chunk[i][c];
        if (v === undefined) throw new Error(`insertRows(${table}): row ${at + i} has no value for "${c}" (rows must all have the first row's columns; use null)`);
        parameters[p++] = v;
      }
    }
    inserted += Number((await run(exec, entry, parameters)).numAffectedRows ?? 0);
  }
  return inserted;
}

const updateCaches = new Map<string, WeakMap<object, Compiled>>();
const KEY_SLOT = '\u0000key';

/**
 * UPDATE table SET <patch's columns> WHERE keyColumn = key, compiled once per (table, key
 * column, patch columns in order). Values must not be undefined (use null).
 */
export async function updateByKey(exec: Exec, table: keyof Database & string, keyColumn: string, key: string | number, patch: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(patch);
  const cache = cacheOf(updateCaches, `${table}|${keyColumn}|${columns.join(',')}`);
  const entry = compiledFor(cache, exec, () =>
    (exec as Kysely<any>)
      .updateTable(table)
      .set(Object.fromEntries(columns.map((c) => [c, new Slot(c)])))
      .where(keyColumn, '=', new Slot(KEY_SLOT)),
  );
  const parameters = fill(entry, (s) => {
    const v = s.name === KEY_SLOT ? key : patch[s.name];
    if (v === undefined) throw new Error(`updateByKey(${table}): no value for "${s.name}" (use null)`);
    return v;
  });
  await run(exec, entry, parameters);
}
