// Transaction rules, version-neutral. Every answer to StartTransaction, StopTransaction and
// MeterValues is returned only after its data is committed (db.write resolves after COMMIT).
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Database, Transaction } from '../../db/schema.ts';
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import type { IdTagInfo } from '../authorization/service.ts';
import * as store from './store.ts';
import { from201, meterValueRows, type MeterValueIn } from './meter-values.ts';
import type { StationToCsms201 } from '../../protocol/ocpp201.ts';
import { toIsoTimestamp } from '../../time.ts';
import { InvalidCommandError } from '../stations/service.ts';
import type { SortKey } from '../../db/list-query.ts';
import { latestRegisterWh, readingToWh, sessionEnergy } from './energy.ts';
import { TransactionOwners } from './owners.ts';

export interface StartInput {
  connectorId: number;
  idTag: string;
  meterStart: number;
  timestamp: string;
  reservationId?: number;
}

export interface StopInput {
  transactionId: number;
  idTag?: string;
  meterStop: number;
  timestamp: string;
  reason?: string;
  transactionData?: MeterValueIn[];
}

export interface MeterValuesInput {
  connectorId: number;
  transactionId?: number;
  meterValue: MeterValueIn[];
}

/**
 * Plugboard hands out transaction ids from 1 to 2^31-1 (a JSON integer chargers commonly hold
 * in 32 bits; int4 on PostgreSQL). Any other id a charger reports cannot be ours: it is
 * treated as unknown without asking the database (which would refuse the out-of-range value).
 */
const MAX_TRANSACTION_ID = 2_147_483_647;
const isOurId = (id: number) => Number.isInteger(id) && id >= 1 && id <= MAX_TRANSACTION_ID;
/** reported_transaction_id is BIGINT: keep what fits, 0 for an id beyond it (the raw frame stays in the message log). */
const storableReportedId = (id: number) => (Number.isSafeInteger(id) ? id : 0);

/** stop_reason of a transaction Plugboard closed because a new one started on its connector. */
export const CLOSED_BY_NEW_START = 'closed by new transaction on connector';
/** stop_reason of a transaction Plugboard closed because its station booted. */
export const STATION_REBOOTED = 'station rebooted';
/** stop_reason of a transaction Plugboard closed because its connector reported Available. */
export const CLOSED_BY_AVAILABLE = 'closed: connector reported Available';

/** stop_reason of a transaction an operator closed (POST /transactions/{id}/close) without giving a reason. */
export const CLOSED_BY_OPERATOR = 'closed by operator';

/** An operator's close of a transaction that is already stopped (or closed). */
export class TransactionAlreadyStoppedError extends Error {
  readonly transactionId: number;
  readonly stopTimestamp: string;
  readonly stopReason: string | null;
  constructor(tx: Pick<Transaction, 'id' | 'stop_timestamp' | 'stop_reason'>) {
    super(`transaction ${tx.id} is already stopped (at ${tx.stop_timestamp}${tx.stop_reason ? `, reason: ${tx.stop_reason}` : ''}); nothing to close`);
    this.name = 'TransactionAlreadyStoppedError';
    this.transactionId = Number(tx.id);
    this.stopTimestamp = tx.stop_timestamp!;
    this.stopReason = tx.stop_reason;
  }
}

export class TransactionNotFoundError extends Error {
  constructor(transactionId: number) {
    super(`transaction ${transactionId} does not exist`);
    this.name = 'TransactionNotFoundError';
  }
}

export function createTransactionsService(ctx: AppContext) {
  /**
   * Energy and duration of a transaction: from meterStop once stopped; while running, from
   * `latestWh` (the latest register reading, if any) and up to now.
   */
  function measure(tx: Transaction, latestWh: number | null): { energyWh: number | null; meterAnomaly: boolean; durationSeconds: number } {
    const end = tx.stop_timestamp ? Date.parse(tx.stop_timestamp) : ctx.now().getTime();
    const durationSeconds = Math.max(0, Math.round((end - Date.parse(tx.start_timestamp)) / 1000));
    return { ...sessionEnergy(tx.meter_start, tx.meter_stop ?? latestWh), durationSeconds };
  }

  const db = ctx.db;
  /** transaction id -> station, for MeterValues (see owners.ts for why it never goes stale). */
  const owners = new TransactionOwners();
  const iso = () => ctx.now().toISOString();

  /**
   * OCPP 1.6 errata 3.18: a charger that never got a transactionId sends -1. Match it to the
   * station's open transaction (same idTag when given, started before the stop), else to one
   * Plugboard closed without a reading, else nothing.
   */
  async function matchUnknownStop(trx: Kysely<Database>, stationId: string, input: StopInput, stopTs: string): Promise<Transaction | undefined> {
    if (input.transactionId > 0) return undefined;
    const open = await store.openTransactions(trx, stationId, input.idTag ? { idTag: input.idTag } : {});
    const candidates = open.filter((t) => t.start_timestamp <= stopTs);
    if (candidates.length === 1 || (candidates.length > 1 && input.idTag)) return candidates[0];
    if (candidates.length > 0) return undefined;
    // The StopTransaction sits in the charger's transaction queue while its Finishing/Available
    // status goes at once: Plugboard may already have closed the transaction (no reading). The
    // charger's -1 stop then completes that one, when it is unambiguous.
    const closed = (await store.closedWithoutReading(trx, stationId, input.idTag ? { idTag: input.idTag } : {})).filter((t) => t.start_timestamp <= stopTs);
    return closed.length === 1 || (closed.length > 1 && input.idTag) ? closed[0] : undefined;
  }

  function publishClosed(stationId: string, ids: number[], reason: string, at: string) {
    for (const transactionId of ids) {
      ctx.log.info({ stationId, transactionId, reason }, 'open transaction closed without a StopTransaction');
      ctx.bus.publish({ type: 'transaction.stopped', stationId, at, transactionId, meterStop: null, reason });
    }
  }

  const service = {
    /**
     * BootNotification, inside its database transaction: a cold boot ends what was running, so
     * the station's open transactions are closed (reason STATION_REBOOTED). Call afterCloseOnBoot
     * with the result once committed.
     */
    closeOpenOnBoot(trx: Kysely<Database>, stationId: string, at: string): Promise<number[]> {
      return store.closeOpenTransactions(trx, stationId, { at, reason: STATION_REBOOTED, receivedAt: at });
    },
    afterCloseOnBoot(stationId: string, ids: number[], at: string): void {
      publishClosed(stationId, ids, STATION_REBOOTED, at);
    },

    /**
     * StatusNotification Available for connector `connectorId` (> 0), inside its database
     * transaction: the connector is free, so a transaction still open on it is closed (reason
     * CLOSED_BY_AVAILABLE, no meter reading), if it started no later than the status (`at`: the
     * charger's timestamp, else the time received). A notification delivered late, older than
     * the start, closes nothing. The charger's own StopTransaction, if it comes later, still
     * records its reading and reason (see stop()). Call afterCloseOnAvailable once committed.
     */
    closeOpenOnAvailable(trx: Kysely<Database>, stationId: string, connectorId: number, at: string, receivedAt: string): Promise<number[]> {
      if (connectorId <= 0) return Promise.resolve([]);
      return store.closeOpenTransactions(trx, stationId, { connectorId, at, reason: CLOSED_BY_AVAILABLE, receivedAt });
    },
    afterCloseOnAvailable(stationId: string, ids: number[], receivedAt: string): void {
      publishClosed(stationId, ids, CLOSED_BY_AVAILABLE, receivedAt);
    },

    /**
     * StartTransaction: Plugboard allocates the id. A retry of the same start gets the same id;
     * a token that is not Accepted still gets an id (OCPP 1.6 §4.8: the transaction exists on
     * the charger, which stops it with DeAuthorized); late (offline) starts are accepted.
     */
    async start(stationId: string, input: StartInput): Promise<{ transactionId: number; idTagInfo: IdTagInfo; retried: boolean }> {
      const receivedAt = iso();
      const startTimestamp = toIsoTimestamp(input.timestamp);
      const key = { stationId, connectorId: input.connectorId, idTag: input.idTag, startTimestamp, meterStart: input.meterStart };
      const { reservationEvent, closed, ...result } = await db.write(async (trx) => {
        const retried = async (existing: Transaction) => {
          const info = await ctx.services.authorization.authorize(input.idTag, { checkConcurrency: false, exec: trx });
          return { transactionId: existing.id, idTagInfo: { ...info, status: existing.start_id_tag_status as IdTagInfo['status'] }, retried: true, reservationEvent: null, closed: [] as number[] };
        };
        const existing = await store.findByStartKey(trx, key);
        if (existing) return retried(existing);
        // At most one open transaction per connector: a new start ends the one left open there
        // (its StopTransaction never came), before the token's concurrency check.
        const closed = await store.closeOpenTransactions(trx, stationId, { connectorId: input.connectorId, at: startTimestamp, reason: CLOSED_BY_NEW_START, receivedAt, keep: key });
        const idTagInfo = await ctx.services.authorization.authorize(input.idTag, { checkConcurrency: true, exec: trx, presentedBy: stationId });
        const transactionId = await store.insertTransactionIfNew(trx, {
          station_id: stationId,
          connector_id: input.connectorId,
          id_tag: input.idTag,
          start_id_tag_status: idTagInfo.status,
          reservation_id: input.reservationId === undefined ? null : storableReportedId(input.reservationId),
          meter_start: input.meterStart,
          start_timestamp: startTimestamp,
          meter_stop: null,
          stop_timestamp: null,
          stop_reason: null,
          stop_id_tag: null,
          received_start_at: receivedAt,
          received_stop_at: null,
        });
        if (transactionId === undefined) return retried((await store.findByStartKey(trx, key))!);
        await store.setOcpp16Session(trx, transactionId);
        // OCPP 1.6 §4.8: the reservation this transaction ends, linked in the same database transaction.
        const reservationEvent = input.reservationId === undefined ? null : await ctx.services.reservations.useForStart(trx, {
          stationId, connectorId: input.connectorId, idTag: input.idTag, parentIdTag: idTagInfo.parentIdTag, reservationId: input.reservationId, transactionId, at: receivedAt,
        });
        return { transactionId, idTagInfo, retried: false, reservationEvent, closed };
      });
      publishClosed(stationId, closed, CLOSED_BY_NEW_START, receivedAt);
      owners.remember(result.transactionId, stationId);
      if (reservationEvent) ctx.bus.publish(reservationEvent);
      if (!result.retried) {
        ctx.bus.publish({ type: 'transaction.started', stationId, at: receivedAt, transactionId: result.transactionId, connectorId: input.connectorId, idTag: input.idTag, meterStart: input.meterStart });
      }
      return result;
    },

    /**
     * StopTransaction never fails (OCPP 1.6 §4.10: the central system cannot prevent a stop).
     * Unknown ids and -1 that match nothing are kept as orphan stops for the operator.
     */
    async stop(stationId: string, input: StopInput): Promise<{ idTagInfo?: IdTagInfo; transactionId: number | null }> {
      const receivedAt = iso();
      const stopTimestamp = toIsoTimestamp(input.timestamp);
      // J-errata 2.5: an absent reason means Local.
      const reason = input.reason ?? 'Local';
      const outcome = await db.write(async (trx) => {
        let tx = isOurId(input.transactionId) ? await store.getTransaction(trx, input.transactionId) : undefined;
        if (tx && tx.station_id !== stationId) tx = undefined;
        tx ??= await matchUnknownStop(trx, stationId, input, stopTimestamp);
        if (!tx) {
          const reportedId = storableReportedId(input.transactionId);
          const dup = await store.findOrphanStop(trx, { stationId, reportedId, timestamp: stopTimestamp, meterStop: input.meterStop });
          if (!dup) {
            await store.insertOrphanStop(trx, {
              station_id: stationId,
              reported_transaction_id: reportedId,
              id_tag: input.idTag ?? null,
              meter_stop: input.meterStop,
              timestamp: stopTimestamp,
              reason,
              transaction_data: input.transactionData ? JSON.stringify(input.transactionData) : null,
              received_at: receivedAt,
            });
          }
          return { transactionId: null, firstStop: false };
        }
        // A retried stop (already stopped) changes nothing and adds no duplicate meter values. A
        // transaction Plugboard closed (no meter reading) still takes the charger's own stop.
        if (tx.meter_stop !== null) return { transactionId: tx.id, firstStop: false };
        await store.stopTransaction(trx, tx.id, { meterStop: input.meterStop, stopTimestamp, reason, idTag: input.idTag ?? null, receivedAt });
        if (input.transactionData?.length) {
          await store.insertMeterValues(trx, meterValueRows(input.transactionData, { stationId, connectorId: tx.connector_id, transactionId: tx.id, source: 'StopTransaction', receivedAt }));
        }
        return { transactionId: tx.id, firstStop: true };
      });
      if (outcome.firstStop && outcome.transactionId !== null) {
        ctx.bus.publish({ type: 'transaction.stopped', stationId, at: receivedAt, transactionId: outcome.transactionId, meterStop: input.meterStop, reason });
      } else if (outcome.transactionId === null) {
        ctx.log.warn({ stationId, reportedTransactionId: input.transactionId }, 'StopTransaction for an unknown transaction: recorded as an orphan stop');
      }
      // Return idTagInfo only when an idTag was present (OCPP 1.6 §4.10).
      const idTagInfo = input.idTag ? await ctx.services.authorization.authorize(input.idTag, { checkConcurrency: false }) : undefined;
      return idTagInfo ? { idTagInfo, transactionId: outcome.transactionId } : { transactionId: outcome.transactionId };
    },

    /**
     * MeterValues: every sampled value is stored; connector 0 values never belong to a
     * transaction (errata 3.16). A value is linked only to a transaction of the sending station
     * (here and in stop()): store.meterValuesOfStation and migration 0004_transactions rely on it.
     */
    async meterValues(stationId: string, input: MeterValuesInput): Promise<void> {
      const receivedAt = iso();
      const rows = meterValueRows(input.meterValue, { stationId, connectorId: input.connectorId, transactionId: null, source: 'MeterValues', receivedAt });
      const reported = input.connectorId > 0 ? input.transactionId : undefined;
      const owner = reported !== undefined && isOurId(reported) ? owners.stationOf(reported) : undefined;
      let transactionId: number | null;
      if (reported === undefined || owner !== undefined || (reported > 0 && !isOurId(reported))) {
        // Nothing to look up: no transaction (connector 0, none reported, or an id Plugboard
        // never hands out), or one whose station this process already knows.
        transactionId = owner === stationId ? reported! : null;
        for (const r of rows) r.transaction_id = transactionId;
        await db.write((trx) => store.insertMeterValues(trx, rows));
      } else {
        const found = await db.write(async (trx) => {
          // fn may run again (a rerun of its batch): it decides everything afresh each time.
          let owned: { id: number; stationId: string } | undefined;
          if (reported > 0) {
            const station = await store.transactionStation(trx, reported);
            if (station !== undefined) owned = { id: reported, stationId: station };
          } else {
            // OCPP 1.6 errata 3.18: a charger that never got a transactionId sends -1.
            const open = (await store.openTransactions(trx, stationId, { connectorId: input.connectorId }))[0];
            if (open) owned = { id: open.id, stationId };
          }
          const txId = owned?.stationId === stationId ? owned.id : null;
          for (const r of rows) r.transaction_id = txId;
          await store.insertMeterValues(trx, rows);
          return { txId, owned };
        });
        // Committed: the transaction row it read is committed too.
        if (found.owned) owners.remember(found.owned.id, found.owned.stationId);
        transactionId = found.txId;
      }
      let count = 0;
      for (const mv of input.meterValue) count += mv.sampledValue.length;
      ctx.bus.publish({ type: 'meter.values', stationId, at: receivedAt, connectorId: input.connectorId, transactionId, count });
    },

    /**
     * OCPP 2.0.1 TransactionEvent (E): the session is found by the station's transactionId
     * (external_id); an event of a session not seen yet (its Started lost or still queued) opens
     * it. Events are stored once per seqNo (a duplicate is answered the same and applies
     * nothing), an event after Ended is ignored, an event older than the latest applied (offline
     * replay) is kept as history without overwriting the current state. The EVSE's id stands for
     * the 1.6 connector id; a missing evse.connectorId is not guessed.
     */
    async transactionEvent(stationId: string, req: StationToCsms201['TransactionEvent']['req']): Promise<{ idTokenInfo?: { status: string; cacheExpiryDateTime?: string; groupIdToken?: { idToken: string; type: string } }; transactionId: number }> {
      const receivedAt = iso();
      const ts = toIsoTimestamp(req.timestamp);
      const info = req.transactionInfo;
      const externalId = info.transactionId;
      const token = req.idToken && req.idToken.idToken !== '' ? req.idToken : undefined;
      const readings = req.meterValue ? from201(req.meterValue as never) : [];
      const toInfo = (i: IdTagInfo) => ({
        status: i.status as string,
        ...(i.expiryDate ? { cacheExpiryDateTime: i.expiryDate } : {}),
        ...(i.parentIdTag ? { groupIdToken: { idToken: i.parentIdTag, type: 'Central' } } : {}),
      });
      const endWh = (rows: MeterValueIn[]) => latestRegisterWh(meterValueRows(rows, { stationId, connectorId: 0, transactionId: null, source: 'TransactionEvent', receivedAt }).map((r, i) => ({ ...r, phase: r.phase ?? null, id: i })));
      const outcome = await db.write(async (trx) => {
        let tx = await store.findByExternalId(trx, stationId, externalId);
        let created = false;
        let authorized: IdTagInfo | undefined;
        if (token) authorized = await ctx.services.authorization.authorize(token.idToken, { checkConcurrency: !tx && req.eventType === 'Started', exec: trx, presentedBy: stationId });
        const evseId = req.evse?.id;
        if (!tx) {
          const id = await store.insertSession201(trx, {
            station_id: stationId,
            connector_id: evseId ?? 0,
            evse_id: evseId ?? 0,
            external_id: externalId,
            id_tag: token?.idToken ?? '',
            id_token_type: token?.type ?? null,
            start_id_tag_status: authorized?.status ?? 'Accepted',
            reservation_id: req.reservationId ?? null,
            meter_start: endWh(readings) ?? 0,
            start_timestamp: ts,
            meter_stop: null,
            stop_timestamp: null,
            stop_reason: null,
            stop_id_tag: null,
            received_start_at: receivedAt,
            received_stop_at: null,
            charging_state: info.chargingState ?? null,
            remote_start_id: info.remoteStartId ?? null,
            last_seq_no: req.seqNo,
          });
          tx = await store.findByExternalId(trx, stationId, externalId);
          created = id !== undefined;
        }
        if (!tx) throw new Error(`TransactionEvent: session ${externalId} of ${stationId} could not be stored`);
        const events = await store.eventsOf(trx, tx.id);
        const ended = events.some((e) => e.event_type === 'Ended');
        const duplicate = events.some((e) => Number(e.seq_no) === req.seqNo);
        if (duplicate || ended) {
          return { tx, created: false, stopped: false, applied: false, authorized: authorized && !created ? { ...authorized, status: tx.start_id_tag_status as IdTagInfo['status'] } : authorized, meterCount: 0 };
        }
        await store.insertEvent(trx, {
          transaction_id: tx.id,
          station_id: stationId,
          seq_no: req.seqNo,
          event_type: req.eventType,
          trigger_reason: req.triggerReason,
          timestamp: ts,
          offline: req.offline ? 1 : 0,
          charging_state: info.chargingState ?? null,
          id_token: token?.idToken ?? null,
          id_token_type: token?.type ?? null,
          stopped_reason: info.stoppedReason ?? null,
          raw: JSON.stringify(req),
          received_at: receivedAt,
        });
        const latest = tx.last_seq_no === null || req.seqNo >= Number(tx.last_seq_no);
        const set: Parameters<typeof store.updateSession>[2] = {};
        if (latest) {
          set.last_seq_no = req.seqNo;
          if (info.chargingState) set.charging_state = info.chargingState;
        }
        if (info.remoteStartId !== undefined && tx.remote_start_id === null) set.remote_start_id = info.remoteStartId;
        if (token && tx.id_tag === '') {
          set.id_tag = token.idToken;
          set.id_token_type = token.type;
        }
        if (evseId !== undefined && Number(tx.evse_id) === 0) {
          set.evse_id = evseId;
          set.connector_id = evseId;
        }
        if (Object.keys(set).length > 0) await store.updateSession(trx, tx.id, set);
        const connectorId = evseId ?? Number(tx.evse_id);
        if (readings.length) {
          await store.insertMeterValues(trx, meterValueRows(readings, { stationId, connectorId, transactionId: tx.id, source: 'TransactionEvent', receivedAt }));
        }
        let stopped = false;
        if (req.eventType === 'Ended') {
          const stored = await store.meterValuesOf(trx, tx.id);
          await store.stopTransaction(trx, tx.id, { meterStop: latestRegisterWh(stored) ?? tx.meter_start, stopTimestamp: ts, reason: info.stoppedReason ?? 'Local', idTag: token?.idToken ?? null, receivedAt });
          // Closed by Plugboard before (a boot): the Ended still records its time and reason.
          stopped = tx.meter_stop === null;
        }
        let meterCount = 0;
        for (const mv of readings) meterCount += mv.sampledValue.length;
        return { tx: (await store.getTransaction(trx, tx.id))!, created, stopped, applied: true, authorized, meterCount };
      });
      const t = outcome.tx;
      owners.remember(t.id, stationId);
      if (outcome.created) {
        ctx.bus.publish({ type: 'transaction.started', stationId, at: receivedAt, transactionId: t.id, connectorId: Number(t.evse_id ?? t.connector_id), idTag: t.id_tag, meterStart: t.meter_start });
      }
      if (outcome.meterCount > 0) {
        ctx.bus.publish({ type: 'meter.values', stationId, at: receivedAt, connectorId: Number(t.evse_id ?? t.connector_id), transactionId: t.id, count: outcome.meterCount });
      }
      if (outcome.stopped) {
        ctx.bus.publish({ type: 'transaction.stopped', stationId, at: receivedAt, transactionId: t.id, meterStop: t.meter_stop, reason: t.stop_reason ?? 'Local' });
      }
      return { transactionId: t.id, ...(outcome.authorized ? { idTokenInfo: toInfo(outcome.authorized) } : {}) };
    },

    /** OCPP 2.0.1 MeterValues (J): values of an EVSE outside a transaction (evseId 0: the station). */
    async meterValues201(stationId: string, req: StationToCsms201['MeterValues']['req']): Promise<void> {
      const receivedAt = iso();
      const readings = from201(req.meterValue as never);
      const rows = meterValueRows(readings, { stationId, connectorId: req.evseId, transactionId: null, source: 'MeterValues', receivedAt });
      await db.write((trx) => store.insertMeterValues(trx, rows));
      ctx.bus.publish({ type: 'meter.values', stationId, at: receivedAt, connectorId: req.evseId, transactionId: null, count: rows.length });
    },

    countActiveForIdTag(idTag: string, opts: { exec?: Kysely<Database>; excludeTransactionId?: number } = {}): Promise<number> {
      return store.countOpenForIdTag(opts.exec ?? db.kysely, idTag, opts.excludeTransactionId);
    },

    /** The connectors with an open transaction, per station (one query however many stations). */
    async openConnectorsOf(stationIds: string[]): Promise<Map<string, Set<number>>> {
      const out = new Map<string, Set<number>>();
      for (const r of await store.openConnectorsOf(db.kysely, stationIds)) {
        const set = out.get(r.station_id) ?? new Set<number>();
        set.add(Number(r.connector_id));
        out.set(r.station_id, set);
      }
      return out;
    },

    get(transactionId: number) {
      return store.getTransaction(db.kysely, transactionId);
    },

    /**
     * A transaction with its meter values, energy (Wh) and duration (s). While it runs, energy is
     * the latest total register reading minus meterStart, and duration runs up to now.
     */
    async details(transactionId: number) {
      const tx = await store.getTransaction(db.kysely, transactionId);
      if (!tx) return undefined;
      const [meterValues, events] = await Promise.all([store.meterValuesOf(db.kysely, transactionId), store.eventsOf(db.kysely, transactionId)]);
      return { ...tx, ...measure(tx, tx.stop_timestamp === null ? latestRegisterWh(meterValues) : null), meterValues, events };
    },

    /** A page of transactions, each with energyWh and durationSeconds as in details(). */
    async listPage(filter: store.TransactionFilter, sort: SortKey[], page: { limit: number; offset: number }) {
      const [rows, total] = await Promise.all([store.listTransactionsPage(db.kysely, filter, sort, page, { dialect: db.dialect, now: iso() }), store.countTransactions(db.kysely, filter)]);
      const readings = await store.latestEnergyReadings(db.kysely, rows.filter((t) => t.stop_timestamp === null).map((t) => t.id));
      const items = rows.map((t) => {
        const r = readings.get(t.id);
        return { ...t, ...measure(t, r ? readingToWh(r.value, r.unit) : null) };
      });
      return { items, total };
    },

    async orphanStopsPage(stationId: string, sort: SortKey[], page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.orphanStopsPage(db.kysely, stationId, sort, page), store.countOrphanStops(db.kysely, stationId)]);
      return { items, total };
    },

    /**
     * The transactions that started in [from, to), oldest first, read `chunk` rows at a time by
     * keyset: an export of a year of data holds one chunk in memory, not the year.
     */
    async *startedBetween(range: { from: string; to: string; stationId?: string }, chunk = 1000): AsyncGenerator<Transaction> {
      let after: { startTimestamp: string; id: number } | null = null;
      for (;;) {
        const rows = await store.transactionsStartedAfter(db.kysely, range, after, chunk);
        yield* rows;
        if (rows.length < chunk) return;
        const last = rows[rows.length - 1];
        after = { startTimestamp: last.start_timestamp, id: last.id };
      }
    },

    list(filter: Parameters<typeof store.listTransactions>[1] = {}) {
      return store.listTransactions(db.kysely, filter);
    },

    orphanStops(stationId: string) {
      return store.listOrphanStops(db.kysely, stationId);
    },

    meterValuesOfStation(stationId: string, limit?: number) {
      return store.meterValuesOfStation(db.kysely, stationId, limit);
    },

    // The Core profile commands owned by this module.
    /**
     * RemoteStartTransaction with the rules of OCPP 1.6 §5.11 / errata 3.41-3.42 enforced: a
     * connector id is > 0, a charging profile is a TxProfile without a transactionId. (The
     * generic sendCommand path sends any schema-valid payload, as compliance tests need.)
     */
    async remoteStart(stationId: string, req: CentralToCharger['RemoteStartTransaction']['req']) {
      if (req.connectorId !== undefined && req.connectorId <= 0) throw new InvalidCommandError('connectorId must be greater than 0 (OCPP 1.6 §5.11)');
      if (req.chargingProfile) {
        if (req.chargingProfile.chargingProfilePurpose !== 'TxProfile') throw new InvalidCommandError('chargingProfile.chargingProfilePurpose must be TxProfile (OCPP 1.6 errata 3.41)');
        if (req.chargingProfile.transactionId !== undefined) throw new InvalidCommandError('chargingProfile must not carry a transactionId (OCPP 1.6 errata 3.42)');
      }
      // A profile sent with the start becomes installed once its transaction starts (smart charging's observer).
      return ctx.services.stations.sendCommand(stationId, 'RemoteStartTransaction', req);
    },

    /**
     * An operator closes a stuck transaction (its StopTransaction never came, the charger is
     * gone): stopped now, without a meter reading, with the operator's reason (else
     * CLOSED_BY_OPERATOR). Nothing is sent to the charger (remoteStop is for that). Published as
     * transaction.stopped like every other stop; a StopTransaction the charger sends later still
     * records its reading and reason (see stop()).
     */
    async closeByOperator(transactionId: number, reason?: string) {
      const at = iso();
      const stopReason = reason?.trim() || CLOSED_BY_OPERATOR;
      const outcome = await db.write(async (trx) => {
        const tx = await store.getTransaction(trx, transactionId);
        if (!tx || tx.stop_timestamp !== null) return { tx, closed: false };
        const closed = (await store.closeTransaction(trx, transactionId, { at, reason: stopReason, receivedAt: at })) > 0;
        return { tx: closed ? await store.getTransaction(trx, transactionId) : tx, closed };
      });
      if (!outcome.tx) throw new TransactionNotFoundError(transactionId);
      if (!outcome.closed) throw new TransactionAlreadyStoppedError(outcome.tx);
      const tx = outcome.tx;
      ctx.log.info({ stationId: tx.station_id, transactionId, reason: stopReason }, 'transaction closed by an operator');
      ctx.bus.publish({ type: 'transaction.stopped', stationId: tx.station_id, at, transactionId, meterStop: null, reason: stopReason });
      return { ...tx, ...measure(tx, null) };
    },

    /** RemoteStopTransaction for a transaction Plugboard knows, finished or not (the charger decides): the station is looked up from it. */
    async remoteStop(transactionId: number) {
      const tx = await store.getTransaction(db.kysely, transactionId);
      if (!tx) throw new TransactionNotFoundError(transactionId);
      return ctx.services.stations.sendCommand(tx.station_id, 'RemoteStopTransaction', { transactionId });
    },
  };
  return service;
}

export type TransactionsService = ReturnType<typeof createTransactionsService>;
