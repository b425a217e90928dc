// REST endpoints of the reservations module: make a reservation (ReserveNow), list and read
// them, cancel one (CancelReservation).
import { Type, type Static } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Reservation } from '../../db/schema.ts';
import type { Api } from '../../http/types.ts';
import { HttpError } from '../../http/errors.ts';
import { ConnectorIdInteger, IdParam, NumericIdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { DateTime, Nullable, parseSort, SortQuery } from '../../http/list-query.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { COMMAND_DESCRIPTION, commandErrors, TimeoutQuery, timeoutMs, translated } from '../commands/schemas.ts';
import { isActive, ReservationNotActiveError, ReservationNotFoundError, type ReservationStatus } from './service.ts';

const tags = ['Reservations'];
const SORT = { id: 'id', createdAt: 'id', expiryDate: 'expiry_date', stationId: 'station_id', status: 'status' } as const;
const STATUSES: ReservationStatus[] = ['Requested', 'Accepted', 'Faulted', 'Occupied', 'Rejected', 'Unavailable', 'Failed', 'Used', 'Expired', 'Cancelled'];

const Status = Type.Unsafe<ReservationStatus>({
  type: 'string',
  enum: STATUSES,
  description:
    'Requested (sent, no answer yet or the answer was lost); the charger\'s answer: Accepted, Faulted, Occupied, Rejected, Unavailable; ' +
    'Failed (no usable answer: CALLERROR, invalid response, disconnected); then Used (a StartTransaction carried its id), Expired, Cancelled',
});

const ReservationBody = Type.Object(
  {
    id: Type.Integer({ description: 'the OCPP reservationId, unique across Plugboard' }),
    stationId: Type.String(),
    connectorId: Type.Integer({ description: '0 = any connector of the station' }),
    idTag: Type.String(),
    parentIdTag: Nullable(Type.String({ description: 'tokens with this parentIdTag may use the reservation too' })),
    expiryDate: DateTime(),
    status: Status,
    active: Type.Boolean({ description: 'Requested or Accepted, and not past its expiry date' }),
    transactionId: Nullable(Type.Integer({ description: 'the transaction that used it' })),
    note: Nullable(Type.String({ description: 'what did not go as expected: a failure, a refused cancel, a use that did not match' })),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    endedAt: Nullable(DateTime('when it stopped being active')),
  },
  { title: 'Reservation' },
);

const CancelResult = Type.Object({
  status: Type.Union([Type.Literal('Accepted'), Type.Literal('Rejected')], { description: 'the charger\'s answer to CancelReservation' }),
  reservation: ReservationBody,
});

function toReservation(r: Reservation, now: string): Static<typeof ReservationBody> {
  return {
    id: Number(r.id),
    stationId: r.station_id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    parentIdTag: r.parent_id_tag,
    expiryDate: r.expiry_date,
    status: r.status,
    active: isActive(r, now),
    transactionId: r.transaction_id === null ? null : Number(r.transaction_id),
    note: r.note,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
  };
}

/** This module's errors as HTTP errors, inside the command module's translation. */
async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await translated(fn);
  } catch (err) {
    if (err instanceof ReservationNotFoundError) throw new HttpError(404, 'reservation_not_found', err.message);
    if (err instanceof ReservationNotActiveError) throw new HttpError(409, 'reservation_not_active', err.message, { status: err.status });
    throw err;
  }
}

const ListQuery = Type.Object({
  ...PageQuery.properties,
  stationId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  connectorId: Type.Optional(ConnectorIdInteger(0)),
  idTag: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  status: Type.Optional(Type.Array(Status, { description: 'repeat for several: ?status=Accepted&status=Requested' })),
  active: Type.Optional(Type.Boolean({ description: 'true: only reservations a charger may be holding now; false: only the others' })),
  sort: SortQuery(Object.keys(SORT), '-id'),
});

export function registerRoutes(api: Api, ctx: AppContext): void {
  const reservations = () => ctx.services.reservations;
  const now = () => ctx.now().toISOString();

  async function list(query: Static<typeof ListQuery>, stationId?: string) {
    const { limit = 50, offset = 0, sort, status, active, connectorId, idTag } = query;
    const page = await reservations().listPage(
      { stationId: stationId ?? query.stationId, connectorId, idTag, statuses: status, active },
      parseSort(sort, SORT, '-id'),
      { limit, offset },
    );
    const at = now();
    return { items: page.items.map((r) => toReservation(r, at)), total: page.total, limit, offset };
  }

  api.post('/stations/:id/reservations', {
    schema: {
      tags,
      summary: 'Reserve a connector, or any connector of the station, for a token (ReserveNow)',
      description:
        'Plugboard allocates the reservationId and stores the reservation before sending ReserveNow. The response is the stored ' +
        'reservation (201), its status the charger\'s answer: Accepted, Faulted, Occupied, Rejected or Unavailable. connectorId 0 ' +
        'reserves whichever connector comes first; chargers only accept it when ReserveConnectorZeroSupported is true. Without ' +
        'parentIdTag, the token\'s own parentIdTag is sent, so that any token of its group may use the reservation; null sends none. ' +
        '400 invalid_command: expiryDate not in the future, or a token that is not Accepted (it could never use the reservation). ' +
        'On 504 the reservation stays Requested (the charger may hold it); on 502 it is Failed. The reservation ends Used when a ' +
        'StartTransaction carries its id, Expired at its expiry date, or Cancelled. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          connectorId: Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: '0 = any connector of the station' }),
          idTag: Type.String({ minLength: 1, maxLength: 20 }),
          parentIdTag: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))),
          expiryDate: DateTime('when the charger ends the reservation'),
        },
        { additionalProperties: false },
      ),
      response: { 201: ReservationBody, ...commandErrors, ...standardErrors },
    },
  }, async (req, reply) => {
    const r = await mapped(() => reservations().reserve(req.params.id, req.body, { timeoutMs: timeoutMs(req.query) }));
    return reply.code(201).send(toReservation(r, now()));
  });

  api.get('/reservations', {
    schema: { tags, summary: 'List reservations', querystring: ListQuery, response: { 200: Page(ReservationBody), ...standardErrors } },
  }, (req) => list(req.query));

  api.get('/stations/:id/reservations', {
    schema: {
      tags,
      summary: 'List the reservations of a station',
      params: IdParam,
      querystring: Type.Omit(ListQuery, ['stationId']),
      response: { 200: Page(ReservationBody), 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    if (!(await ctx.services.stations.get(req.params.id))) throw new StationNotFoundError(req.params.id);
    return list(req.query, req.params.id);
  });

  api.get('/reservations/:id', {
    schema: { tags, summary: 'A reservation', params: NumericIdParam, response: { 200: ReservationBody, 404: Type.Ref('ErrorBody'), ...standardErrors } },
  }, async (req) => {
    const r = await reservations().get(req.params.id);
    if (!r) throw new HttpError(404, 'reservation_not_found', `reservation ${req.params.id} does not exist`);
    return toReservation(r, now());
  });

  const cancelSchema = (summary: string) => ({
    tags,
    summary,
    description:
      'Sends CancelReservation to the station holding it. Accepted: the reservation is Cancelled. Rejected: the charger holds no ' +
      'such reservation; its stored status stays (a note records the refusal) until it is used or expires. 409 reservation_not_active ' +
      'when it is no longer active (nothing is sent). ' + COMMAND_DESCRIPTION,
    params: NumericIdParam,
    querystring: TimeoutQuery,
    response: { 200: CancelResult, ...commandErrors, ...standardErrors },
  });
  const cancel = async (req: { params: { id: number }; query: { timeout?: number } }) => {
    const res = await mapped(() => reservations().cancel(req.params.id, { timeoutMs: timeoutMs(req.query) }));
    return { status: res.status, reservation: toReservation(res.reservation, now()) };
  };
  api.delete('/reservations/:id', { schema: cancelSchema('Cancel a reservation (CancelReservation)') }, cancel);
  api.post('/reservations/:id/cancel', { schema: cancelSchema('Cancel a reservation (CancelReservation); the same as DELETE') }, cancel);
}
