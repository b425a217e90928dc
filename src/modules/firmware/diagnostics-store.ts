// Queries of the GetDiagnostics requests, their DiagnosticsStatusNotification timeline and the
// files chargers uploaded. Nothing else. Executor first (ADR 0003).
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, DiagnosticsFilesTable, DiagnosticsRequestsTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export async function insertRequest(db: Exec, row: Insertable<DiagnosticsRequestsTable>): Promise<number> {
  const res = await db.insertInto('diagnostics_requests').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export async function patchRequest(db: Exec, id: number, patch: Updateable<DiagnosticsRequestsTable>): Promise<void> {
  await db.updateTable('diagnostics_requests').set(patch).where('id', '=', id).execute();
}

export function getRequest(db: Exec, id: number) {
  return db.selectFrom('diagnostics_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export function requestByToken(db: Exec, token: string) {
  return db.selectFrom('diagnostics_requests').selectAll().where('upload_token', '=', token).executeTakeFirst();
}

/** The request a DiagnosticsStatusNotification reports on: the station's latest GetDiagnostics that was sent. */
export function latestSentRequest(db: Exec, stationId: string) {
  return db
    .selectFrom('diagnostics_requests')
    .selectAll()
    .where('station_id', '=', stationId)
    .where('kind', '=', 'GetDiagnostics')
    .where('command_status', '!=', 'error')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function listRequests(db: Exec, stationId: string, limit: number, kind: 'GetDiagnostics' | 'GetLog' = 'GetDiagnostics') {
  return db.selectFrom('diagnostics_requests').selectAll().where('station_id', '=', stationId).where('kind', '=', kind).orderBy('id', 'desc').limit(limit).execute();
}

/** The GetLog request a LogStatusNotification names (its requestId is the row id). */
export function logRequest(db: Exec, stationId: string, id: number) {
  return db.selectFrom('diagnostics_requests').selectAll().where('id', '=', id).where('station_id', '=', stationId).where('kind', '=', 'GetLog').executeTakeFirst();
}

/** The status notifications linked to these requests, oldest first. */
export function statusesOfRequests(db: Exec, requestIds: number[]) {
  if (requestIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('diagnostics_status_history').selectAll().where('request_id', 'in', requestIds).orderBy('id', 'asc').execute();
}

export function filesOfRequests(db: Exec, requestIds: number[]) {
  if (requestIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('diagnostics_files').selectAll().where('request_id', 'in', requestIds).orderBy('id', 'asc').execute();
}

export async function insertDiagnosticsStatus(db: Exec, row: { station_id: string; request_id: number | null; status: string; received_at: string }): Promise<void> {
  await db.insertInto('diagnostics_status_history').values(row).execute();
}

export function diagnosticsTimeline(db: Exec, stationId: string, limit: number) {
  // LogStatusNotifications are kept here too, always linked to their GetLog request: left out.
  return db
    .selectFrom('diagnostics_status_history')
    .selectAll()
    .where('station_id', '=', stationId)
    .where((eb) => eb.or([eb('request_id', 'is', null), eb('request_id', 'not in', eb.selectFrom('diagnostics_requests').select('id').where('station_id', '=', stationId).where('kind', '=', 'GetLog'))]))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function insertFile(db: Exec, row: Insertable<DiagnosticsFilesTable>): Promise<number> {
  const res = await db.insertInto('diagnostics_files').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export function getFile(db: Exec, id: number) {
  return db.selectFrom('diagnostics_files').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countFilesOfRequest(db: Exec, requestId: number): Promise<number> {
  const row = await db
    .selectFrom('diagnostics_files')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('request_id', '=', requestId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function listFiles(db: Exec, stationId: string, page: { limit: number; offset: number }) {
  return db.selectFrom('diagnostics_files').selectAll().where('station_id', '=', stationId).orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
}

export async function countFiles(db: Exec, stationId: string): Promise<number> {
  const row = await db
    .selectFrom('diagnostics_files')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('station_id', '=', stationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteFile(db: Exec, id: number): Promise<number> {
  const res = await db.deleteFrom('diagnostics_files').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows);
}
