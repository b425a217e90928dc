// Queries of the stations, connector_status and status_history tables. Nothing else.
// The ones every connecting or booting charger runs (station by id, the new-station insert, the
// BootNotification update, the connector status upsert and history insert) are compiled once
// (db/prepared.ts): building them with Kysely per message cost more than running them.
import type { Kysely } from 'kysely';
import type { Database, NewStation, Station, StationUpdate } from '../../db/schema.ts';
import { applySort, containsText, type SortKey } from '../../db/list-query.ts';
import { prepared } from '../../db/prepared.ts';

type Exec = Kysely<Database>;

const stationById = prepared((db, v: { id: string }) => db.selectFrom('stations').selectAll().where('id', '=', v.id));

export async function getStation(db: Exec, id: string): Promise<Station | undefined> {
  return (await stationById(db, { id })).rows[0];
}

export async function insertStation(db: Exec, row: NewStation): Promise<void> {
  await db.insertInto('stations').values(row).execute();
}

const insertNewStation = prepared((db, v: Station) =>
  db
    .insertInto('stations')
    .values({
      id: v.id,
      registration_status: v.registration_status,
      security_profile: v.security_profile,
      password_hash: v.password_hash,
      password_verifier: v.password_verifier,
      vendor: v.vendor,
      model: v.model,
      charge_point_serial: v.charge_point_serial,
      charge_box_serial: v.charge_box_serial,
      firmware_version: v.firmware_version,
      iccid: v.iccid,
      imsi: v.imsi,
      meter_type: v.meter_type,
      meter_serial: v.meter_serial,
      ocpp_protocol: v.ocpp_protocol,
      ocpp_versions: v.ocpp_versions,
      last_boot_at: v.last_boot_at,
      last_seen_at: v.last_seen_at,
      last_connected_at: v.last_connected_at,
      last_disconnected_at: v.last_disconnected_at,
      created_at: v.created_at,
      updated_at: v.updated_at,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id'),
);

/** Inserts the station (every column given, null where empty) unless the id is taken; true if it was inserted. */
export async function insertStationIfNew(db: Exec, row: Station): Promise<boolean> {
  return (await insertNewStation(db, row)).rows.length > 0;
}

/**
 * Inserts the station unless it exists; returns the row as stored. Every column is given (the
 * table has no defaults), so when the insert happens the row as stored is `row` itself and
 * needs no reading back.
 */
export async function insertStationIfMissing(db: Exec, row: Station): Promise<Station> {
  if (await insertStationIfNew(db, row)) return row;
  return (await getStation(db, row.id))!;
}

// Type aliases, not interfaces: prepared() needs the values to be a Record (an index signature).
export type BootRecord = {
  vendor: string;
  model: string;
  chargePointSerial: string | null;
  chargeBoxSerial: string | null;
  firmwareVersion: string | null;
  iccid: string | null;
  imsi: string | null;
  meterType: string | null;
  meterSerial: string | null;
  at: string;
};

const bootUpdate = prepared((db, v: BootRecord & { id: string }) =>
  db
    .updateTable('stations')
    .set({
      vendor: v.vendor,
      model: v.model,
      charge_point_serial: v.chargePointSerial,
      charge_box_serial: v.chargeBoxSerial,
      firmware_version: v.firmwareVersion,
      iccid: v.iccid,
      imsi: v.imsi,
      meter_type: v.meterType,
      meter_serial: v.meterSerial,
      last_boot_at: v.at,
      last_seen_at: v.at,
      updated_at: v.at,
    })
    .where('id', '=', v.id)
    .returning('registration_status'),
);

/** Stores what a BootNotification says; returns the station's registration status, undefined if there is no such station. */
export async function recordBoot(db: Exec, id: string, boot: BootRecord): Promise<Station['registration_status'] | undefined> {
  return (await bootUpdate(db, { ...boot, id })).rows[0]?.registration_status;
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

export type ConnectorStatusInput = {
  stationId: string;
  connectorId: number;
  status: string;
  errorCode: string;
  info: string | null;
  vendorId: string | null;
  vendorErrorCode: string | null;
  timestamp: string | null;
  receivedAt: string;
};

type ConnectorStatusValues = Omit<ConnectorStatusInput, 'timestamp'>;

function connectorStatusUpsert(db: Exec, v: ConnectorStatusValues, timestamp: string | null, onlyIfNotOlder: boolean) {
  const current = {
    status: v.status,
    error_code: v.errorCode,
    info: v.info,
    vendor_id: v.vendorId,
    vendor_error_code: v.vendorErrorCode,
    timestamp,
    updated_at: v.receivedAt,
  };
  return db
    .insertInto('connector_status')
    .values({ station_id: v.stationId, connector_id: v.connectorId, ...current })
    .onConflict((oc) => {
      const update = oc.columns(['station_id', 'connector_id']).doUpdateSet(current);
      return onlyIfNotOlder ? update.where((eb) => eb.or([eb('connector_status.timestamp', 'is', null), eb('connector_status.timestamp', '<=', timestamp)])) : update;
    })
    .returning('connector_id');
}

// Two shapes: a notification with a timestamp replaces the current row only if that is not
// newer; one without replaces it always.
const upsertTimed = prepared((db, v: ConnectorStatusValues & { timestamp: string }) => connectorStatusUpsert(db, v, v.timestamp, true));
const upsertUntimed = prepared((db, v: ConnectorStatusValues) => connectorStatusUpsert(db, v, null, false));
const insertHistory = prepared((db, v: ConnectorStatusInput) =>
  db.insertInto('status_history').values({
    station_id: v.stationId,
    connector_id: v.connectorId,
    status: v.status,
    error_code: v.errorCode,
    info: v.info,
    vendor_id: v.vendorId,
    vendor_error_code: v.vendorErrorCode,
    timestamp: v.timestamp,
    received_at: v.receivedAt,
  }),
);

/**
 * Current status (one row per connector) and the history of changes, in the caller's
 * transaction. A notification older than the current one (queued while offline, delivered
 * late) goes to the history only: it must not replace a newer state. Returns whether it became
 * the current status.
 */
export async function recordConnectorStatus(db: Exec, s: ConnectorStatusInput): Promise<boolean> {
  const res = s.timestamp === null ? await upsertUntimed(db, s) : await upsertTimed(db, s as ConnectorStatusInput & { timestamp: string });
  await insertHistory(db, s);
  return res.rows.length > 0;
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

/** Stations other than `exceptId` whose last BootNotification reported this serial number (profile 3: whose certificate a CN names). */
export async function stationsWithSerial(db: Exec, serial: string, exceptId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('stations')
    .select('id')
    .where((eb) => eb.or([eb('charge_point_serial', '=', serial), eb('charge_box_serial', '=', serial)]))
    .where('id', '!=', exceptId)
    .limit(5)
    .execute();
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

/** Removes unknown identities last seen before `cutoff`. */
export async function deleteUnknownStationsSeenBefore(db: Exec, cutoff: string): Promise<number> {
  const res = await db.deleteFrom('unknown_stations').where('last_seen_at', '<', cutoff).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Keeps the `keep` most recently seen unknown identities and removes the rest. */
export async function deleteUnknownStationsBeyond(db: Exec, keep: number): Promise<number> {
  const res = await db
    .deleteFrom('unknown_stations')
    .where('id', 'not in', (eb) => eb.selectFrom('unknown_stations').select('id').orderBy('last_seen_at', 'desc').orderBy('id', 'desc').limit(keep))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

export function unknownStationsPage(db: Exec, sort: SortKey[], page: { limit: number; offset: number }) {
  return applySort(db.selectFrom('unknown_stations').selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countUnknownStations(db: Exec): Promise<number> {
  const row = await db.selectFrom('unknown_stations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
