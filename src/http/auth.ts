// API authentication: an API key in `X-API-Key` or `Authorization: Bearer`. Read-only keys may
// only read. A client address that keeps failing authentication has its wrong or missing keys
// answered 429 for a while, but a valid key from that address is still served: many clients
// share an address behind a proxy or NAT, and one of them guessing must not lock the others out.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { HttpError } from './errors.ts';
import type { Role } from './types.ts';

/** Counts failed authentications per client address in a fixed window (a minute by default). */
export class AuthFailureLimiter {
  #max: number;
  #windowMs: number;
  #byAddress = new Map<string, { windowStart: number; failures: number }>();
  constructor(maxPerWindow: number, windowMs = 60_000) {
    this.#max = maxPerWindow;
    this.#windowMs = windowMs;
  }
  /** seconds to wait if this address is over the limit, else 0 */
  blockedFor(address: string, now = Date.now()): number {
    const e = this.#byAddress.get(address);
    if (!e || now - e.windowStart >= this.#windowMs || e.failures < this.#max) return 0;
    return Math.max(1, Math.ceil((e.windowStart + this.#windowMs - now) / 1000));
  }
  fail(address: string, now = Date.now()): void {
    const e = this.#byAddress.get(address);
    if (!e || now - e.windowStart >= this.#windowMs) {
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
  const limiter = new AuthFailureLimiter(ctx.config.api.maxAuthFailuresPerMinute, ctx.config.api.authFailureWindowSeconds * 1000);
  const keys = () => ctx.services.apiKeys;
  return async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    req.principal = null;
    const role = requiredRole(req);
    if (role === 'public') return;
    const key = presentedKey(req);
    const now = ctx.now().getTime();
    const wait = limiter.blockedFor(req.ip, now);
    const tooMany = () => {
      reply.header('retry-after', String(wait));
      return new HttpError(429, 'too_many_auth_failures', `too many failed authentications from ${req.ip}; retry in ${wait} s, or send a valid API key`);
    };
    // Over the limit: only a key in the in-memory set of active keys' hashes is looked up, so
    // a flood of wrong keys costs a SHA-256 each and no database query (ADR 0013).
    if (wait > 0 && !(key && (await keys().mayBeActive(key)))) throw tooMany();
    const principal = key ? await keys().verify(key) : null;
    if (!principal) {
      if (wait > 0) throw tooMany();
      limiter.fail(req.ip, now);
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
