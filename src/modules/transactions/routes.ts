// REST endpoints of the transactions module: transactions with energy and duration, their
// meter values, and the stops that matched no transaction (orphan stops).
import { Type, type Static } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Selectable } from 'kysely';
import type { MeterValueRow, OrphanStopsTable, Transaction, TransactionEventsTable } from '../../db/schema.ts';
import type { Api } from '../../http/types.ts';
import { ConnectorIdInteger, IdParam, NumericIdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { DateTime, Nullable, parseSort, SortQuery, TimeRangeQuery, timeRange } from '../../http/list-query.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { HttpError } from '../../http/errors.ts';
import { DURATION_SORT_COLUMN, ENERGY_SORT_COLUMN } from './store.ts';
import { CLOSED_BY_OPERATOR, TransactionAlreadyStoppedError, TransactionNotFoundError } from './service.ts';

// energyWh and durationSeconds are computed in SQL as the API computes them (store.ts
// withComputedSortColumns); an unknown energy sorts last in both directions.
const TX_SORT = {
  id: 'id',
  startTimestamp: 'start_timestamp',
  stopTimestamp: 'stop_timestamp',
  stationId: 'station_id',
  idTag: 'id_tag',
  connectorId: 'connector_id',
  energyWh: ENERGY_SORT_COLUMN,
  durationSeconds: DURATION_SORT_COLUMN,
} as const;
const ORPHAN_SORT = { receivedAt: 'id', timestamp: 'timestamp' } as const;

const TransactionBody = Type.Object(
  {
    id: Type.Integer({ description: 'the OCPP transactionId' }),
    stationId: Type.String(),
    connectorId: Type.Integer(),
    idTag: Type.String(),
    startIdTagStatus: Type.String({ description: 'the idTagInfo status the charger was given at start' }),
    reservationId: Nullable(Type.Integer()),
    meterStartWh: Type.Integer(),
    startTimestamp: DateTime(),
    meterStopWh: Nullable(Type.Integer()),
    stopTimestamp: Nullable(DateTime()),
    stopReason: Nullable(Type.String()),
    stopIdTag: Nullable(Type.String()),
    active: Type.Boolean({ description: 'not stopped yet' }),
    energyWh: Nullable(
      Type.Integer({ minimum: 0, description: 'meterStop - meterStart; while active: the latest Energy.Active.Import.Register reading - meterStart; null while unknown; 0 when the register went backwards (meterAnomaly)' }),
    ),
    meterAnomaly: Type.Boolean({ description: 'the stop (or latest) register reading is below meterStart: energyWh is 0, not negative' }),
    durationSeconds: Type.Integer({ description: 'stop - start; while active: up to now' }),
    chargerTransactionId: Type.String({ description: "the charger's transaction id as given: on 1.6 the id above as text, on 2.0.1 the station's transactionId" }),
    ocppVersion: Type.String({ description: '1.6 or 2.0.1: the version the session was reported in' }),
    evseId: Type.Integer({ description: 'the EVSE (1.6: the connector id)' }),
    chargingState: Nullable(Type.String({ description: '2.0.1 chargingState last reported (Charging, EVConnected, SuspendedEV, SuspendedEVSE, Idle); null on 1.6 or before any' })),
    remoteStartId: Nullable(Type.Integer({ description: 'the remoteStartId of the RequestStartTransaction that began it (2.0.1)' })),
    idTokenType: Nullable(Type.String({ description: 'the 2.0.1 IdTokenEnumType of idTag; null on 1.6' })),
  },
  { title: 'Transaction' },
);

const MeterValue = Type.Object({
  id: Type.Integer(),
  connectorId: Type.Integer(),
  timestamp: DateTime(),
  value: Type.String({ description: 'as sent: a decimal for Raw, the signed data for SignedData' }),
  measurand: Type.String(),
  phase: Nullable(Type.String()),
  unit: Type.String(),
  context: Type.String(),
  location: Type.String(),
  format: Type.String(),
  source: Type.String({ description: 'MeterValues or StopTransaction (transactionData)' }),
  receivedAt: DateTime(),
});

const TransactionEvent = Type.Object({
  seqNo: Type.Integer({ description: '2.0.1 seqNo; on 1.6 0 for the start and 1 for the stop' }),
  eventType: Type.String({ description: 'Started, Updated or Ended' }),
  triggerReason: Nullable(Type.String({ description: '2.0.1 triggerReason; null on 1.6' })),
  timestamp: DateTime(),
  offline: Type.Boolean({ description: 'sent by the station after being offline (2.0.1 offline flag)' }),
  chargingState: Nullable(Type.String()),
  idToken: Nullable(Type.String()),
  idTokenType: Nullable(Type.String()),
  stoppedReason: Nullable(Type.String()),
  receivedAt: DateTime(),
});

const TransactionDetail = Type.Intersect(
  [TransactionBody, Type.Object({ meterValues: Type.Array(MeterValue), events: Type.Array(TransactionEvent, { description: 'ordered by seqNo' }) })],
  { title: 'TransactionDetail' },
);

/** The events of a session: 2.0.1 as stored; 1.6 its start and stop. */
function toEvents(t: Transaction, events: Array<Selectable<TransactionEventsTable>>): Array<Static<typeof TransactionEvent>> {
  if (t.ocpp_version === '2.0.1') {
    return events.map((e) => ({
      seqNo: Number(e.seq_no),
      eventType: e.event_type,
      triggerReason: e.trigger_reason,
      timestamp: e.timestamp,
      offline: Boolean(Number(e.offline)),
      chargingState: e.charging_state,
      idToken: e.id_token,
      idTokenType: e.id_token_type,
      stoppedReason: e.stopped_reason,
      receivedAt: e.received_at,
    }));
  }
  const base = { triggerReason: null, offline: false, chargingState: null, idTokenType: null, stoppedReason: null };
  const out: Array<Static<typeof TransactionEvent>> = [{ ...base, seqNo: 0, eventType: 'Started', timestamp: t.start_timestamp, idToken: t.id_tag, receivedAt: t.received_start_at }];
  if (t.stop_timestamp !== null) {
    out.push({ ...base, seqNo: 1, eventType: 'Ended', timestamp: t.stop_timestamp, idToken: t.stop_id_tag, stoppedReason: t.stop_reason, receivedAt: t.received_stop_at ?? t.stop_timestamp });
  }
  return out;
}

const OrphanStop = Type.Object({
  id: Type.Integer(),
  reportedTransactionId: Type.Integer({ description: 'the transactionId the charger sent (-1: it never got one)' }),
  idTag: Nullable(Type.String()),
  meterStopWh: Type.Integer(),
  timestamp: DateTime(),
  reason: Nullable(Type.String()),
  transactionData: Type.Unknown({ description: 'the meter values sent with the stop, as sent (null if none)' }),
  receivedAt: DateTime(),
});

type Measured = Transaction & { energyWh: number | null; meterAnomaly: boolean; durationSeconds: number };

function toTransaction(t: Measured): Static<typeof TransactionBody> {
  return {
    id: Number(t.id),
    stationId: t.station_id,
    connectorId: t.connector_id,
    idTag: t.id_tag,
    startIdTagStatus: t.start_id_tag_status,
    reservationId: t.reservation_id,
    meterStartWh: t.meter_start,
    startTimestamp: t.start_timestamp,
    meterStopWh: t.meter_stop,
    stopTimestamp: t.stop_timestamp,
    stopReason: t.stop_reason,
    stopIdTag: t.stop_id_tag,
    active: t.stop_timestamp === null,
    energyWh: t.energyWh,
    meterAnomaly: t.meterAnomaly,
    durationSeconds: t.durationSeconds,
    chargerTransactionId: t.external_id ?? String(t.id),
    ocppVersion: t.ocpp_version,
    evseId: t.evse_id ?? t.connector_id,
    chargingState: t.charging_state,
    remoteStartId: t.remote_start_id,
    idTokenType: t.id_token_type,
  };
}

function toMeterValue(m: MeterValueRow): Static<typeof MeterValue> {
  return {
    id: Number(m.id),
    connectorId: m.connector_id,
    timestamp: m.timestamp,
    value: m.value,
    measurand: m.measurand,
    phase: m.phase,
    unit: m.unit,
    context: m.context,
    location: m.location,
    format: m.format,
    source: m.source,
    receivedAt: m.received_at,
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toOrphanStop(o: Selectable<OrphanStopsTable>): Static<typeof OrphanStop> {
  return {
    id: Number(o.id),
    reportedTransactionId: Number(o.reported_transaction_id),
    idTag: o.id_tag,
    meterStopWh: Number(o.meter_stop),
    timestamp: o.timestamp,
    reason: o.reason,
    transactionData: parseJson(o.transaction_data),
    receivedAt: o.received_at,
  };
}

const notFoundErrors = { 404: Type.Ref('ErrorBody'), ...standardErrors };

export function registerRoutes(api: Api, ctx: AppContext): void {
  const tx = () => ctx.services.transactions;
  const tags = ['Transactions'];

  api.get('/transactions', {
    schema: {
      tags,
      summary: 'List transactions with energy and duration',
      description:
        'sort=energyWh / durationSeconds order by the values shown: energy from meterStop (while active: the latest total register reading), 0 when the register went backwards; ' +
        'a transaction whose energy is unknown (no reading yet, or closed without one) sorts last in both directions; duration runs up to now while active. ' +
        'These two sorts compute the values for every matching transaction, so narrow the list with filters on large databases.',
      querystring: Type.Object({
        ...PageQuery.properties,
        stationId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        connectorId: Type.Optional(ConnectorIdInteger(0)),
        idTag: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        ...TimeRangeQuery,
        active: Type.Optional(Type.Boolean({ description: 'true: only transactions not stopped yet' })),
        sort: SortQuery(Object.keys(TX_SORT), '-startTimestamp'),
      }),
      response: { 200: Page(TransactionBody), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort, stationId, connectorId, idTag, active } = req.query;
    const page = await tx().listPage({ stationId, connectorId, idTag, activeOnly: active === true, ...timeRange(req.query) }, parseSort(sort, TX_SORT, '-startTimestamp'), { limit, offset });
    return { items: page.items.map(toTransaction), total: page.total, limit, offset };
  });

  api.get('/transactions/:id', {
    schema: { tags, summary: 'A transaction with its meter values', params: NumericIdParam, response: { 200: TransactionDetail, ...notFoundErrors } },
  }, async (req) => {
    const t = await tx().details(req.params.id);
    if (!t) throw new TransactionNotFoundError(req.params.id);
    return { ...toTransaction(t), meterValues: t.meterValues.map(toMeterValue), events: toEvents(t, t.events) };
  });

  api.post('/transactions/:id/close', {
    // The body is optional: none (no content-type) means {}.
    preValidation: async (req) => {
      req.body ??= {};
    },
    schema: {
      tags,
      summary: 'Close a stuck transaction (operator): mark it stopped now, without asking the charger',
      description:
        `For a transaction whose StopTransaction never came (charger gone, reset, lost message). It is stopped now, without a meter reading (meterStopWh null), with stopReason the given reason or "${CLOSED_BY_OPERATOR}", and published as transaction.stopped (events, webhooks). ` +
        'No command goes to the charger: to end a session the charger is still running, use remote-stop. A StopTransaction the charger sends later still records its reading and reason. ' +
        '404: no such transaction; 409 (transaction_already_stopped): it is already stopped or closed.',
      params: NumericIdParam,
      body: Type.Optional(
        Type.Object(
          { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: `why it is closed, shown as stopReason; default "${CLOSED_BY_OPERATOR}"` })) },
          { additionalProperties: false },
        ),
      ),
      response: { 200: TransactionBody, 409: Type.Ref('ErrorBody'), ...notFoundErrors },
    },
  }, async (req) => {
    try {
      return toTransaction(await tx().closeByOperator(req.params.id, req.body?.reason));
    } catch (err) {
      if (err instanceof TransactionAlreadyStoppedError) {
        throw new HttpError(409, 'transaction_already_stopped', err.message, { stopTimestamp: err.stopTimestamp, stopReason: err.stopReason });
      }
      throw err;
    }
  });

  api.get('/stations/:id/orphan-stops', {
    schema: {
      tags,
      summary: 'StopTransactions from this station that matched no transaction',
      params: IdParam,
      querystring: Type.Object({ ...PageQuery.properties, sort: SortQuery(Object.keys(ORPHAN_SORT), '-receivedAt') }),
      response: { 200: Page(OrphanStop), ...notFoundErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort } = req.query;
    if (!(await ctx.services.stations.get(req.params.id))) throw new StationNotFoundError(req.params.id);
    const page = await tx().orphanStopsPage(req.params.id, parseSort(sort, ORPHAN_SORT, '-receivedAt'), { limit, offset });
    return { items: page.items.map(toOrphanStop), total: page.total, limit, offset };
  });
}
