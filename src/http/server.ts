// The admin-side HTTP server (Fastify): health, metrics, and (from the API issue on) the REST
// API and dashboard. It listens separately from the charger port so it can stay private.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';

export interface LiveConnections {
  readonly size: number;
}

export function createHttpServer(ctx: AppContext, connections: LiveConnections): FastifyInstance {
  // Request logging at info would log every scrape of /metrics; the HTTP side logs warnings and errors.
  const app = Fastify({ loggerInstance: ctx.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger });
  const startedAt = Date.now();

  app.get('/health', async (_req, reply) => {
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
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    });
  });

  app.get('/metrics', async (_req, reply) => {
    ctx.metrics.connectedChargers.set(connections.size);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  return app;
}
