// REST endpoints of the stations module: stations (chargers), their connectors and status
// history, and the identities that tried to connect while unknown.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Station } from '../../db/schema.ts';
import type { Api } from '../../http/types.ts';
import { conflict } from '../../http/errors.ts';
import { ConnectorIdInteger, IdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { OcppVersions, RegistrationStatus, SecurityProfile, StationBody, StationPassword, StatusHistoryEntry, UnknownStation, ConnectorStatus, toConnectorStatus, toHistoryEntry, toStation, toUnknownStation } from './api.ts';
import { Nullable, parseSort, SortQuery, TimeRangeQuery, timeRange } from '../../http/list-query.ts';
import { StationExistsError, StationNotFoundError } from './service.ts';

const STATION_SORT = { id: 'id', registrationStatus: 'registration_status', vendor: 'vendor', model: 'model', lastSeenAt: 'last_seen_at', createdAt: 'created_at' } as const;
const HISTORY_SORT = { receivedAt: 'id', timestamp: 'timestamp' } as const;
const UNKNOWN_SORT = { id: 'id', firstSeenAt: 'first_seen_at', lastSeenAt: 'last_seen_at', attempts: 'attempts' } as const;

const notFoundErrors = { 404: Type.Ref('ErrorBody'), ...standardErrors };

export function registerRoutes(api: Api, ctx: AppContext): void {
  const stations = () => ctx.services.stations;
  const tags = ['Stations'];

  async function present(rows: Station[]) {
    const connectors = await stations().connectorViewsOf(rows);
    return rows.map((s) =>
      toStation(s, { connected: stations().isConnected(s.id), liveVersion: stations().liveVersion(s.id), defaultSecurityProfile: ctx.config.ocpp.defaultSecurityProfile, connectors: connectors.get(s.id) ?? [] }),
    );
  }
  async function presentOne(id: string) {
    const row = await stations().get(id);
    if (!row) throw new StationNotFoundError(id);
    return (await present([row]))[0];
  }

  api.get('/stations', {
    schema: {
      tags,
      summary: 'List stations with their live connection state and connector statuses',
      querystring: Type.Object({
        ...PageQuery.properties,
        registrationStatus: Type.Optional(RegistrationStatus),
        connected: Type.Optional(Type.Boolean({ description: 'only stations connected (true) or not connected (false) now' })),
        search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'substring of the id, vendor or model (case-insensitive)' })),
        sort: SortQuery(Object.keys(STATION_SORT), 'id'),
      }),
      response: { 200: Page(StationBody), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort, ...filter } = req.query;
    const page = await stations().listPage(filter, parseSort(sort, STATION_SORT, 'id'), { limit, offset });
    return { items: await present(page.items), total: page.total, limit, offset };
  });

  api.get('/stations/:id', {
    schema: { tags, summary: 'A station: registration, boot information, connection state, connectors', params: IdParam, response: { 200: StationBody, ...notFoundErrors } },
  }, async (req) => presentOne(req.params.id));

  api.post('/stations', {
    schema: {
      tags,
      summary: 'Pre-register a station (409 if the id exists)',
      body: Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'charge point identity' }),
          password: Type.Optional(Nullable(StationPassword)),
          securityProfile: Type.Optional(SecurityProfile),
          registrationStatus: Type.Optional(RegistrationStatus),
          ocppVersions: Type.Optional(OcppVersions),
        },
        { additionalProperties: false },
      ),
      response: { 201: StationBody, 409: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req, reply) => {
    try {
      await stations().create(req.body);
    } catch (err) {
      if (err instanceof StationExistsError) throw conflict(err.message);
      throw err;
    }
    return reply.code(201).send(await presentOne(req.body.id));
  });

  api.patch('/stations/:id', {
    schema: {
      tags,
      summary: 'Change password, security profile, registration status or allowed OCPP versions',
      params: IdParam,
      body: Type.Object(
        {
          password: Type.Optional(Nullable(StationPassword)),
          securityProfile: Type.Optional(SecurityProfile),
          registrationStatus: Type.Optional(RegistrationStatus),
          ocppVersions: Type.Optional(OcppVersions),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
      response: { 200: StationBody, ...notFoundErrors },
    },
  }, async (req) => {
    await stations().update(req.params.id, req.body);
    return presentOne(req.params.id);
  });

  api.delete('/stations/:id', {
    schema: { tags, summary: 'Delete a station (closes its connection; its transactions and logs stay)', params: IdParam, response: { 204: Type.Null(), ...notFoundErrors } },
  }, async (req, reply) => {
    if (!(await stations().remove(req.params.id))) throw new StationNotFoundError(req.params.id);
    return reply.code(204).send(null);
  });

  for (const [verb, status] of [['accept', 'Accepted'], ['reject', 'Rejected']] as const) {
    api.post(`/stations/:id/${verb}`, {
      schema: {
        tags,
        summary: `${verb === 'accept' ? 'Accept' : 'Reject'} a station: its next BootNotification is answered ${status}`,
        params: IdParam,
        response: { 200: StationBody, ...notFoundErrors },
      },
    }, async (req) => {
      await stations().setRegistrationStatus(req.params.id, status);
      return presentOne(req.params.id);
    });
  }

  api.get('/stations/:id/connectors', {
    schema: { tags, summary: 'Current status of connector 0 and each connector', params: IdParam, response: { 200: Type.Object({ items: Type.Array(ConnectorStatus) }), ...notFoundErrors } },
  }, async (req) => {
    const station = await stations().get(req.params.id);
    if (!station) throw new StationNotFoundError(req.params.id);
    const rows = (await stations().connectorViewsOf([station])).get(req.params.id) ?? [];
    return { items: rows.map(toConnectorStatus) };
  });

  api.get('/stations/:id/connectors/:connectorId/history', {
    schema: {
      tags,
      summary: "A connector's status changes, newest first",
      params: Type.Object({ id: IdParam.properties.id, connectorId: ConnectorIdInteger(0) }),
      querystring: Type.Object({ ...PageQuery.properties, ...TimeRangeQuery, sort: SortQuery(Object.keys(HISTORY_SORT), '-receivedAt') }),
      response: { 200: Page(StatusHistoryEntry), ...notFoundErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort } = req.query;
    if (!(await stations().get(req.params.id))) throw new StationNotFoundError(req.params.id);
    const page = await stations().statusHistoryPage(
      { stationId: req.params.id, connectorId: req.params.connectorId, ...timeRange(req.query) },
      parseSort(sort, HISTORY_SORT, '-receivedAt'),
      { limit, offset },
    );
    return { items: page.items.map(toHistoryEntry), total: page.total, limit, offset };
  });

  api.get('/unknown-stations', {
    schema: {
      tags,
      summary: 'Identities that tried to connect but are not registered (refused with 404)',
      querystring: Type.Object({ ...PageQuery.properties, sort: SortQuery(Object.keys(UNKNOWN_SORT), '-lastSeenAt') }),
      response: { 200: Page(UnknownStation), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort } = req.query;
    const page = await stations().unknownStationsPage(parseSort(sort, UNKNOWN_SORT, '-lastSeenAt'), { limit, offset });
    return { items: page.items.map(toUnknownStation), total: page.total, limit, offset };
  });
}
