// Authorization rules, version-neutral: what idTagInfo a token gets.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Database, IdTag } from '../../db/schema.ts';
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import * as store from './store.ts';

export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export interface IdTagInfo {
  status: AuthorizationStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

export interface AuthorizeOptions {
  /** check that the token is not already in a running transaction (Authorize, StartTransaction) */
  checkConcurrency: boolean;
  /** the transaction being started, excluded from the concurrency check */
  excludeTransactionId?: number;
  /** run inside the caller's database transaction */
  exec?: Kysely<Database>;
}

export interface TokenInput {
  idTag: string;
  parentIdTag?: string | null;
  status?: IdTag['status'];
  expiryDate?: string | null;
  allowConcurrent?: boolean;
}

export function createAuthorizationService(ctx: AppContext) {
  const iso = () => ctx.now().toISOString();

  const service = {
    /**
     * The idTagInfo for a token (OCPP 1.6 §7.28-7.30). Unknown -> Invalid, unless the operator
     * enabled free charging. Blocked and Expired as stored; an expiry date in the past means
     * Expired. ConcurrentTx when the token already has a running transaction and neither the
     * token nor the configuration allows concurrent use.
     */
    async authorize(idTag: string, opts: AuthorizeOptions): Promise<IdTagInfo> {
      const exec = opts.exec ?? ctx.db.kysely;
      const tag = await store.getIdTag(exec, idTag);
      if (!tag) return { status: ctx.config.authorization.acceptUnknownIdTags ? 'Accepted' : 'Invalid' };
      const info: IdTagInfo = { status: tag.status };
      if (tag.parent_id_tag) info.parentIdTag = tag.parent_id_tag;
      if (tag.expiry_date) {
        info.expiryDate = tag.expiry_date;
        if (Date.parse(tag.expiry_date) <= ctx.now().getTime()) info.status = 'Expired';
      }
      if (info.status === 'Accepted' && opts.checkConcurrency && !(tag.allow_concurrent === 1 || ctx.config.authorization.allowConcurrentTx)) {
        const running = await ctx.services.transactions.countActiveForIdTag(idTag, { exec, excludeTransactionId: opts.excludeTransactionId });
        if (running > 0) info.status = 'ConcurrentTx';
      }
      return info;
    },

    async upsertToken(input: TokenInput): Promise<IdTag> {
      const existing = await store.getIdTag(ctx.db.kysely, input.idTag);
      const now = iso();
      const row: IdTag = {
        id_tag: input.idTag,
        parent_id_tag: input.parentIdTag !== undefined ? input.parentIdTag : (existing?.parent_id_tag ?? null),
        status: input.status ?? existing?.status ?? 'Accepted',
        expiry_date: input.expiryDate !== undefined ? input.expiryDate : (existing?.expiry_date ?? null),
        allow_concurrent: input.allowConcurrent !== undefined ? Number(input.allowConcurrent) : (existing?.allow_concurrent ?? 0),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      await ctx.db.write((trx) => store.upsertIdTag(trx, row));
      return row;
    },

    deleteToken(idTag: string): Promise<number> {
      return ctx.db.write((trx) => store.deleteIdTag(trx, idTag));
    },

    getToken(idTag: string) {
      return store.getIdTag(ctx.db.kysely, idTag);
    },

    listTokens() {
      return store.listIdTags(ctx.db.kysely);
    },

    /** ClearCache (Core command): the charger empties its authorization cache. */
    clearCache(stationId: string, req: CentralToCharger['ClearCache']['req'] = {}) {
      return ctx.services.stations.sendCommand(stationId, 'ClearCache', req);
    },
  };
  return service;
}

export type AuthorizationService = ReturnType<typeof createAuthorizationService>;
