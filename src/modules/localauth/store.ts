// Queries of the local_list_* tables. Nothing else.
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, LocalListStationsTable, LocalListUpdatesTable } from '../../db/schema.ts';
import { prepared } from '../../db/prepared.ts';
import type { ListEntry } from './list.ts';

type Exec = Kysely<Database>;
export type LocalListStation = Selectable<LocalListStationsTable>;
export type LocalListUpdate = Selectable<LocalListUpdatesTable>;

// 5 columns a row: far below every dialect's bound-parameter limit.
const CHUNK = 500;
/** SendLocalList history kept per station. */
export const UPDATES_KEPT = 200;

// Read for every connecting and booting station: compiled once.
const stationSettings = prepared((db, v: { stationId: string }) => db.selectFrom('local_list_stations').selectAll().where('station_id', '=', v.stationId));

export async function getStation(db: Exec, stationId: string): Promise<LocalListStation | undefined> {
  return (await stationSettings(db, { stationId })).rows[0];
}

/** Inserts the row unless the station has one; returns the stored row either way. */
export async function ensureStation(db: Exec, row: Insertable<LocalListStationsTable>): Promise<LocalListStation> {
  await db.insertInto('local_list_stations').values(row).onConflict((oc) => oc.column('station_id').doNothing()).execute();
  return (await getStation(db, row.station_id as string))!;
}

export async function updateStation(db: Exec, stationId: string, patch: Updateable<LocalListStationsTable>): Promise<void> {
  await db.updateTable('local_list_stations').set(patch).where('station_id', '=', stationId).execute();
}

/** Stations that get lists automatically: managed, auto-sync on, not known to lack support. */
export function autoSyncStations(db: Exec): Promise<LocalListStation[]> {
  return db
    .selectFrom('local_list_stations')
    .selectAll()
    .where('managed', '=', 1)
    .where('auto_sync', '=', 1)
    .where((eb) => eb.or([eb('supported', 'is', null), eb('supported', '=', 1)]))
    .execute();
}

/** The stations whose charger holds one of these idTags. */
export async function stationsHolding(db: Exec, idTags: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < idTags.length; i += CHUNK) {
    const rows = await db.selectFrom('local_list_entries').select('station_id').distinct().where('id_tag', 'in', idTags.slice(i, i + CHUNK)).execute();
    for (const r of rows) found.add(r.station_id);
  }
  return found;
}

export async function heldEntries(db: Exec, stationId: string): Promise<ListEntry[]> {
  const rows = await db.selectFrom('local_list_entries').selectAll().where('station_id', '=', stationId).orderBy('id_tag').execute();
  return rows.map((r) => ({ idTag: r.id_tag, status: r.status, expiryDate: r.expiry_date, parentIdTag: r.parent_id_tag }));
}

export async function countHeldEntries(db: Exec, stationId: string): Promise<number> {
  const row = await db.selectFrom('local_list_entries').select((eb) => eb.fn.countAll<number>().as('n')).where('station_id', '=', stationId).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function insertEntries(db: Exec, stationId: string, entries: readonly ListEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += CHUNK) {
    await db
      .insertInto('local_list_entries')
      .values(entries.slice(i, i + CHUNK).map((e) => ({ station_id: stationId, id_tag: e.idTag, status: e.status, expiry_date: e.expiryDate, parent_id_tag: e.parentIdTag })))
      .onConflict((oc) =>
        oc.columns(['station_id', 'id_tag']).doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          expiry_date: eb.ref('excluded.expiry_date'),
          parent_id_tag: eb.ref('excluded.parent_id_tag'),
        })),
      )
      .execute();
  }
}

/** A Full update was accepted: the charger holds exactly these entries. */
export async function replaceEntries(db: Exec, stationId: string, entries: readonly ListEntry[]): Promise<void> {
  await db.deleteFrom('local_list_entries').where('station_id', '=', stationId).execute();
  await insertEntries(db, stationId, entries);
}

/** A Differential update was accepted: these entries are added or changed, those removed. */
export async function applyEntries(db: Exec, stationId: string, upserts: readonly ListEntry[], deletions: readonly string[]): Promise<void> {
  for (let i = 0; i < deletions.length; i += CHUNK) {
    await db.deleteFrom('local_list_entries').where('station_id', '=', stationId).where('id_tag', 'in', deletions.slice(i, i + CHUNK)).execute();
  }
  await insertEntries(db, stationId, upserts);
}

/** Records a sent update and keeps the newest UPDATES_KEPT of the station. */
export async function recordUpdate(db: Exec, row: Insertable<LocalListUpdatesTable>): Promise<void> {
  await db.insertInto('local_list_updates').values(row).execute();
  const stationId = row.station_id as string;
  const oldestKept = await db
    .selectFrom('local_list_updates')
    .select('id')
    .where('station_id', '=', stationId)
    .orderBy('id', 'desc')
    .limit(1)
    .offset(UPDATES_KEPT - 1)
    .executeTakeFirst();
  if (oldestKept) await db.deleteFrom('local_list_updates').where('station_id', '=', stationId).where('id', '<', oldestKept.id).execute();
}

export function recentUpdates(db: Exec, stationId: string, limit: number): Promise<LocalListUpdate[]> {
  return db.selectFrom('local_list_updates').selectAll().where('station_id', '=', stationId).orderBy('id', 'desc').limit(limit).execute();
}
