// API authentication: an API key in `X-API-Key` or `Authorization: Bearer`. Read-only keys may
// only read; a client address that keeps failing authentication is answered 429 for a while.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { HttpError } from './errors.ts';
import type { Role } from './types.ts';

const WINDOW_MS = 60_000;

/** Counts failed authentications per client address in a fixed one-minute window. */
export class AuthFailureLimiter {
  #max: number;
  #byAddress = new Map<string, { windowStart: number; failures: number }>();
  constructor(maxPerMinute: number) {
    this.#max = maxPerMinute;
  }
  /** seconds to wait if this address is over the limit, else 0 */
  blockedFor(address: string, now = Date.now()): number {
    const e = this.#byAddress.get(address);
    if (!e || now - e.windowStart >= WINDOW_MS || e.failures < this.#max) return 0;
    return Math.ceil((e.windowStart + WINDOW_MS - now) / 1000);
  }
  fail(address: string, now = Date.now()): void {
    const e = this.#byAddress.get(address);
    if (!e || now - e.windowStart >= WINDOW_MS) {
      if (this.#byAddress.size > 100_000) this.#byAddress.clear();
      this.#byAddress.set(address, { windowStart: now, failures: 1 });
    } else {
      e.failures++;
    }
  }
}

function presentedKey(req: FastifyRequest): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || null;
  return null;
}

function requiredRole(req: FastifyRequest): Role | 'public' {
  const configured = req.routeOptions.config?.role;
  if (configured) return configured;
  return req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'admin';
}

export function authHook(ctx: AppContext) {
  const limiter = new AuthFailureLimiter(ctx.config.api.maxAuthFailuresPerMinute);
  return async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    req.principal = null;
    const role = requiredRole(req);
    if (role === 'public') return;
    const wait = limiter.blockedFor(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new HttpError(429, 'too_many_auth_failures', `too many failed authentications from ${req.ip}; retry in ${wait} s`);
    }
    const key = presentedKey(req);
    const principal = key ? await ctx.services.apiKeys.verify(key) : null;
    if (!principal) {
      limiter.fail(req.ip);
      ctx.log.warn({ ip: req.ip, url: req.url, presented: key !== null }, 'API authentication failed');
      reply.header('www-authenticate', 'Bearer realm="Plugboard API"');
      throw new HttpError(401, 'unauthorized', key ? 'the API key is not valid (unknown or revoked)' : 'an API key is required: send it as X-API-Key or Authorization: Bearer');
    }
    if (role === 'admin' && principal.role !== 'admin') {
      throw new HttpError(403, 'forbidden', `this ${principal.role}-only key may not ${req.method} ${req.routeOptions.url}: an admin key is required`);
    }
    req.principal = principal;
  };
}
