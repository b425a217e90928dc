// Queries of the message_log table. Nothing else.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { applySort, type SortKey } from '../../db/list-query.ts';

type Exec = Kysely<Database>;

export interface MessageLogFilter {
  stationId: string;
  action?: string;
  since?: string;
  until?: string;
  limit?: number;
}

export function listMessages(db: Exec, f: MessageLogFilter) {
  let q = db.selectFrom('message_log').selectAll().where('station_id', '=', f.stationId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.since) q = q.where('created_at', '>=', f.since);
  if (f.until) q = q.where('created_at', '<', f.until);
  return q.orderBy('id', 'desc').limit(f.limit ?? 100).execute();
}

export interface MessagePageFilter {
  stationId: string;
  action?: string;
  direction?: 'in' | 'out';
  /** created_at range [from, to) */
  from?: string;
  to?: string;
}

function filteredMessages(db: Exec, f: MessagePageFilter) {
  let q = db.selectFrom('message_log').where('station_id', '=', f.stationId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.direction) q = q.where('direction', '=', f.direction);
  if (f.from) q = q.where('created_at', '>=', f.from);
  if (f.to) q = q.where('created_at', '<', f.to);
  return q;
}

export function listMessagesPage(db: Exec, f: MessagePageFilter, sort: SortKey[], page: { limit: number; offset: number }) {
  return applySort(filteredMessages(db, f).selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countMessages(db: Exec, f: MessagePageFilter): Promise<number> {
  const row = await filteredMessages(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
