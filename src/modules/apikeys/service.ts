// API keys: who may call the REST API, as admin (everything) or read-only.
// A key is `pb_<prefix>_<secret>` with 256 random bits; we store only its SHA-256 (a slow
// KDF adds nothing for a random 256-bit secret, and a fast hash lets us look the key up by
// its hash on every request). The prefix is shown in lists to tell keys apart.
import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { ApiPrincipal, Role } from '../../http/types.ts';
import * as store from './store.ts';

const TOUCH_EVERY_MS = 60_000;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export class LastAdminKeyError extends Error {
  constructor() {
    super('this is the last active admin key: create another admin key before revoking it');
    this.name = 'LastAdminKeyError';
  }
}

export function createApiKeysService(ctx: AppContext) {
  const touched = new Map<number, number>();
  const iso = () => ctx.now().toISOString();

  const service = {
    /** Creates a key and returns it; the key itself is never stored or shown again. */
    async create(name: string, role: Role, key?: string): Promise<{ id: number; key: string; prefix: string; role: Role; name: string }> {
      const prefix = randomBytes(4).toString('hex');
      const secret = key ?? `pb_${prefix}_${randomBytes(32).toString('base64url')}`;
      const id = await ctx.db.write((trx) =>
        store.insertKey(trx, { name, prefix, key_hash: hashApiKey(secret), role, created_at: iso(), last_used_at: null, revoked_at: null }),
      );
      return { id, key: secret, prefix, role, name };
    },

    /** The principal for a presented key, or null. */
    async verify(key: string): Promise<ApiPrincipal | null> {
      const row = await store.findActiveByHash(ctx.db.kysely, hashApiKey(key));
      if (!row) return null;
      const id = Number(row.id);
      const now = ctx.now().getTime();
      if ((touched.get(id) ?? 0) + TOUCH_EVERY_MS < now) {
        touched.set(id, now);
        ctx.db.write((trx) => store.touchKey(trx, id, iso())).catch((err) => ctx.log.warn({ err }, 'recording API key use failed'));
      }
      return { keyId: id, name: row.name, role: row.role };
    },

    list() {
      return store.listKeys(ctx.db.kysely);
    },

    get(id: number) {
      return store.getKey(ctx.db.kysely, id);
    },

    /** Revokes a key; refuses to revoke the last active admin key (the API would lock itself out). */
    async revoke(id: number): Promise<boolean> {
      return ctx.db.write(async (trx) => {
        const key = await store.getKey(trx, id);
        if (!key || key.revoked_at) return false;
        if (key.role === 'admin' && (await store.countActiveAdmins(trx)) <= 1) throw new LastAdminKeyError();
        return (await store.revokeKey(trx, id, iso())) > 0;
      });
    },

    /**
     * At start: install the configured admin key, or create one when no admin key exists and
     * return it so the caller prints it once.
     */
    async ensureAdminKey(): Promise<string | null> {
      const configured = ctx.config.api.adminKey;
      if (configured) {
        if (!(await store.findActiveByHash(ctx.db.kysely, hashApiKey(configured)))) await service.create('configured admin key', 'admin', configured);
        return null;
      }
      if ((await store.countActiveAdmins(ctx.db.kysely)) > 0) return null;
      return (await service.create('initial admin key', 'admin')).key;
    },
  };
  return service;
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
