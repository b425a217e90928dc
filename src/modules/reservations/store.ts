// Queries of the reservations table. Nothing else.
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, Reservation, ReservationsTable } from '../../db/schema.ts';
import { applySort, type SortKey } from '../../db/list-query.ts';

type Exec = Kysely<Database>;
export type ReservationStatus = ReservationsTable['status'];

/** The statuses in which a charger may be holding the reservation (Requested: no answer yet). */
export const ACTIVE_STATUSES: readonly ReservationStatus[] = ['Requested', 'Accepted'];

export interface ReservationFilter {
  stationId?: string;
  connectorId?: number;
  idTag?: string;
  statuses?: readonly ReservationStatus[];
  /** true: active and not past expiry at `now`; false: the others */
  active?: boolean;
  now: string;
}

export async function insertReservation(db: Exec, row: Insertable<ReservationsTable>): Promise<number> {
  const res = await db.insertInto('reservations').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export function getReservation(db: Exec, id: number): Promise<Reservation | undefined> {
  return db.selectFrom('reservations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Changes a reservation only while its status is one of `from`; returns whether it did. */
export async function updateReservationIf(db: Exec, id: number, from: readonly ReservationStatus[], set: Updateable<ReservationsTable>): Promise<boolean> {
  const res = await db.updateTable('reservations').set(set).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Marks every active reservation whose expiry date has passed as Expired; returns them. */
export function expireDue(db: Exec, now: string): Promise<Array<Pick<Reservation, 'id' | 'station_id' | 'connector_id' | 'transaction_id'>>> {
  return db
    .updateTable('reservations')
    .set({ status: 'Expired', ended_at: now, updated_at: now })
    .where('status', 'in', ACTIVE_STATUSES)
    .where('expiry_date', '<=', now)
    .returning(['id', 'station_id', 'connector_id', 'transaction_id'])
    .execute();
}

/** The earliest expiry date among active reservations, if any. */
export async function nextExpiry(db: Exec): Promise<string | null> {
  const row = await db
    .selectFrom('reservations')
    .select((eb) => eb.fn.min('expiry_date').as('next'))
    .where('status', 'in', ACTIVE_STATUSES)
    .executeTakeFirst();
  return (row?.next as string | null | undefined) ?? null;
}

function filtered(db: Exec, f: ReservationFilter) {
  let q = db.selectFrom('reservations');
  if (f.stationId !== undefined) q = q.where('station_id', '=', f.stationId);
  if (f.connectorId !== undefined) q = q.where('connector_id', '=', f.connectorId);
  if (f.idTag !== undefined) q = q.where('id_tag', '=', f.idTag);
  if (f.statuses?.length) q = q.where('status', 'in', f.statuses);
  // Between two sweeps a reservation past its expiry date is no longer active, whatever its stored status.
  if (f.active === true) q = q.where('status', 'in', ACTIVE_STATUSES).where('expiry_date', '>', f.now);
  if (f.active === false) q = q.where((eb) => eb.or([eb('status', 'not in', ACTIVE_STATUSES), eb('expiry_date', '<=', f.now)]));
  return q;
}

export function listReservationsPage(db: Exec, f: ReservationFilter, sort: SortKey[], page: { limit: number; offset: number }): Promise<Reservation[]> {
  return applySort(filtered(db, f).selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countReservations(db: Exec, f: ReservationFilter): Promise<number> {
  const row = await filtered(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
