import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { NumericIdParam, standardErrors } from '../../http/schemas.ts';
import { LastAdminKeyError } from './service.ts';

const ApiKey = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'shown to tell keys apart; the key itself is never shown again' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('read')]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

type Row = { id: number; name: string; prefix: string; role: 'admin' | 'read'; created_at: string; last_used_at: string | null; revoked_at: string | null };
const toApi = (r: Row) => ({ id: Number(r.id), name: r.name, prefix: r.prefix, role: r.role, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at });

export function registerRoutes(api: Api, ctx: AppContext): void {
  const keys = () => ctx.services.apiKeys;
  const tags = ['API keys'];

  // Lets a client (the dashboard) learn what its key may do without trying an admin call.
  api.get('/me', {
    config: { role: 'read' },
    schema: {
      tags,
      summary: 'The API key making this request: its id, name and role',
      response: { 200: Type.Object({ keyId: Type.Integer(), name: Type.String(), role: Type.Union([Type.Literal('admin'), Type.Literal('read')]) }), ...standardErrors },
    },
  }, async (req) => {
    const p = req.principal!;
    return { keyId: p.keyId, name: p.name, role: p.role };
  });

  api.get('/api-keys', {
    config: { role: 'admin' },
    schema: { tags, summary: 'List API keys (never the keys themselves)', response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...standardErrors } },
  }, async () => ({ items: (await keys().list()).map(toApi) }));

  api.post('/api-keys', {
    schema: {
      tags,
      summary: 'Create an API key; the key is in this response only',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.Union([Type.Literal('admin'), Type.Literal('read')]) }, { additionalProperties: false }),
      response: { 201: Type.Intersect([ApiKey, Type.Object({ key: Type.String() })]), ...standardErrors },
    },
  }, async (req, reply) => {
    const created = await keys().create(req.body.name, req.body.role);
    const row = (await keys().get(created.id))!;
    return reply.code(201).send({ ...toApi(row as Row), key: created.key });
  });

  api.delete('/api-keys/:id', {
    schema: { tags, summary: 'Revoke an API key', params: NumericIdParam, response: { 204: Type.Null(), 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody'), ...standardErrors } },
  }, async (req, reply) => {
    try {
      if (!(await keys().revoke(req.params.id))) throw notFound(`active API key ${req.params.id}`);
    } catch (err) {
      if (err instanceof LastAdminKeyError) throw new HttpError(409, 'last_admin_key', err.message);
      throw err;
    }
    return reply.code(204).send(null);
  });
}
