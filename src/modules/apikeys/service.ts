// API keys: who may call the REST API, as admin (everything) or read-only.
// A key is `pb_<prefix>_<secret>` with 256 random bits; we store only its SHA-256 (a slow
// KDF adds nothing for a random 256-bit secret, and a fast hash lets us look the key up by
// its hash on every request). The prefix is shown in lists to tell keys apart.
import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { ApiPrincipal, Role } from '../../http/types.ts';
import * as store from './store.ts';

const TOUCH_EVERY_MS = 60_000;
/**
 * How old the in-memory set of active key hashes may be when a throttled address presents a
 * key (keys created or revoked by another process are seen within this; this process's own
 * changes at once). At most one query per this interval, however many requests come.
 */
const ACTIVE_HASHES_MAX_AGE_MS = 5_000;

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
  // Hashes of the active keys, for addresses over the failure limit (src/http/auth.ts): a key
  // not in it is refused without a database lookup, so a flood of wrong keys costs one SHA-256
  // each and at most one query per ACTIVE_HASHES_MAX_AGE_MS, not a query per request.
  let activeHashes: { at: number; hashes: Set<string> } | null = null;
  let refreshing: Promise<Set<string>> | null = null;
  async function currentActiveHashes(): Promise<Set<string>> {
    const now = ctx.now().getTime();
    if (activeHashes && now - activeHashes.at < ACTIVE_HASHES_MAX_AGE_MS) return activeHashes.hashes;
    refreshing ??= store
      .listActiveHashes(ctx.db.kysely)
      .then((hashes) => {
        activeHashes = { at: ctx.now().getTime(), hashes: new Set(hashes) };
        return activeHashes.hashes;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  const service = {
    /** Creates a key and returns it; the key itself is never stored or shown again. */
    async create(name: string, role: Role, key?: string): Promise<{ id: number; key: string; prefix: string; role: Role; name: string }> {
      const prefix = randomBytes(4).toString('hex');
      const secret = key ?? `pb_${prefix}_${randomBytes(32).toString('base64url')}`;
      const id = await ctx.db.write((trx) =>
        store.insertKey(trx, { name, prefix, key_hash: hashApiKey(secret), role, created_at: iso(), last_used_at: null, revoked_at: null }),
      );
      activeHashes = null;
      return { id, key: secret, prefix, role, name };
    },

    /**
     * Whether the key may be an active one, from memory (see activeHashes): false means it
     * certainly is not (or was created in another process less than a few seconds ago). For
     * addresses over the failure limit; `verify` still decides.
     */
    async mayBeActive(key: string): Promise<boolean> {
      return (await currentActiveHashes()).has(hashApiKey(key));
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
      const revoked = await ctx.db.write(async (trx) => {
        const key = await store.getKey(trx, id);
        if (!key || key.revoked_at) return false;
        if (key.role === 'admin' && (await store.countActiveAdmins(trx)) <= 1) throw new LastAdminKeyError();
        return (await store.revokeKey(trx, id, iso())) > 0;
      });
      activeHashes = null;
      return revoked;
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
