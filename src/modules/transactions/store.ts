// Queries of the transactions, orphan_stops and meter_values tables. Nothing else.
import { sql, type Insertable, type Kysely, type RawBuilder } from 'kysely';
import type { Database, NewMeterValue, OrphanStopsTable, Transaction, TransactionEventsTable, TransactionsTable } from '../../db/schema.ts';
import { applySort, type SortKey } from '../../db/list-query.ts';
import { insertRows, prepared } from '../../db/prepared.ts';
import { ENERGY_REGISTER } from './energy.ts';
import type { DialectName } from '../../db/ddl.ts';

type Exec = Kysely<Database>;

// type, not interface: prepared() needs values with an index signature.
export type StartKey = {
  stationId: string;
  connectorId: number;
  idTag: string;
  startTimestamp: string;
  meterStart: number;
};

// The queries of every StartTransaction, StopTransaction and MeterValues are compiled once
// (prepared.ts): building them with Kysely on every message cost more than running them.

const byStartKey = prepared((db, k: StartKey) =>
  db
    .selectFrom('transactions')
    .selectAll()
    .where('station_id', '=', k.stationId)
    .where('connector_id', '=', k.connectorId)
    .where('start_timestamp', '=', k.startTimestamp)
    .where('id_tag', '=', k.idTag)
    .where('meter_start', '=', k.meterStart),
);

/** A retried StartTransaction carries the same (station, connector, idTag, timestamp, meterStart). */
export async function findByStartKey(db: Exec, k: StartKey): Promise<Transaction | undefined> {
  return (await byStartKey(db, k)).rows[0];
}

/** Columns of migration 0016_sessions: a 1.6 start sets them from its id (setOcpp16Session). */
type SessionColumns = 'external_id' | 'evse_id' | 'ocpp_version' | 'charging_state' | 'remote_start_id' | 'last_seq_no' | 'id_token_type';
type NewTransaction = Required<Omit<Insertable<TransactionsTable>, 'id' | SessionColumns>>;

const insertIfNew = prepared((db, r: NewTransaction) =>
  db
    .insertInto('transactions')
    .values({
      station_id: r.station_id,
      connector_id: r.connector_id,
      id_tag: r.id_tag,
      start_id_tag_status: r.start_id_tag_status,
      reservation_id: r.reservation_id,
      meter_start: r.meter_start,
      start_timestamp: r.start_timestamp,
      meter_stop: r.meter_stop,
      stop_timestamp: r.stop_timestamp,
      stop_reason: r.stop_reason,
      stop_id_tag: r.stop_id_tag,
      received_start_at: r.received_start_at,
      received_stop_at: r.received_stop_at,
    })
    .onConflict((oc) => oc.columns(['station_id', 'connector_id', 'start_timestamp', 'id_tag', 'meter_start']).doNothing())
    .returning('id'),
);

/**
 * Inserts a new transaction; returns undefined when the same start (unique start key) is
 * already stored, e.g. by a retry committed concurrently in another batch on PostgreSQL.
 */
export async function insertTransactionIfNew(db: Exec, row: NewTransaction): Promise<number | undefined> {
  const res = (await insertIfNew(db, row)).rows[0];
  return res ? Number(res.id) : undefined;
}

const ocpp16Session = prepared((db, v: { id: number }) =>
  db
    .updateTable('transactions')
    .set({ external_id: sql<string>`cast(id as text)`, evse_id: sql<number>`connector_id` })
    .where('id', '=', v.id),
);

/** A new 1.6 transaction: the charger's id is Plugboard's (as text), its EVSE is its connector. */
export async function setOcpp16Session(db: Exec, id: number): Promise<void> {
  await ocpp16Session(db, { id });
}

export type NewSession201 = NewTransaction & {
  external_id: string;
  evse_id: number;
  charging_state: string | null;
  remote_start_id: number | null;
  last_seq_no: number;
  id_token_type: string | null;
};

/** A 2.0.1 session (TransactionEvent Started or the first event seen); undefined when (station, external_id) exists. */
export async function insertSession201(db: Exec, row: NewSession201): Promise<number | undefined> {
  const res = await db
    .insertInto('transactions')
    .values({ ...row, ocpp_version: '2.0.1' })
    .onConflict((oc) => oc.columns(['station_id', 'external_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return res ? Number(res.id) : undefined;
}

export function findByExternalId(db: Exec, stationId: string, externalId: string): Promise<Transaction | undefined> {
  return db.selectFrom('transactions').selectAll().where('station_id', '=', stationId).where('external_id', '=', externalId).executeTakeFirst();
}

export function updateSession(db: Exec, id: number, set: Partial<Pick<Transaction, 'charging_state' | 'last_seq_no' | 'remote_start_id' | 'id_tag' | 'id_token_type' | 'evse_id' | 'connector_id'>>) {
  return db.updateTable('transactions').set(set).where('id', '=', id).execute();
}

export async function insertEvent(db: Exec, row: Insertable<TransactionEventsTable>): Promise<boolean> {
  const res = await db.insertInto('transaction_events').values(row).onConflict((oc) => oc.columns(['transaction_id', 'seq_no']).doNothing()).returning('id').executeTakeFirst();
  return res !== undefined;
}

export function eventsOf(db: Exec, transactionId: number) {
  return db.selectFrom('transaction_events').selectAll().where('transaction_id', '=', transactionId).orderBy('seq_no').execute();
}

const byId = prepared((db, v: { id: number }) => db.selectFrom('transactions').selectAll().where('id', '=', v.id));

export async function getTransaction(db: Exec, id: number): Promise<Transaction | undefined> {
  return (await byId(db, { id })).rows[0];
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

/**
 * Transactions of a station that Plugboard closed without a meter reading (a boot, a new start or
 * Available on the connector, an operator): the charger's own StopTransaction may still come.
 * Latest start first.
 */
export function closedWithoutReading(db: Exec, stationId: string, filter: { idTag?: string } = {}): Promise<Transaction[]> {
  let q = db.selectFrom('transactions').selectAll().where('station_id', '=', stationId).where('stop_timestamp', 'is not', null).where('meter_stop', 'is', null);
  if (filter.idTag !== undefined) q = q.where('id_tag', '=', filter.idTag);
  return q.orderBy('start_timestamp', 'desc').orderBy('id', 'desc').limit(2).execute();
}

/** (station, connector) of the open transactions of the given stations: one query for a page of stations. */
export function openConnectorsOf(db: Exec, stationIds: string[]): Promise<Array<{ station_id: string; connector_id: number }>> {
  if (stationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('transactions').select(['station_id', 'connector_id']).distinct().where('station_id', 'in', stationIds).where('stop_timestamp', 'is', null).execute();
}

/**
 * The token's running transactions: open and Accepted at start. A start answered with another
 * status (ConcurrentTx, Invalid, Blocked, Expired) is one the charger must end (OCPP 1.6 §4.8);
 * a charger that never sends its StopTransaction must not lock the token out.
 */
export async function countOpenForIdTag(db: Exec, idTag: string, excludeId?: number): Promise<number> {
  let q = db
    .selectFrom('transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id_tag', '=', idTag)
    .where('stop_timestamp', 'is', null)
    .where('start_id_tag_status', '=', 'Accepted');
  if (excludeId !== undefined) q = q.where('id', '!=', excludeId);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

type StopValues = {
  id: number;
  meterStop: number;
  stopTimestamp: string;
  reason: string;
  idTag: string | null;
  receivedAt: string;
};

// Open, or closed by Plugboard without a meter reading (closeOpenTransactions): the charger's
// own StopTransaction, arriving later, still records its meterStop, time and reason.
const stop = prepared((db, v: StopValues) =>
  db
    .updateTable('transactions')
    .set({ meter_stop: v.meterStop, stop_timestamp: v.stopTimestamp, stop_reason: v.reason, stop_id_tag: v.idTag, received_stop_at: v.receivedAt })
    .where('id', '=', v.id)
    .where('meter_stop', 'is', null),
);

export async function stopTransaction(db: Exec, id: number, values: Omit<StopValues, 'id'>): Promise<void> {
  await stop(db, { id, ...values });
}

/**
 * Closes the station's open transactions (of one connector, when given) that started no later
 * than `at` (except the start `keep`), without a meter reading (none was reported): meter_stop stays null, stop_reason
 * says why. Returns their ids.
 */
export async function closeOpenTransactions(
  db: Exec,
  stationId: string,
  c: { connectorId?: number; at: string; reason: string; receivedAt: string; keep?: StartKey },
): Promise<number[]> {
  let q = db
    .updateTable('transactions')
    .set({ stop_timestamp: c.at, stop_reason: c.reason, received_stop_at: c.receivedAt })
    .where('station_id', '=', stationId)
    .where('stop_timestamp', 'is', null)
    .where('start_timestamp', '<=', c.at);
  if (c.connectorId !== undefined) q = q.where('connector_id', '=', c.connectorId);
  // never the start being recorded (a retry of it committed concurrently)
  const keep = c.keep;
  if (keep) q = q.where((eb) => eb.not(eb.and([eb('id_tag', '=', keep.idTag), eb('start_timestamp', '=', keep.startTimestamp), eb('meter_start', '=', keep.meterStart)])));
  const rows = await q.returning('id').execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Closes one open transaction without a meter reading (an operator's close): returns 1, or 0
 * when it is not open (any more).
 */
export async function closeTransaction(db: Exec, id: number, c: { at: string; reason: string; receivedAt: string }): Promise<number> {
  const res = await db
    .updateTable('transactions')
    .set({ stop_timestamp: c.at, stop_reason: c.reason, received_stop_at: c.receivedAt })
    .where('id', '=', id)
    .where('stop_timestamp', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
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

/**
 * Rows as meterValueRows() makes them (same columns, same order); the statement text is compiled
 * once per row count. A sample already stored (a resent MeterValues, or transactionData repeating
 * a MeterValues: migration 0005_meter_values_unique) is skipped. Returns the rows inserted.
 */
export function insertMeterValues(db: Exec, rows: NewMeterValue[]): Promise<number> {
  return insertRows(db, 'meter_values', rows, { ignoreDuplicates: true });
}

export function meterValuesOf(db: Exec, transactionId: number) {
  return db.selectFrom('meter_values').selectAll().where('transaction_id', '=', transactionId).orderBy('timestamp').orderBy('id').execute();
}

/**
 * The latest `limit` values a station sent, newest first. A value with a transaction_id always
 * has its transaction's station (see service.ts: a value is linked only to a transaction of the
 * sending station), so they are the values of the station's transactions plus its values
 * without one: each half index-backed (migration 0004_transactions indexes meter_values by
 * station only for the values without a transaction).
 */
export function meterValuesOfStation(db: Exec, stationId: string, limit = 1000) {
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('meter_values')
        .selectAll()
        .where('transaction_id', 'in', eb.selectFrom('transactions').select('id').where('station_id', '=', stationId))
        .where('station_id', '=', stationId)
        .unionAll(eb.selectFrom('meter_values').selectAll().where('station_id', '=', stationId).where('transaction_id', 'is', null))
        .as('m'),
    )
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
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

/** Sort columns computed in SQL (listTransactionsPage), as the API computes energyWh and durationSeconds. */
export const ENERGY_SORT_COLUMN = 'energy_wh';
export const DURATION_SORT_COLUMN = 'duration_seconds';
const COMPUTED_SORT_COLUMNS: ReadonlySet<string> = new Set([ENERGY_SORT_COLUMN, DURATION_SORT_COLUMN]);

/** A meter value's decimal text as a number, or NULL when it is not a plain decimal (PostgreSQL would refuse the cast). */
function decimalValue(dialect: DialectName, value: RawBuilder<unknown>): RawBuilder<number | null> {
  return dialect === 'postgres'
    ? sql<number | null>`case when ${value} ~ '^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$' then cast(trim(${value}) as numeric) end`
    : sql<number | null>`case when trim(${value}) glob '*[0-9]*' and trim(${value}) not glob '*[^0-9.+-]*' then cast(trim(${value}) as real) end`;
}

/**
 * Transactions with energy_wh and duration_seconds computed in SQL, to sort by:
 * - duration_seconds: stop (or `now` while active) minus start, from the ISO text timestamps
 *   (SQLite julianday(), PostgreSQL epoch of timestamptz), never below 0;
 * - energy_wh: meterStop - meterStart; while active the latest total register reading (as
 *   energy.ts isTotalEnergyReading, kWh converted) - meterStart; 0 when the register went
 *   backwards; NULL while unknown (no reading yet, or closed by Plugboard without one), and
 *   applySort puts NULLs last in both directions.
 */
function withComputedSortColumns(db: Exec, f: TransactionFilter, opts: { dialect: DialectName; now: string }) {
  const v = sql.ref('m.value');
  const toWh = sql`${decimalValue(opts.dialect, v)} * (case when m.unit = 'kWh' then 1000 else 1 end)`;
  const latestReading = sql<number | null>`(select ${toWh} from meter_values m
    where m.transaction_id = transactions.id and m.measurand = ${ENERGY_REGISTER} and m.phase is null and m.format = 'Raw' and m.unit in ('Wh', 'kWh')
    order by m.timestamp desc, m.id desc limit 1)`;
  const withReading = filteredTransactions(db, f)
    .selectAll('transactions')
    .select(sql<number | null>`case when transactions.stop_timestamp is null then ${latestReading} end`.as('latest_wh'));
  const end = sql`coalesce(r.stop_timestamp, ${opts.now})`;
  const seconds =
    opts.dialect === 'postgres'
      ? sql<number>`extract(epoch from (cast(${end} as timestamptz) - cast(r.start_timestamp as timestamptz)))`
      : sql<number>`(julianday(${end}) - julianday(r.start_timestamp)) * 86400.0`;
  const used = sql<number | null>`case when r.meter_stop is not null then r.meter_stop - r.meter_start when r.stop_timestamp is null then r.latest_wh - r.meter_start end`;
  const measured = db
    .selectFrom(withReading.as('r'))
    .selectAll('r')
    .select([sql<number>`case when ${seconds} < 0 then 0 else ${seconds} end`.as(DURATION_SORT_COLUMN), sql<number | null>`${used}`.as('used_wh')]);
  const withEnergy = db
    .selectFrom(measured.as('s'))
    .selectAll('s')
    .select(sql<number | null>`case when s.used_wh < 0 then 0 else s.used_wh end`.as(ENERGY_SORT_COLUMN));
  // One more level: PostgreSQL's ORDER BY cannot use an output column inside an expression (applySort's `is null`).
  return db.selectFrom(withEnergy.as('e')).selectAll('e');
}

/**
 * A page of transactions. Sorting by energy_wh or duration_seconds computes them for every
 * matching transaction (a scan, with one indexed meter-value lookup per active one); the other
 * sorts read the table as it is.
 */
export async function listTransactionsPage(
  db: Exec,
  f: TransactionFilter,
  sort: SortKey[],
  page: { limit: number; offset: number },
  opts: { dialect: DialectName; now: string },
): Promise<Transaction[]> {
  if (!sort.some((k) => COMPUTED_SORT_COLUMNS.has(k.column))) {
    return applySort(filteredTransactions(db, f).selectAll(), sort, 'id').limit(page.limit).offset(page.offset).execute();
  }
  const rows = await applySort(withComputedSortColumns(db, f, opts), sort, 'id').limit(page.limit).offset(page.offset).execute();
  return rows.map(({ latest_wh: _l, used_wh: _u, energy_wh: _e, duration_seconds: _d, ...t }) => t as Transaction);
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
