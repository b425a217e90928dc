// Conventions shared by every list endpoint: `sort=field,-other` from a whitelist of fields,
// from/to time ranges, nullable and date-time schemas. The SQL side is src/db/list-query.ts.
import { Type, type Static, type TSchema } from 'typebox';
import type { SortKey } from '../db/list-query.ts';
import { badRequest } from './errors.ts';
import { toIsoTimestamp } from '../time.ts';

/** The `sort` query parameter: one or more whitelisted fields, comma-separated, `-field` descending. */
export function SortQuery(fields: readonly string[], defaultSort: string) {
  const one = `-?(${fields.join('|')})`;
  return Type.Optional(
    Type.String({
      pattern: `^${one}(,${one})*$`,
      description: `comma-separated fields, prefix '-' for descending; one of ${fields.join(', ')}. Default: ${defaultSort}`,
    }),
  );
}

/** `-lastSeenAt,id` -> [{ column: 'last_seen_at', desc: true }, { column: 'id', desc: false }]. */
export function parseSort(value: string | undefined, columns: Readonly<Record<string, string>>, fallback: string): SortKey[] {
  return (value || fallback).split(',').map((part) => {
    const desc = part.startsWith('-');
    const name = desc ? part.slice(1) : part;
    const column = columns[name];
    // The route's query schema only lets whitelisted names through; this guards the SQL anyway.
    if (!column) throw new Error(`sort field ${name} is not allowed`);
    return { column, desc };
  });
}

/** from/to query parameters: a half-open time range [from, to). */
export const TimeRangeQuery = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive lower bound (ISO-8601)' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive upper bound (ISO-8601)' })),
};

/** Normalises from/to to stored timestamp form; 400 unless from < to. */
export function timeRange(q: { from?: string; to?: string }): { from?: string; to?: string } {
  const from = q.from === undefined ? undefined : toIsoTimestamp(q.from);
  const to = q.to === undefined ? undefined : toIsoTimestamp(q.to);
  if (from !== undefined && to !== undefined && from >= to) throw badRequest('from must be before to', { from: q.from, to: q.to });
  return { from, to };
}

/**
 * `T | null` as `type: [T's type, 'null']`, not `anyOf`: with the HTTP server's type coercion,
 * `anyOf: [integer, null]` turns a null into 0 before the null branch is tried. (The OpenAPI
 * 3.0 document shows it as `nullable: true`.)
 */
export function Nullable<T extends TSchema>(schema: T) {
  const type = (schema as { type?: unknown }).type;
  if (typeof type !== 'string') throw new Error('Nullable() needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
}
export const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });
