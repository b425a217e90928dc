// Webhook subscriptions, their delivery log, and a test ping. Admin only. A URL's credentials
// (`user:pass@`) are stored encrypted and shown masked; a failed delivery shows its status or
// an error class, never the receiver's answer.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { NumericIdParam, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { TYPE_PATTERN_HELP } from '../events/types.ts';
import { InvalidWebhookError } from './service.ts';
import type { ErrorClass } from './send.ts';

const tags = ['Webhooks'];
const config = { role: 'admin' as const };

const Webhook = Type.Object({
  id: Type.Integer(),
  url: Type.String({ description: 'credentials in it are shown as ****:****; send the URL back unchanged in a PATCH to keep them' }),
  hasCredentials: Type.Boolean({ description: 'the URL has a user and password, stored encrypted and sent as HTTP Basic auth' }),
  description: Type.Union([Type.String(), Type.Null()]),
  eventTypes: Type.Array(Type.String()),
  stationIds: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null: every station' }),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description:
    'http:// or https:// URL that receives a POST per event, at a public address unless the operator allows internal ones (webhooks.allowPrivateTargets, webhooks.allowedTargets). ' +
    '`user:pass@` in it is stored encrypted, shown masked (****:****) and sent as HTTP Basic auth; in a PATCH, the masked form keeps the stored credentials and a URL without any removes them.',
});
const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50, description: `${TYPE_PATTERN_HELP}` });
const StationIds = Type.Union([Type.Null(), Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 1000 })], { description: 'only events of these stations; null or absent: all' });
// Null first: with the API's type coercion, a null tried against string first would become "".
const Description = Type.Union([Type.Null(), Type.String({ maxLength: 500 })]);
const Secret = Type.String({ minLength: 16, maxLength: 256, description: 'the HMAC signing secret; generated (and returned once) when absent' });

const Delivery = Type.Object({
  id: Type.Integer({ description: 'also sent as X-Plugboard-Delivery' }),
  webhookId: Type.Integer(),
  eventType: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  responseStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'the HTTP status of the last answer; null when there was none' }),
  errorClass: Type.Union(
    [
      ...(['http_status', 'redirect', 'timeout', 'connection_refused', 'connection_reset', 'dns_failed', 'host_unreachable', 'tls_failed', 'target_refused', 'aborted', 'connection_failed'] as const).map((c) => Type.Literal(c)),
      Type.Null(),
    ],
    { description: 'why the last attempt failed; null after a success or before any attempt' },
  ),
  lastError: Type.Union([Type.String(), Type.Null()], { description: "the same in Plugboard's words (e.g. HTTP 503, connection refused); never the receiver's answer" }),
  createdAt: Type.String({ format: 'date-time' }),
  payload: Type.Unknown({ description: 'the JSON body sent: { id, type, createdAt, data }' }),
});

type DeliveryRow = { id: number; webhook_id: number; event_type: string; status: 'pending' | 'succeeded' | 'failed'; attempts: number; next_attempt_at: string | null; last_attempt_at: string | null; response_status: number | null; last_error: string | null; error_class: ErrorClass | null; created_at: string; payload: string };
const toDelivery = (r: DeliveryRow) => ({
  id: Number(r.id),
  webhookId: Number(r.webhook_id),
  eventType: r.event_type,
  status: r.status,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  responseStatus: r.response_status === null ? null : Number(r.response_status),
  errorClass: r.error_class,
  lastError: r.last_error,
  createdAt: r.created_at,
  payload: JSON.parse(r.payload),
});

async function checked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidWebhookError) throw new HttpError(400, err.code, err.message);
    throw err;
  }
}

export function registerRoutes(api: Api, ctx: AppContext): void {
  const webhooks = () => ctx.services.webhooks;
  // Deliveries go out from the process that serves the API, once it is up; CLI commands that
  // build the same modules (migrate, export) do not send webhooks.
  api.addHook('onReady', async () => webhooks().start());

  const errors = { 404: Type.Ref('ErrorBody'), ...standardErrors };

  api.post('/webhooks', {
    config,
    schema: {
      tags,
      summary: 'Subscribe a URL to events; the signing secret is in this response only',
      description:
        'Every matching event is POSTed as JSON `{ id, type, createdAt, data }` with headers X-Plugboard-Event, X-Plugboard-Delivery, ' +
        'X-Plugboard-Timestamp (Unix seconds) and X-Plugboard-Signature: `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`. ' +
        'A 2xx answer is success; anything else is retried with exponential backoff up to the configured number of attempts. ' +
        'The event id stays the same across retries: receivers can use it to ignore duplicates. Order is not guaranteed.',
      body: Type.Object(
        { url: Url, eventTypes: EventTypes, stationIds: Type.Optional(StationIds), description: Type.Optional(Description), active: Type.Optional(Type.Boolean()), secret: Type.Optional(Secret) },
        { additionalProperties: false },
      ),
      response: { 201: Type.Intersect([Webhook, Type.Object({ secret: Type.String() })]), ...standardErrors },
    },
  }, async (req, reply) => reply.code(201).send(await checked(() => webhooks().create(req.body))));

  api.get('/webhooks', {
    config,
    schema: { tags, summary: 'List webhooks (never their secrets)', response: { 200: Type.Object({ items: Type.Array(Webhook) }), ...standardErrors } },
  }, async () => ({ items: await webhooks().list() }));

  api.get('/webhooks/:id', {
    config,
    schema: { tags, summary: 'Get a webhook', params: NumericIdParam, response: { 200: Webhook, ...errors } },
  }, async (req) => (await webhooks().get(req.params.id)) ?? Promise.reject(notFound(`webhook ${req.params.id}`)));

  api.patch('/webhooks/:id', {
    config,
    schema: {
      tags,
      summary: 'Change a webhook (url, event types, stations, description, active, secret)',
      description: 'An inactive webhook gets no new deliveries and its pending ones wait until it is active again. A new secret applies to every later attempt.',
      params: NumericIdParam,
      body: Type.Object(
        { url: Type.Optional(Url), eventTypes: Type.Optional(EventTypes), stationIds: Type.Optional(StationIds), description: Type.Optional(Description), active: Type.Optional(Type.Boolean()), secret: Type.Optional(Secret) },
        { additionalProperties: false, minProperties: 1 },
      ),
      response: { 200: Webhook, ...errors },
    },
  }, async (req) => (await checked(() => webhooks().update(req.params.id, req.body))) ?? Promise.reject(notFound(`webhook ${req.params.id}`)));

  api.delete('/webhooks/:id', {
    config,
    schema: { tags, summary: 'Delete a webhook and its delivery log', params: NumericIdParam, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    if (!(await webhooks().remove(req.params.id))) throw notFound(`webhook ${req.params.id}`);
    return reply.code(204).send(null);
  });

  api.get('/webhooks/:id/deliveries', {
    config,
    schema: {
      tags,
      summary: 'The delivery log of a webhook, newest first',
      params: NumericIdParam,
      querystring: Type.Intersect([PageQuery, Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')])) })]),
      response: { 200: Page(Delivery), ...errors },
    },
  }, async (req) => {
    if (!(await webhooks().get(req.params.id))) throw notFound(`webhook ${req.params.id}`);
    const limit = req.query.limit ?? 50;
    const offset = req.query.offset ?? 0;
    const { items, total } = await webhooks().deliveries(req.params.id, { status: req.query.status, limit, offset });
    return { items: items.map((r) => toDelivery(r as DeliveryRow)), total, limit, offset };
  });

  api.post('/webhooks/:id/test', {
    config,
    schema: {
      tags,
      summary: 'Send a ping event to the webhook now and return its delivery',
      description: 'One attempt, no retries, whether or not the webhook is active; the delivery is in the log like any other. The receiver\'s answer decides status (succeeded or failed) and responseStatus.',
      params: NumericIdParam,
      response: { 200: Delivery, ...errors },
    },
  }, async (req) => {
    const row = await checked(() => webhooks().ping(req.params.id));
    if (!row) throw notFound(`webhook ${req.params.id}`);
    return toDelivery(row as DeliveryRow);
  });
}
