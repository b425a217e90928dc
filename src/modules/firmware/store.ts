// Queries of the firmware repository, the UpdateFirmware requests and the
// FirmwareStatusNotification timeline. Nothing else. Executor first (ADR 0003).
import { sql } from 'kysely';
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, FirmwareFilesTable, FirmwareUpdatesTable } from '../../db/schema.ts';
import { prepared } from '../../db/prepared.ts';

type Exec = Kysely<Database>;

// Repository

export async function insertFirmwareFile(db: Exec, row: Insertable<FirmwareFilesTable>): Promise<number> {
  const res = await db.insertInto('firmware_files').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export function getFirmwareFile(db: Exec, id: number) {
  return db.selectFrom('firmware_files').selectAll().where('id', '=', id).executeTakeFirst();
}

export function firmwareFileByToken(db: Exec, token: string) {
  return db.selectFrom('firmware_files').selectAll().where('download_token', '=', token).executeTakeFirst();
}

export function listFirmwareFiles(db: Exec, page: { limit: number; offset: number }) {
  return db.selectFrom('firmware_files').selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
}

export async function countFirmwareFiles(db: Exec): Promise<number> {
  const row = await db.selectFrom('firmware_files').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function patchFirmwareFile(db: Exec, id: number, patch: Updateable<FirmwareFilesTable>): Promise<void> {
  await db.updateTable('firmware_files').set(patch).where('id', '=', id).execute();
}

export async function deleteFirmwareFile(db: Exec, id: number): Promise<number> {
  const res = await db.deleteFrom('firmware_files').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows);
}

// UpdateFirmware requests

export async function insertUpdate(db: Exec, row: Insertable<FirmwareUpdatesTable>): Promise<number> {
  const res = await db.insertInto('firmware_updates').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export async function patchUpdate(db: Exec, id: number, patch: Updateable<FirmwareUpdatesTable>): Promise<void> {
  await db.updateTable('firmware_updates').set(patch).where('id', '=', id).execute();
}

export function getUpdate(db: Exec, id: number) {
  return db.selectFrom('firmware_updates').selectAll().where('id', '=', id).executeTakeFirst();
}

export function getUpdates(db: Exec, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('firmware_updates').selectAll().where('id', 'in', [...ids]).execute();
}

// LIMIT as a literal, not a bound value: SQLite re-prepares a statement whose LIMIT is a bound
// parameter each time it is bound (about 8 us here against 1.3 us for the lookup), and this one
// runs at every BootNotification. Compiled once (db/prepared.ts) for the same reason.
const latestSent = prepared((db, v: { stationId: string }) =>
  db
    .selectFrom('firmware_updates')
    .selectAll()
    .where('station_id', '=', v.stationId)
    .where('command_status', 'not in', ['error', 'rejected'])
    .orderBy('id', 'desc')
    .limit(sql.lit(1)),
);

/**
 * The update a FirmwareStatusNotification reports on: the station's most recent one that
 * was (or is being) sent. OCPP 1.6 §4.5 gives the notification no reference, and a charger
 * works on one firmware update at a time. Uses the (station_id, id) index.
 */
export async function latestSentUpdate(db: Exec, stationId: string): Promise<Selectable<FirmwareUpdatesTable> | undefined> {
  return (await latestSent(db, { stationId })).rows[0];
}

/** The station's update sent (not refused, not undelivered) before `beforeId`. */
export function previousSentUpdate(db: Exec, stationId: string, beforeId: number) {
  return db
    .selectFrom('firmware_updates')
    .selectAll()
    .where('station_id', '=', stationId)
    .where('id', '<', beforeId)
    .where('command_status', 'not in', ['error', 'rejected'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The signed update `requestId` (its id) of this station, if there is one. */
export function signedUpdateOf(db: Exec, stationId: string, requestId: number) {
  if (!Number.isSafeInteger(requestId) || requestId < 1) return Promise.resolve(undefined);
  return db.selectFrom('firmware_updates').selectAll().where('id', '=', requestId).where('station_id', '=', stationId).where('signed', '=', 1).executeTakeFirst();
}

/** 2.0.1: every UpdateFirmware carries a requestId (its record's id), signed or not. */
export function updateOfRequest(db: Exec, stationId: string, requestId: number) {
  if (!Number.isSafeInteger(requestId) || requestId < 1) return Promise.resolve(undefined);
  return db.selectFrom('firmware_updates').selectAll().where('id', '=', requestId).where('station_id', '=', stationId).executeTakeFirst();
}

export function listUpdates(db: Exec, stationId: string, limit: number) {
  return db.selectFrom('firmware_updates').selectAll().where('station_id', '=', stationId).orderBy('id', 'desc').limit(limit).execute();
}

// FirmwareStatusNotification timeline

export async function insertFirmwareStatus(db: Exec, row: { station_id: string; update_id: number | null; status: string; received_at: string }): Promise<void> {
  await db.insertInto('firmware_status_history').values(row).execute();
}

export function firmwareTimeline(db: Exec, stationId: string, limit: number) {
  return db
    .selectFrom('firmware_status_history')
    .selectAll()
    .where('station_id', '=', stationId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
