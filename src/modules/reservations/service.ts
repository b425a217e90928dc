// Reservation rules, version-neutral (OCPP 1.6 §5.13 ReserveNow, §5.4 CancelReservation, §4.8
// StartTransaction.reservationId). Plugboard allocates every reservationId (unique across the
// system) and keeps each reservation's life in the database:
//   Requested -> the charger's answer (Accepted, Faulted, Occupied, Rejected, Unavailable), or
//   Failed when the command did not get an answer it could act on;
//   Accepted (or Requested, when the answer was lost) -> Used (a StartTransaction carried its id),
//   Expired (the sweep, at expiryDate; the charger frees the connector itself) or Cancelled.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Database, Reservation } from '../../db/schema.ts';
import type { PlugboardEvent } from '../../bus/events.ts';
import { StationOfflineError } from '../../bus/local.ts';
import { RpcTimeoutError } from '../../protocol/index.ts';
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import { CommandRefusedError, InvalidCommandError, StationNotFoundError, type ObservedCommand, type StationsService } from '../stations/service.ts';
import { checkCommand, CommandPayloadError } from '../commands/service.ts';
import type { SortKey } from '../../db/list-query.ts';
import { ExpirySweep } from './expiry.ts';
import * as store from './store.ts';

export type ReservationStatus = store.ReservationStatus;
export const ACTIVE_STATUSES = store.ACTIVE_STATUSES;

/** reservationIds Plugboard hands out are int4 (1 .. 2^31-1); a charger may report anything. */
const MAX_RESERVATION_ID = 2_147_483_647;
const isOurId = (id: number) => Number.isInteger(id) && id >= 1 && id <= MAX_RESERVATION_ID;

export class ReservationNotFoundError extends Error {
  constructor(reservationId: number) {
    super(`reservation ${reservationId} does not exist`);
    this.name = 'ReservationNotFoundError';
  }
}

/** The reservation is no longer held by the charger (as far as Plugboard knows): nothing to cancel. */
export class ReservationNotActiveError extends Error {
  readonly status: ReservationStatus;
  constructor(r: Reservation, status: ReservationStatus) {
    super(`reservation ${r.id} is ${status}: there is nothing to cancel`);
    this.name = 'ReservationNotActiveError';
    this.status = status;
  }
}

export interface ReserveInput {
  /** 0 = any connector of the station (the charger must support ReserveConnectorZeroSupported) */
  connectorId: number;
  idTag: string;
  /** undefined: the token's own parentIdTag, so that its whole group may use the reservation; null: none */
  parentIdTag?: string | null;
  expiryDate: string;
}

export interface StartUse {
  stationId: string;
  connectorId: number;
  idTag: string;
  /** the parentIdTag the token was given in this StartTransaction's idTagInfo */
  parentIdTag?: string;
  reservationId: number;
  transactionId: number;
  at: string;
}

export function isActive(r: Pick<Reservation, 'status' | 'expiry_date'>, now: string): boolean {
  return ACTIVE_STATUSES.includes(r.status) && r.expiry_date > now;
}

export function createReservationsService(ctx: AppContext) {
  const db = ctx.db;
  const iso = () => ctx.now().toISOString();

  const event = (r: Pick<Reservation, 'id' | 'station_id' | 'connector_id' | 'transaction_id'>, status: ReservationStatus, at: string): PlugboardEvent => ({
    type: 'reservation.updated',
    stationId: r.station_id,
    at,
    reservationId: Number(r.id),
    connectorId: r.connector_id,
    status,
    transactionId: r.transaction_id === null ? null : Number(r.transaction_id),
  });

  async function expireDue(): Promise<number> {
    const at = iso();
    const expired = await db.write((trx) => store.expireDue(trx, at));
    for (const r of expired) ctx.bus.publish(event(r, 'Expired', at));
    return expired.length;
  }

  const sweep = new ExpirySweep({
    now: () => ctx.now().getTime(),
    expireDue,
    nextExpiry: async () => {
      const next = await store.nextExpiry(db.kysely);
      return next === null ? null : Date.parse(next);
    },
    onError: (err) => ctx.log.error({ err }, 'reservation expiry sweep failed'),
  });

  /** Sets the outcome of a reservation still Requested. */
  async function settle(id: number, status: ReservationStatus, note: string | null): Promise<void> {
    const at = iso();
    const ended = status === 'Accepted' || status === 'Requested' ? null : at;
    const changed = await db.write((trx) => store.updateReservationIf(trx, id, ['Requested'], { status, note, updated_at: at, ended_at: ended }));
    if (!changed || status === 'Requested') return;
    const row = await store.getReservation(db.kysely, id);
    if (row) ctx.bus.publish(event(row, status, at));
  }

  /**
   * ReserveNow, from any route: the answer settles the reservation Plugboard holds under that
   * reservationId for this station while it is Requested. No answer in time: it stays Requested
   * (the charger may hold it until its expiry date); a CALLERROR, an invalid answer or a
   * charger gone offline: Failed. A reservationId Plugboard did not hand out (sent through the
   * generic endpoint) is not tracked: Plugboard allocates the ids.
   */
  async function onReserveNow(c: ObservedCommand<'ReserveNow'>): Promise<void> {
    const id = c.request.reservationId;
    const r = isOurId(id) ? await store.getReservation(db.kysely, id) : undefined;
    if (!r || r.station_id !== c.stationId) {
      if (c.outcome.ok && c.outcome.response.status === 'Accepted') ctx.log.warn({ stationId: c.stationId, reservationId: id }, 'ReserveNow with a reservationId Plugboard did not hand out to this station: the reservation is not tracked');
      return;
    }
    if (c.outcome.ok) await settle(id, c.outcome.response.status, null);
    else if (c.outcome.error instanceof RpcTimeoutError) await settle(id, 'Requested', 'the charger did not answer ReserveNow in time: it may hold the reservation until its expiry date');
    else await settle(id, 'Failed', `ReserveNow failed: ${(c.outcome.error as Error).message}`);
  }

  /**
   * CancelReservation, from any route: Accepted makes an active reservation of this station
   * Cancelled. Rejected means the charger holds no reservation with that id (used, expired on
   * its own clock, or never received): the stored status is left as it is and the refusal is
   * noted. No answer: nothing changes.
   */
  async function onCancelReservation(c: ObservedCommand<'CancelReservation'>): Promise<void> {
    if (!c.outcome.ok) return;
    const id = c.request.reservationId;
    const r = isOurId(id) ? await store.getReservation(db.kysely, id) : undefined;
    if (!r || r.station_id !== c.stationId) return;
    const at = c.answeredAt;
    if (c.outcome.response.status === 'Accepted') {
      const changed = await db.write((trx) => store.updateReservationIf(trx, id, ACTIVE_STATUSES, { status: 'Cancelled', updated_at: at, ended_at: at }));
      if (changed) ctx.bus.publish(event(r, 'Cancelled', at));
    } else {
      await db.write((trx) => store.updateReservationIf(trx, id, ACTIVE_STATUSES, { note: `CancelReservation was Rejected by the charger at ${at}: it holds no reservation ${id}`, updated_at: at }));
    }
  }

  const service = {
    /**
     * ReserveNow (OCPP 1.6 §5.13) with a reservationId Plugboard allocates. The reservation is
     * stored (Requested) and committed before the command leaves, so that a StartTransaction
     * naming it can never arrive before it exists. The answer is the stored reservation, whose
     * status is the charger's answer. Nothing is stored when the station is unknown, not
     * Accepted or not connected. If the charger does not answer in time, the reservation stays
     * Requested (the charger may hold it) and the timeout is thrown; a CALLERROR or an invalid
     * answer makes it Failed and is thrown.
     */
    async reserve(stationId: string, input: ReserveInput, opts: { timeoutMs?: number } = {}): Promise<Reservation> {
      const expiryMs = Date.parse(input.expiryDate);
      if (Number.isNaN(expiryMs)) throw new InvalidCommandError(`expiryDate ${input.expiryDate} is not a date-time`);
      if (expiryMs <= ctx.now().getTime()) throw new InvalidCommandError(`expiryDate ${input.expiryDate} is not in the future`);
      if (!Number.isInteger(input.connectorId) || input.connectorId < 0) throw new InvalidCommandError('connectorId must be 0 (any connector) or a connector number');
      // A reservation for a token that would not be Accepted could never be used (§5.13: the
      // charger authorizes the token that claims it).
      const info = await ctx.services.authorization.authorize(input.idTag, { checkConcurrency: false });
      if (info.status !== 'Accepted') throw new InvalidCommandError(`idTag ${input.idTag} is ${info.status}: a reservation for it could never be used`);
      const parentIdTag = input.parentIdTag === undefined ? (info.parentIdTag ?? null) : input.parentIdTag;
      const expiryDate = new Date(expiryMs).toISOString();

      const station = await ctx.services.stations.get(stationId);
      if (!station) throw new StationNotFoundError(stationId);
      if (station.registration_status !== 'Accepted') throw new CommandRefusedError(stationId, `station ${stationId} is ${station.registration_status}: ReserveNow is not allowed until it is Accepted`);
      if (!ctx.services.stations.isConnected(stationId)) throw new StationOfflineError(stationId);

      const at = iso();
      const reservationId = await db.write((trx) =>
        store.insertReservation(trx, {
          station_id: stationId,
          connector_id: input.connectorId,
          id_tag: input.idTag,
          parent_id_tag: parentIdTag,
          expiry_date: expiryDate,
          status: 'Requested',
          transaction_id: null,
          note: null,
          created_at: at,
          updated_at: at,
          ended_at: null,
        }),
      );
      sweep.armAt(expiryMs);
      const payload: CentralToCharger['ReserveNow']['req'] = {
        connectorId: input.connectorId,
        expiryDate,
        idTag: input.idTag,
        ...(parentIdTag === null ? {} : { parentIdTag }),
        reservationId,
      };
      try {
        checkCommand('ReserveNow', payload);
        // The ReserveNow observer settles the reservation with the charger's answer.
        await ctx.services.stations.sendCommand(stationId, 'ReserveNow', payload, opts);
      } catch (err) {
        // Refused before it was sent (the station went away or changed status meanwhile): no observer saw it.
        if (err instanceof StationNotFoundError || err instanceof CommandRefusedError || err instanceof CommandPayloadError) await settle(reservationId, 'Failed', `ReserveNow failed: ${err.message}`);
        throw err;
      }
      return (await store.getReservation(db.kysely, reservationId))!;
    },

    /**
     * CancelReservation (OCPP 1.6 §5.4) for an active reservation. Accepted makes it Cancelled.
     * Rejected means the charger holds no reservation with that id (used, expired on its own
     * clock, or never received): the stored status is left as it is, the refusal is noted, and
     * the sweep or a StartTransaction ends it.
     */
    async cancel(reservationId: number, opts: { timeoutMs?: number } = {}): Promise<{ status: 'Accepted' | 'Rejected'; reservation: Reservation }> {
      const r = isOurId(reservationId) ? await store.getReservation(db.kysely, reservationId) : undefined;
      if (!r) throw new ReservationNotFoundError(reservationId);
      const now = iso();
      if (!isActive(r, now)) throw new ReservationNotActiveError(r, ACTIVE_STATUSES.includes(r.status) ? 'Expired' : r.status);
      // The CancelReservation observer records the answer.
      const answer = await ctx.services.stations.sendCommand(r.station_id, 'CancelReservation', { reservationId }, opts);
      return { status: answer.status, reservation: (await store.getReservation(db.kysely, reservationId))! };
    },

    /**
     * Registers the observers that keep reservations true to the charger's answers whichever
     * route sent ReserveNow or CancelReservation (this module's, the generic endpoint, bulk);
     * returns their removal.
     */
    observeCommands(s: StationsService): () => void {
      const off = [s.observeCommand('ReserveNow', onReserveNow), s.observeCommand('CancelReservation', onCancelReservation)];
      return () => off.forEach((f) => f());
    },

    /**
     * A StartTransaction carried a reservationId (OCPP 1.6 §4.8: the reservation it ends). Runs
     * inside the transactions service's database transaction, so the link is stored with the
     * transaction; the returned event is for the caller to publish after COMMIT. The start is
     * never refused: a reservation that is unknown, of another station, for another connector
     * or token, or no longer active is logged and, where Plugboard holds it, noted on it.
     */
    async useForStart(exec: Kysely<Database>, use: StartUse): Promise<PlugboardEvent | null> {
      const r = isOurId(use.reservationId) ? await store.getReservation(exec, use.reservationId) : undefined;
      if (!r || r.station_id !== use.stationId) {
        ctx.log.warn({ stationId: use.stationId, reservationId: use.reservationId, transactionId: use.transactionId }, 'StartTransaction names a reservation this station does not hold in Plugboard');
        return null;
      }
      const mismatch: string[] = [];
      if (r.connector_id !== 0 && r.connector_id !== use.connectorId) mismatch.push(`started on connector ${use.connectorId}, reserved connector ${r.connector_id}`);
      // OCPP 1.6 §5.13: the reserved idTag, or any token whose parentIdTag is the reservation's.
      const sameGroup = r.parent_id_tag !== null && use.parentIdTag === r.parent_id_tag;
      if (r.id_tag !== use.idTag && !sameGroup) mismatch.push(`idTag ${use.idTag} is neither the reserved idTag ${r.id_tag} nor of its group`);
      const usable: ReservationStatus[] = ['Requested', 'Accepted', 'Expired'];
      if (!usable.includes(r.status)) {
        mismatch.push(`the reservation was already ${r.status}`);
        const note = `transaction ${use.transactionId} named it: ${mismatch.join('; ')}`;
        await store.updateReservationIf(exec, r.id, [r.status], { note, updated_at: use.at });
        ctx.log.warn({ stationId: use.stationId, reservationId: r.id, transactionId: use.transactionId }, note);
        return null;
      }
      // Expired here is only Plugboard's clock: the charger, which decides, still held it.
      if (r.status === 'Expired') mismatch.push('used after Plugboard saw it expire');
      const note = mismatch.length ? `used by transaction ${use.transactionId}: ${mismatch.join('; ')}` : null;
      await store.updateReservationIf(exec, r.id, usable, { status: 'Used', transaction_id: use.transactionId, note, updated_at: use.at, ended_at: use.at });
      if (note) ctx.log.warn({ stationId: use.stationId, reservationId: r.id, transactionId: use.transactionId }, note);
      return event({ ...r, transaction_id: use.transactionId }, 'Used', use.at);
    },

    get(reservationId: number): Promise<Reservation | undefined> {
      return isOurId(reservationId) ? store.getReservation(db.kysely, reservationId) : Promise.resolve(undefined);
    },

    async listPage(filter: Omit<store.ReservationFilter, 'now'>, sort: SortKey[], page: { limit: number; offset: number }) {
      const f = { ...filter, now: iso() };
      const [items, total] = await Promise.all([store.listReservationsPage(db.kysely, f, sort, page), store.countReservations(db.kysely, f)]);
      return { items, total };
    },

    /** Marks the reservations past their expiry date Expired now (the sweep does it on its own). */
    expireDue,

    /** Starts the expiry sweep (at the next expiry date, and at least every minute). */
    start(): void {
      sweep.start();
    },

    stop(): Promise<void> {
      return sweep.stop();
    },
  };
  return service;
}

export type ReservationsService = ReturnType<typeof createReservationsService>;
