// Queries of the security events. Nothing else. Executor first (ADR 0003).
import { sql, type Insertable, type Kysely } from 'kysely';
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

export async function deleteReceivedBefore(db: Exec, cutoff: string): Promise<number> {
  const res = await db.deleteFrom('security_events').where('received_at', '<', cutoff).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Stations holding more events than the cap, with the id below which their events go. */
export async function overCap(db: Exec, maxRows: number): Promise<Array<{ stationId: string; cutoffId: number }>> {
  const heavy = await db
    .selectFrom('security_events')
    .select(['station_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('station_id')
    .having(sql`count(*)`, '>', maxRows)
    .execute();
  const out: Array<{ stationId: string; cutoffId: number }> = [];
  for (const h of heavy) {
    const row = await db.selectFrom('security_events').select('id').where('station_id', '=', h.station_id).orderBy('id', 'desc').offset(maxRows - 1).limit(1).executeTakeFirst();
    if (row) out.push({ stationId: h.station_id, cutoffId: Number(row.id) });
  }
  return out;
}

export async function deleteBelow(db: Exec, stationId: string, cutoffId: number): Promise<number> {
  const res = await db.deleteFrom('security_events').where('station_id', '=', stationId).where('id', '<', cutoffId).executeTakeFirst();
  return Number(res.numDeletedRows);
}
