// Queries of the stations, connector_status and status_history tables. Nothing else.
import type { Kysely } from 'kysely';
import type { Database, NewStation, Station, StationUpdate } from '../../db/schema.ts';
import { applySort, containsText, type SortKey } from '../../db/list-query.ts';

type Exec = Kysely<Database>;

export function getStation(db: Exec, id: string): Promise<Station | undefined> {
  return db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertStation(db: Exec, row: NewStation): Promise<void> {
  await db.insertInto('stations').values(row).execute();
}

/** Inserts the station unless the id is taken; true if it was inserted. */
export async function insertStationIfNew(db: Exec, row: NewStation): Promise<boolean> {
  const res = await db.insertInto('stations').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
  return res !== undefined;
}

/** Inserts the station unless it exists; returns the row as stored. */
export async function insertStationIfMissing(db: Exec, row: NewStation): Promise<Station> {
  await db.insertInto('stations').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  return (await getStation(db, row.id))!;
}

export async function updateStation(db: Exec, id: string, patch: StationUpdate): Promise<number> {
  const res = await db.updateTable('stations').set(patch).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export function listStations(db: Exec): Promise<Station[]> {
  return db.selectFrom('stations').selectAll().orderBy('id').execute();
}

export async function deleteStation(db: Exec, id: string): Promise<number> {
  const res = await db.deleteFrom('stations').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows);
}

export interface ConnectorStatusInput {
  stationId: string;
  connectorId: number;
  status: string;
  errorCode: string;
  info: string | null;
  vendorId: string | null;
  vendorErrorCode: string | null;
  timestamp: string | null;
  receivedAt: string;
}

/**
 * Current status (one row per connector) and the history of changes, in the caller's
 * transaction. A notification older than the current one (queued while offline, delivered
 * late) goes to the history only: it must not replace a newer state.
 */
export async function recordConnectorStatus(db: Exec, s: ConnectorStatusInput): Promise<void> {
  const current = {
    status: s.status,
    error_code: s.errorCode,
    info: s.info,
    vendor_id: s.vendorId,
    vendor_error_code: s.vendorErrorCode,
    timestamp: s.timestamp,
    updated_at: s.receivedAt,
  };
  await db
    .insertInto('connector_status')
    .values({ station_id: s.stationId, connector_id: s.connectorId, ...current })
    .onConflict((oc) =>
      oc
        .columns(['station_id', 'connector_id'])
        .doUpdateSet(current)
        .where((eb) =>
          s.timestamp === null
            ? eb.lit(true)
            : eb.or([eb('connector_status.timestamp', 'is', null), eb('connector_status.timestamp', '<=', s.timestamp)]),
        ),
    )
    .execute();
  await db
    .insertInto('status_history')
    .values({
      station_id: s.stationId,
      connector_id: s.connectorId,
      status: s.status,
      error_code: s.errorCode,
      info: s.info,
      vendor_id: s.vendorId,
      vendor_error_code: s.vendorErrorCode,
      timestamp: s.timestamp,
      received_at: s.receivedAt,
    })
    .execute();
}

export function getConnectorStatuses(db: Exec, stationId: string) {
  return db.selectFrom('connector_status').selectAll().where('station_id', '=', stationId).orderBy('connector_id').execute();
}

export function getStatusHistory(db: Exec, stationId: string, connectorId?: number, limit = 100) {
  let q = db.selectFrom('status_history').selectAll().where('station_id', '=', stationId);
  if (connectorId !== undefined) q = q.where('connector_id', '=', connectorId);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

export interface StationFilter {
  registrationStatus?: Station['registration_status'];
  /** substring of the id, vendor or model, case-insensitive */
  search?: string;
}

function filteredStations(db: Exec, f: StationFilter) {
  let q = db.selectFrom('stations');
  if (f.registrationStatus) q = q.where('registration_status', '=', f.registrationStatus);
  if (f.search) {
    const text = f.search;
    q = q.where((eb) => eb.or([containsText('id', text), containsText('vendor', text), containsText('model', text)]));
  }
  return q;
}

export function listStationsPage(db: Exec, f: StationFilter, sort: SortKey[], page: { limit: number; offset: number }): Promise<Station[]> {
  return applySort(filteredStations(db, f).selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countStations(db: Exec, f: StationFilter): Promise<number> {
  const row = await filteredStations(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Only the ids, in the requested order: for filters the database cannot apply (live connection state). */
export async function listStationIds(db: Exec, f: StationFilter, sort: SortKey[]): Promise<string[]> {
  const rows = await applySort(filteredStations(db, f).select('id'), sort, 'id').execute();
  return rows.map((r) => r.id);
}

export function getStationsByIds(db: Exec, ids: string[]): Promise<Station[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('stations').selectAll().where('id', 'in', ids).execute();
}

export function connectorStatusesOf(db: Exec, stationIds: string[]) {
  if (stationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('connector_status').selectAll().where('station_id', 'in', stationIds).orderBy('station_id').orderBy('connector_id').execute();
}

export async function deleteConnectorStatuses(db: Exec, stationId: string): Promise<void> {
  await db.deleteFrom('connector_status').where('station_id', '=', stationId).execute();
}

export interface HistoryFilter {
  stationId: string;
  connectorId: number;
  /** received_at range */
  from?: string;
  to?: string;
}

function filteredHistory(db: Exec, f: HistoryFilter) {
  let q = db.selectFrom('status_history').where('station_id', '=', f.stationId).where('connector_id', '=', f.connectorId);
  if (f.from) q = q.where('received_at', '>=', f.from);
  if (f.to) q = q.where('received_at', '<', f.to);
  return q;
}

export function statusHistoryPage(db: Exec, f: HistoryFilter, sort: SortKey[], page: { limit: number; offset: number }) {
  return applySort(filteredHistory(db, f).selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countStatusHistory(db: Exec, f: HistoryFilter): Promise<number> {
  const row = await filteredHistory(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface UnknownStationAttempts {
  id: string;
  firstAt: string;
  /** the latest attempt */
  at: string;
  remoteAddress: string | null;
  attempts: number;
}

/** Adds connection attempts of an unknown identity (one row per identity). */
export async function recordUnknownStation(db: Exec, row: UnknownStationAttempts): Promise<void> {
  await db
    .insertInto('unknown_stations')
    .values({ id: row.id, first_seen_at: row.firstAt, last_seen_at: row.at, last_remote_address: row.remoteAddress, attempts: row.attempts })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        last_seen_at: eb.ref('excluded.last_seen_at'),
        last_remote_address: eb.ref('excluded.last_remote_address'),
        attempts: eb(eb.ref('unknown_stations.attempts'), '+', eb.ref('excluded.attempts')),
      })),
    )
    .execute();
}

export async function deleteUnknownStation(db: Exec, id: string): Promise<void> {
  await db.deleteFrom('unknown_stations').where('id', '=', id).execute();
}

export function unknownStationsPage(db: Exec, sort: SortKey[], page: { limit: number; offset: number }) {
  return applySort(db.selectFrom('unknown_stations').selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countUnknownStations(db: Exec): Promise<number> {
  const row = await db.selectFrom('unknown_stations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
