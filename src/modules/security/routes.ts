// REST endpoints of the security events: GET /security-events (every station) and
// GET /stations/{id}/security-events.
import { Type, type Static } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { DateTime, Nullable, timeRange, TimeRangeQuery } from '../../http/list-query.ts';
import { IdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { StationNotFoundError } from '../stations/service.ts';
import type { SecurityEventRow } from './service.ts';

const tags = ['Security'];

export const SecurityEventView = Type.Object(
  {
    id: Type.Integer(),
    stationId: Type.String(),
    type: Type.String({ description: 'the Security Whitepaper\'s event type (e.g. InvalidChargePointCertificate), a vendor\'s, or Plugboard\'s own' }),
    source: Type.Union([Type.Literal('station'), Type.Literal('csms')], { description: 'station: reported with SecurityEventNotification; csms: seen by Plugboard' }),
    timestamp: DateTime('when it happened (the station\'s clock for station events)'),
    techInfo: Nullable(Type.String()),
    critical: Type.Boolean({ description: 'critical per the Security Whitepaper\'s list; raised as bus event / webhook security.event with critical true' }),
    receivedAt: DateTime(),
  },
  { title: 'SecurityEvent' },
);

function toView(r: SecurityEventRow): Static<typeof SecurityEventView> {
  return {
    id: Number(r.id),
    stationId: r.station_id,
    type: r.type,
    source: r.source,
    timestamp: r.timestamp,
    techInfo: r.tech_info,
    critical: r.critical === 1,
    receivedAt: r.received_at,
  };
}

const Filters = {
  ...PageQuery.properties,
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'only this event type' })),
  critical: Type.Optional(Type.Boolean({ description: 'true: only critical events; false: only the others' })),
  source: Type.Optional(Type.Union([Type.Literal('station'), Type.Literal('csms')])),
  ...TimeRangeQuery,
};

export function registerRoutes(api: Api, ctx: AppContext): void {
  const security = () => ctx.services.security;

  api.get('/security-events', {
    schema: {
      tags,
      summary: 'Security events of every station, newest first',
      description: 'from/to apply to the event\'s timestamp.',
      querystring: Type.Object({ ...Filters, stationId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
      response: { 200: Page(SecurityEventView), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, stationId, type, critical, source } = req.query;
    const page = await security().page({ stationId, type, critical, source, ...timeRange(req.query) }, { limit, offset });
    return { items: page.items.map(toView), total: page.total, limit, offset };
  });

  api.get('/stations/:id/security-events', {
    schema: {
      tags,
      summary: 'Security events of one station, newest first',
      description: 'from/to apply to the event\'s timestamp.',
      params: IdParam,
      querystring: Type.Object(Filters),
      response: { 200: Page(SecurityEventView), 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    if (!(await ctx.services.stations.get(req.params.id))) throw new StationNotFoundError(req.params.id);
    const { limit = 50, offset = 0, type, critical, source } = req.query;
    const page = await security().page({ stationId: req.params.id, type, critical, source, ...timeRange(req.query) }, { limit, offset });
    return { items: page.items.map(toView), total: page.total, limit, offset };
  });
}
