// Queries of the transactions, orphan_stops and meter_values tables. Nothing else.
import type { Insertable, Kysely } from 'kysely';
import type { Database, NewMeterValue, OrphanStopsTable, Transaction, TransactionsTable } from '../../db/schema.ts';
import { applySort, type SortKey } from '../../db/list-query.ts';
import { insertRows, prepared } from '../../db/prepared.ts';
import { ENERGY_REGISTER } from './energy.ts';

type Exec = Kysely<Database>;

export interface StartKey {
  stationId: string;
  connectorId: number;
  idTag: string;
  startTimestamp: string;
  meterStart: number;
}

/** A retried StartTransaction carries the same (station, connector, idTag, timestamp, meterStart). */
export function findByStartKey(db: Exec, k: StartKey): Promise<Transaction | undefined> {
  return db
    .selectFrom('transactions')
    .selectAll()
    .where('station_id', '=', k.stationId)
    .where('connector_id', '=', k.connectorId)
    .where('start_timestamp', '=', k.startTimestamp)
    .where('id_tag', '=', k.idTag)
    .where('meter_start', '=', k.meterStart)
    .executeTakeFirst();
}

/**
 * Inserts a new transaction; returns undefined when the same start (unique start key) is
 * already stored, e.g. by a retry committed concurrently in another batch on PostgreSQL.
 */
export async function insertTransactionIfNew(db: Exec, row: Insertable<TransactionsTable>): Promise<number | undefined> {
  const res = await db
    .insertInto('transactions')
    .values(row)
    .onConflict((oc) => oc.columns(['station_id', 'connector_id', 'start_timestamp', 'id_tag', 'meter_start']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return res ? Number(res.id) : undefined;
}

export function getTransaction(db: Exec, id: number): Promise<Transaction | undefined> {
  return db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst();
}

const stationOfTransaction = prepared((db, v: { id: number }) => db.selectFrom('transactions').select('station_id').where('id', '=', v.id));

/** The station a transaction belongs to, or undefined when there is no such transaction. */
export async function transactionStation(db: Exec, id: number): Promise<string | undefined> {
  return (await stationOfTransaction(db, { id })).rows[0]?.station_id;
}

/** The open transactions of a station, newest first (optionally of one connector or one idTag). */
export function openTransactions(db: Exec, stationId: string, filter: { connectorId?: number; idTag?: string } = {}): Promise<Transaction[]> {
  let q = db.selectFrom('transactions').selectAll().where('station_id', '=', stationId).where('stop_timestamp', 'is', null);
  if (filter.connectorId !== undefined) q = q.where('connector_id', '=', filter.connectorId);
  if (filter.idTag !== undefined) q = q.where('id_tag', '=', filter.idTag);
  return q.orderBy('start_timestamp', 'desc').orderBy('id', 'desc').execute();
}

export async function countOpenForIdTag(db: Exec, idTag: string, excludeId?: number): Promise<number> {
  let q = db.selectFrom('transactions').select((eb) => eb.fn.countAll<number>().as('n')).where('id_tag', '=', idTag).where('stop_timestamp', 'is', null);
  if (excludeId !== undefined) q = q.where('id', '!=', excludeId);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function stopTransaction(
  db: Exec,
  id: number,
  stop: { meterStop: number; stopTimestamp: string; reason: string; idTag: string | null; receivedAt: string },
): Promise<void> {
  await db
    .updateTable('transactions')
    .set({ meter_stop: stop.meterStop, stop_timestamp: stop.stopTimestamp, stop_reason: stop.reason, stop_id_tag: stop.idTag, received_stop_at: stop.receivedAt })
    .where('id', '=', id)
    .where('stop_timestamp', 'is', null)
    .execute();
}

export function findOrphanStop(db: Exec, o: { stationId: string; reportedId: number; timestamp: string; meterStop: number }) {
  return db
    .selectFrom('orphan_stops')
    .select('id')
    .where('station_id', '=', o.stationId)
    .where('reported_transaction_id', '=', o.reportedId)
    .where('timestamp', '=', o.timestamp)
    .where('meter_stop', '=', o.meterStop)
    .executeTakeFirst();
}

export async function insertOrphanStop(db: Exec, row: Insertable<OrphanStopsTable>): Promise<void> {
  await db.insertInto('orphan_stops').values(row).execute();
}

export function listOrphanStops(db: Exec, stationId: string) {
  return db.selectFrom('orphan_stops').selectAll().where('station_id', '=', stationId).orderBy('id').execute();
}

/** Rows as meterValueRows() makes them (same columns, same order); the statement text is compiled once per row count. */
export function insertMeterValues(db: Exec, rows: NewMeterValue[]): Promise<void> {
  return insertRows(db, 'meter_values', rows);
}

export function meterValuesOf(db: Exec, transactionId: number) {
  return db.selectFrom('meter_values').selectAll().where('transaction_id', '=', transactionId).orderBy('timestamp').orderBy('id').execute();
}

export function meterValuesOfStation(db: Exec, stationId: string, limit = 1000) {
  return db.selectFrom('meter_values').selectAll().where('station_id', '=', stationId).orderBy('id', 'desc').limit(limit).execute();
}

export function listTransactions(db: Exec, filter: { stationId?: string; idTag?: string; activeOnly?: boolean; limit?: number } = {}) {
  let q = db.selectFrom('transactions').selectAll();
  if (filter.stationId) q = q.where('station_id', '=', filter.stationId);
  if (filter.idTag) q = q.where('id_tag', '=', filter.idTag);
  if (filter.activeOnly) q = q.where('stop_timestamp', 'is', null);
  return q.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
}

export interface TransactionFilter {
  stationId?: string;
  idTag?: string;
  connectorId?: number;
  /** start_timestamp range [from, to) */
  from?: string;
  to?: string;
  activeOnly?: boolean;
}

function filteredTransactions(db: Exec, f: TransactionFilter) {
  let q = db.selectFrom('transactions');
  if (f.stationId) q = q.where('station_id', '=', f.stationId);
  if (f.idTag) q = q.where('id_tag', '=', f.idTag);
  if (f.connectorId !== undefined) q = q.where('connector_id', '=', f.connectorId);
  if (f.from) q = q.where('start_timestamp', '>=', f.from);
  if (f.to) q = q.where('start_timestamp', '<', f.to);
  if (f.activeOnly) q = q.where('stop_timestamp', 'is', null);
  return q;
}

export function listTransactionsPage(db: Exec, f: TransactionFilter, sort: SortKey[], page: { limit: number; offset: number }): Promise<Transaction[]> {
  return applySort(filteredTransactions(db, f).selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countTransactions(db: Exec, f: TransactionFilter): Promise<number> {
  const row = await filteredTransactions(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The latest total energy register reading of each given transaction (see energy.ts
 * isTotalEnergyReading): one indexed lookup per transaction, not all of their readings.
 */
export async function latestEnergyReadings(db: Exec, transactionIds: number[]): Promise<Map<number, { value: string; unit: string }>> {
  const out = new Map<number, { value: string; unit: string }>();
  if (transactionIds.length === 0) return out;
  const latest = await db
    .selectFrom('transactions as t')
    .where('t.id', 'in', transactionIds)
    .select((eb) => [
      't.id',
      eb
        .selectFrom('meter_values as m')
        .select('m.id')
        .whereRef('m.transaction_id', '=', 't.id')
        .where('m.measurand', '=', ENERGY_REGISTER)
        .where('m.phase', 'is', null)
        .where('m.format', '=', 'Raw')
        .where('m.unit', 'in', ['Wh', 'kWh'])
        .orderBy('m.timestamp', 'desc')
        .orderBy('m.id', 'desc')
        .limit(1)
        .as('reading_id'),
    ])
    .execute();
  const readingIds = latest.flatMap((r) => (r.reading_id === null ? [] : [Number(r.reading_id)]));
  if (readingIds.length === 0) return out;
  const readings = await db.selectFrom('meter_values').select(['transaction_id', 'value', 'unit']).where('id', 'in', readingIds).execute();
  for (const r of readings) out.set(Number(r.transaction_id), { value: r.value, unit: r.unit });
  return out;
}

export function orphanStopsPage(db: Exec, stationId: string, sort: SortKey[], page: { limit: number; offset: number }) {
  return applySort(db.selectFrom('orphan_stops').selectAll().where('station_id', '=', stationId), sort, 'id').limit(page.limit).offset(page.offset).execute();
}

export async function countOrphanStops(db: Exec, stationId: string): Promise<number> {
  const row = await db.selectFrom('orphan_stops').select((eb) => eb.fn.countAll<number>().as('n')).where('station_id', '=', stationId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Up to `limit` transactions that started in [from, to), after the keyset position `after`,
 * ordered by (start_timestamp, id): pages of a streamed export, each one an indexed range scan
 * (transactions_start_ts_idx) however deep into the range it is.
 */
export function transactionsStartedAfter(
  db: Exec,
  range: { from: string; to: string; stationId?: string },
  after: { startTimestamp: string; id: number } | null,
  limit: number,
): Promise<Transaction[]> {
  let q = db.selectFrom('transactions').selectAll().where('start_timestamp', '>=', range.from).where('start_timestamp', '<', range.to);
  if (range.stationId) q = q.where('station_id', '=', range.stationId);
  if (after) q = q.where((eb) => eb(eb.refTuple('start_timestamp', 'id'), '>', eb.tuple(after.startTimestamp, after.id)));
  return q.orderBy('start_timestamp').orderBy('id').limit(limit).execute();
}
