// Queries of the charging_profiles and charging_limits tables. Nothing else.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ChargingLimitsTable, ChargingProfilesTable, Database } from '../../db/schema.ts';
import { prepared } from '../../db/prepared.ts';

type Exec = Kysely<Database>;
export type ChargingProfileRow = Selectable<ChargingProfilesTable>;
export type ChargingLimitsRow = Selectable<ChargingLimitsTable>;

export interface ProfileFilter {
  connectorId?: number;
  purpose?: ChargingProfilesTable['purpose'];
}

/** A station's installed profiles, by connector, purpose and stack level. */
export function profilesOf(db: Exec, stationId: string, filter: ProfileFilter = {}): Promise<ChargingProfileRow[]> {
  let q = db.selectFrom('charging_profiles').selectAll().where('station_id', '=', stationId);
  if (filter.connectorId !== undefined) q = q.where('connector_id', '=', filter.connectorId);
  if (filter.purpose !== undefined) q = q.where('purpose', '=', filter.purpose);
  return q.orderBy('connector_id').orderBy('purpose').orderBy('stack_level').orderBy('charging_profile_id').execute();
}

export async function insertProfile(db: Exec, row: Insertable<ChargingProfilesTable>): Promise<void> {
  await db.insertInto('charging_profiles').values(row).execute();
}

export async function deleteProfiles(db: Exec, stationId: string, chargingProfileIds: number[]): Promise<number> {
  if (chargingProfileIds.length === 0) return 0;
  const res = await db.deleteFrom('charging_profiles').where('station_id', '=', stationId).where('charging_profile_id', 'in', chargingProfileIds).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The TxProfiles of a transaction that ended (OCPP 1.6 §3.13.1: they are deleted with it). */
export async function deleteTxProfilesOf(db: Exec, stationId: string, transactionId: number): Promise<number> {
  const res = await db
    .deleteFrom('charging_profiles')
    .where('station_id', '=', stationId)
    .where('purpose', '=', 'TxProfile')
    .where('transaction_id', '=', transactionId)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

// Read at every BootNotification: compiled once.
const limitsByStation = prepared((db, v: { stationId: string }) => db.selectFrom('charging_limits').selectAll().where('station_id', '=', v.stationId));

export async function limitsOf(db: Exec, stationId: string): Promise<ChargingLimitsRow | undefined> {
  return (await limitsByStation(db, { stationId })).rows[0];
}

export async function saveLimits(db: Exec, row: Insertable<ChargingLimitsTable>): Promise<void> {
  const { station_id: _, ...rest } = row;
  await db.insertInto('charging_limits').values(row).onConflict((oc) => oc.column('station_id').doUpdateSet(rest)).execute();
}

/** Forgets a station's limits; with `source`, only limits of that origin. */
export async function deleteLimits(db: Exec, stationId: string, source?: ChargingLimitsTable['source']): Promise<number> {
  let q = db.deleteFrom('charging_limits').where('station_id', '=', stationId);
  if (source) q = q.where('source', '=', source);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}
