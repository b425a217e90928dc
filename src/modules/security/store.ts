// Queries of the security events. Nothing else. Executor first (ADR 0003).
import type { Insertable, Kysely } from 'kysely';
import type { Database, SecurityEventsTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export interface SecurityEventFilter {
  stationId?: string;
  type?: string;
  critical?: boolean;
  source?: 'station' | 'csms';
  /** inclusive, on the event's timestamp */
  from?: string;
  /** exclusive */
  to?: string;
}

export async function insertEvent(db: Exec, row: Insertable<SecurityEventsTable>): Promise<number> {
  const res = await db.insertInto('security_events').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

function filtered(db: Exec, f: SecurityEventFilter) {
  let q = db.selectFrom('security_events');
  if (f.stationId !== undefined) q = q.where('station_id', '=', f.stationId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.critical !== undefined) q = q.where('critical', '=', f.critical ? 1 : 0);
  if (f.source !== undefined) q = q.where('source', '=', f.source);
  if (f.from !== undefined) q = q.where('timestamp', '>=', f.from);
  if (f.to !== undefined) q = q.where('timestamp', '<', f.to);
  return q;
}

/** Newest first (the event's timestamp, then arrival). */
export function listEvents(db: Exec, f: SecurityEventFilter, page: { limit: number; offset: number }) {
  return filtered(db, f).selectAll().orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
}

export async function countEvents(db: Exec, f: SecurityEventFilter): Promise<number> {
  const row = await filtered(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function getEvent(db: Exec, id: number) {
  return db.selectFrom('security_events').selectAll().where('id', '=', id).executeTakeFirst();
}

