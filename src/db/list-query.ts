// How a list's sort and search become SQL, the same on both dialects. The HTTP side
// (`sort=` parsing, time ranges) is in src/http/list-query.ts.
import { sql, type Expression, type SqlBool } from 'kysely';

export interface SortKey {
  column: string;
  desc: boolean;
}

interface Orderable<Q> {
  orderBy(expr: Expression<any>, direction: 'asc' | 'desc'): Q;
}

/**
 * ORDER BY the sort keys, then `tiebreak` (a unique column) so that pages never overlap.
 * NULLs sort last in both directions on both dialects (SQLite and PostgreSQL disagree by
 * default), by ordering on `col IS NULL` first.
 */
export function applySort<Q extends Orderable<Q>>(q: Q, sort: SortKey[], tiebreak: string): Q {
  for (const s of sort) {
    q = q.orderBy(sql`${sql.ref(s.column)} is null`, 'asc').orderBy(sql.ref(s.column), s.desc ? 'desc' : 'asc');
  }
  return q.orderBy(sql.ref(tiebreak), sort[0]?.desc ? 'desc' : 'asc');
}

/** `lower(column) LIKE '%text%'`, with the LIKE wildcards in `text` taken literally. */
export function containsText(column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

