import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** The Fastify instance route modules receive: TypeBox schemas type the handlers. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export type Role = 'admin' | 'read';

export interface ApiPrincipal {
  keyId: number;
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiPrincipal | null;
  }
  interface FastifyContextConfig {
    /** minimum role for the route; default: read for GET/HEAD, admin otherwise. 'public' skips authentication. */
    role?: Role | 'public';
  }
}
