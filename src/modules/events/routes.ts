// GET /events: the live event stream (Server-Sent Events), filtered by station and type.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { HttpError } from '../../http/errors.ts';
import { standardErrors } from '../../http/schemas.ts';
import { openEventStream } from './sse.ts';
import { EVENT_TYPES, eventMatcher, splitList, TYPE_PATTERN_HELP, unknownTypePatterns } from './types.ts';
import { REPLAY_EVENTS } from './service.ts';

/** Comment lines keep idle streams alive through proxies that cut silent connections (often after 30-60 s). */
export const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED_BYTES = 1024 * 1024;

const ListParam = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { description }));

export function registerRoutes(api: Api, ctx: AppContext): void {
  const events = () => ctx.services.events;
  // Open streams never end by themselves: end them first, or closing the server would wait for every client.
  api.addHook('preClose', async () => events().closeAll());

  api.get('/events', {
    schema: {
      tags: ['Events'],
      summary: 'Live events (Server-Sent Events)',
      description:
        'A text/event-stream of what happens, as it happens: `event: <type>`, `id: <sequence>`, `data: <the event as JSON>`. ' +
        `Types: ${EVENT_TYPES.join(', ')}. A comment line is sent every ${HEARTBEAT_MS / 1000} s. ` +
        `A client that reconnects with Last-Event-ID gets the events it missed, if they are among the last ${REPLAY_EVENTS} (numbering restarts when Plugboard restarts). ` +
        'At most `api.maxEventStreamsPerKey` streams (default 10) may be open per API key; one more is answered 429 `too_many_event_streams` until one closes. ' +
        'Authentication is the API key header like every other route: browsers read the stream with fetch() and a stream reader, ' +
        'since EventSource cannot send headers; keys are deliberately not accepted in the URL, where they would end up in access logs, proxies and browser history.',
      querystring: Type.Object({
        stationId: ListParam('only these stations; repeat the parameter or separate with commas'),
        type: ListParam(`only these event types: ${TYPE_PATTERN_HELP}; repeat or separate with commas`),
      }),
      response: {
        200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        ...standardErrors,
      },
    },
  }, async (req, reply) => {
    const types = splitList(req.query.type);
    const bad = unknownTypePatterns(types);
    if (bad.length) throw new HttpError(400, 'validation_failed', `unknown event type ${bad.join(', ')}: use ${TYPE_PATTERN_HELP}`, { unknown: bad });
    const stationIds = splitList(req.query.stationId);
    const last = req.headers['last-event-id'];
    const lastEventId = typeof last === 'string' && /^\d{1,15}$/.test(last) ? Number(last) : null;

    // Streams per API key are capped: each one costs a write per event on the charger path.
    const release = events().acquireSlot(req.principal?.keyId ?? 0);
    if (release === null) {
      const max = events().maxStreamsPerKey;
      throw new HttpError(429, 'too_many_event_streams', `this API key already has ${max} event streams open, the most allowed (api.maxEventStreamsPerKey); close one before opening another`, { maxStreamsPerKey: max });
    }
    reply.raw.once('close', release);

    reply.hijack();
    const stream = openEventStream(reply.raw, {
      hub: events().hub,
      match: eventMatcher({ types, stationIds }),
      lastEventId,
      heartbeatMs: HEARTBEAT_MS,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      headers: { 'x-request-id': req.id },
      onSlowClient: () => req.log.warn({ requestId: req.id }, 'event stream client too slow: disconnected (it may resume with Last-Event-ID)'),
    });
    const forget = events().track(stream);
    reply.raw.once('close', forget);
  });
}
