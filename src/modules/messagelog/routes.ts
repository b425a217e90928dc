// REST endpoint of the message log: a charger's OCPP frames in and out, newest first.
import { Type, type Static } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { MessageLogRow } from '../../db/schema.ts';
import type { Api } from '../../http/types.ts';
import { IdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { DateTime, Nullable, parseSort, SortQuery, TimeRangeQuery, timeRange } from '../../http/list-query.ts';
import { StationNotFoundError } from '../stations/service.ts';

// id order is arrival order; created_at may tie within a millisecond.
const MESSAGE_SORT = { createdAt: 'id' } as const;
const TYPE_NAMES: Record<number, string> = { 2: 'CALL', 3: 'CALLRESULT', 4: 'CALLERROR', 0: 'INVALID' };

const Message = Type.Object(
  {
    id: Type.Integer(),
    direction: Type.Union([Type.Literal('in'), Type.Literal('out')], { description: 'in: from the charger; out: to the charger' }),
    messageType: Type.Integer({ description: 'OCPP-J message type: 2 CALL, 3 CALLRESULT, 4 CALLERROR; 0 a frame that could not be parsed' }),
    messageTypeName: Type.String(),
    messageId: Nullable(Type.String()),
    action: Nullable(Type.String({ description: 'for CALLRESULT and CALLERROR: the action of the CALL answered' })),
    createdAt: DateTime(),
    frame: Type.Unknown({ description: 'the frame as parsed JSON ([2, id, action, payload] ...); null if it was not JSON' }),
    raw: Type.Optional(Type.String({ description: 'the frame text, only when it was not JSON' })),
  },
  { title: 'LoggedMessage' },
);

function toMessage(m: MessageLogRow): Static<typeof Message> {
  const base = {
    id: Number(m.id),
    direction: m.direction,
    messageType: m.message_type,
    messageTypeName: TYPE_NAMES[m.message_type] ?? String(m.message_type),
    messageId: m.message_id,
    action: m.action,
    createdAt: m.created_at,
  };
  try {
    return { ...base, frame: JSON.parse(m.frame) };
  } catch {
    return { ...base, frame: null, raw: m.frame };
  }
}

export function registerRoutes(api: Api, ctx: AppContext): void {
  api.get('/stations/:id/messages', {
    schema: {
      tags: ['Message log'],
      summary: "A charger's OCPP frames in and out, newest first",
      params: IdParam,
      querystring: Type.Object({
        ...PageQuery.properties,
        action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. BootNotification; matches a CALL and the answer to it' })),
        direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
        ...TimeRangeQuery,
        sort: SortQuery(Object.keys(MESSAGE_SORT), '-createdAt'),
      }),
      response: { 200: Page(Message), 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort, action, direction } = req.query;
    if (!(await ctx.services.stations.get(req.params.id))) throw new StationNotFoundError(req.params.id);
    const page = await ctx.services.messageLog.listPage(
      { stationId: req.params.id, action, direction, ...timeRange(req.query) },
      parseSort(sort, MESSAGE_SORT, '-createdAt'),
      { limit, offset },
    );
    return { items: page.items.map(toMessage), total: page.total, limit, offset };
  });
}
