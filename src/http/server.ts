// The admin-side HTTP server (Fastify): the REST API under /api/v1 with its OpenAPI document
// (generated from the route schemas) and docs page, health and metrics, and the dashboard's
// static files. It listens separately from the charger port so it can stay private.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { AppContext, Module } from '../context.ts';
import { toErrorResponse } from './errors.ts';
import { authHook } from './auth.ts';
import { registerDashboard } from './dashboard.ts';
import { boundedIntegerKeyword, ErrorBody } from './schemas.ts';
import type { Api } from './types.ts';

export interface LiveConnections {
  readonly size: number;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function createHttpServer(ctx: AppContext, connections: LiveConnections, modules: Module[]): Promise<Api> {
  // Request logging at info would log every scrape of /metrics; the HTTP side logs warnings and errors.
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    // An integrator's X-Request-Id is kept (when it is sane), else one is made; it is echoed back.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // allErrors off: validation stops at the first problem per schema branch, so a body with
    // 500,000 unknown keys costs one error, not 500,000 (errors.ts also caps what is reported).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false }, plugins: [boundedIntegerKeyword] },
    bodyLimit: 10 * 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('principal', null);
  // A POST with no body at all (no Content-Type, nothing sent) is an empty object to routes whose
  // body is an object: routes whose fields are all optional (revoke, refresh, close, ...) then just
  // work, and the others answer which property is required instead of "body must be object".
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined && req.headers['content-type'] === undefined && (req.routeOptions.schema?.body as { type?: unknown } | undefined)?.type === 'object') {
      req.body = {};
    }
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.setErrorHandler((err, req, reply) => {
    const { status, body, log } = toErrorResponse(err, req.id);
    if (log) req.log.error({ err, requestId: req.id, url: req.url }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, requestId: req.id }),
  );
  app.addSchema(ErrorBody);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Plugboard API', version: '1', description: 'OCPP central system: stations, tokens, transactions, commands to chargers, events.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/api/v1/openapi.json', { config: { role: 'public' }, schema: { hide: true } }, async () => app.swagger());

  app.get('/health', { config: { role: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    let database = 'ok';
    try {
      await sql`select 1`.execute(ctx.db.kysely);
    } catch (err) {
      database = `error: ${(err as Error).message}`;
    }
    const healthy = database === 'ok';
    return reply.code(healthy ? 200 : 503).send({
      status: healthy ? 'ok' : 'degraded',
      database,
      databaseDialect: ctx.db.dialect,
      connectedChargers: connections.size,
      uptimeSeconds: Math.round(process.uptime()),
    });
  });

  app.get('/metrics', { config: { role: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    ctx.metrics.connectedChargers.set(connections.size);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', authHook(ctx));
      for (const m of modules) await m.routes?.(api as Api, ctx);
    },
    { prefix: '/api/v1' },
  );
  // After the API: its routes and their 404s take precedence over the dashboard's fallback.
  registerDashboard(app);
  return app as Api;
}
