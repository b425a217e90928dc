// Queries of the stations, connector_status and status_history tables. Nothing else.
import type { Kysely } from 'kysely';
import type { Database, NewStation, Station, StationUpdate } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export function getStation(db: Exec, id: string): Promise<Station | undefined> {
  return db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertStation(db: Exec, row: NewStation): Promise<void> {
  await db.insertInto('stations').values(row).execute();
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
