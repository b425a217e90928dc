// Authorization rules, version-neutral: what idTagInfo a token gets.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Database, IdTag } from '../../db/schema.ts';
import type { CentralToCharger } from '../../protocol/ocpp16.ts';
import * as store from './store.ts';
import { parseTokenCsv, TOKEN_TYPE_VALUES, type ImportRowError, type TokenCsvColumn } from './csv-import.ts';
import type { SortKey } from '../../db/list-query.ts';
import type { OCPP20 } from 'typed-ocpp';

const COLUMN_OF = { parentIdTag: 'parent_id_tag', status: 'status', expiryDate: 'expiry_date', allowConcurrent: 'allow_concurrent', type: 'type' } as const satisfies Record<Exclude<TokenCsvColumn, 'idTag'>, string>;

export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export interface IdTagInfo {
  status: AuthorizationStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

/**
 * The 2.0.1 IdTokenEnumType values. A token's `type` is one of them or null (ADR 0014): an
 * untyped token matches its value of any type; a typed one matches only its type on 2.0.1 and
 * its value on 1.6 (an idTag has no type).
 */
export const TOKEN_TYPES = TOKEN_TYPE_VALUES;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** Plugboard's authorization status: the 1.6 ones and those only 2.0.1 has. */
export type TokenStatus = AuthorizationStatus | 'NoCredit' | 'NotAllowedTypeEVSE' | 'NotAtThisLocation' | 'NotAtThisTime' | 'Unknown';

/** What a presented token gets, in no version's shape (toIdTagInfo / toIdTokenInfo translate). */
export interface TokenAuthorization {
  status: TokenStatus;
  /** the token's group (parent): tokens of one group count as one for concurrency */
  groupId?: string;
  /** the group token's type, when the group is itself a known typed token */
  groupType?: string | null;
  /** after this the token is Expired */
  expiry?: string;
  /** false when Plugboard does not know the token (or not with the presented type) */
  known: boolean;
}

/** A presented token: its value and, on 2.0.1, its IdTokenEnumType (null on 1.6). */
export interface PresentedToken {
  value: string;
  type: string | null;
}

export interface TokenAuthorizeOptions {
  /** the station the token was presented at, or '' when none (e.g. an API check) */
  stationId: string;
  /** check that the token is not already in a running transaction */
  checkConcurrency?: boolean;
  excludeTransactionId?: number;
  exec?: Kysely<Database>;
  /** record an unknown token for the operator's unknown-tokens list (default: when stationId is set) */
  recordUnknown?: boolean;
}

/** 1.6 idTagInfo of a neutral result; the statuses 1.6 lacks are Invalid there. */
export function toIdTagInfo(r: TokenAuthorization): IdTagInfo {
  const v16: readonly string[] = ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'];
  const info: IdTagInfo = { status: v16.includes(r.status) ? (r.status as AuthorizationStatus) : 'Invalid' };
  if (r.expiry) info.expiryDate = r.expiry;
  if (r.groupId) info.parentIdTag = r.groupId;
  return info;
}

/** 2.0.1 IdTokenInfoType of a neutral result: groupIdToken is the parent (type Central unless the parent is a typed token). */
export function toIdTokenInfo(r: TokenAuthorization): OCPP20.AuthorizeResponse['idTokenInfo'] {
  const info: OCPP20.AuthorizeResponse['idTokenInfo'] = { status: r.status };
  if (r.expiry) info.cacheExpiryDateTime = new Date(r.expiry).toISOString();
  if (r.groupId) info.groupIdToken = { idToken: r.groupId, type: (r.groupType ?? 'Central') as OCPP20.AuthorizeRequest['idToken']['type'] };
  return info;
}

/** Whether a stored token answers for a presented one (ADR 0014: untyped matches any type). */
export function tokenMatches(stored: { type: string | null }, presented: PresentedToken): boolean {
  return stored.type === null || presented.type === null || stored.type === presented.type;
}

export interface AuthorizeOptions {
  /** check that the token is not already in a running transaction (Authorize, StartTransaction) */
  checkConcurrency: boolean;
  /** the transaction being started, excluded from the concurrency check */
  excludeTransactionId?: number;
  /** run inside the caller's database transaction */
  exec?: Kysely<Database>;
  /**
   * the charger that presented the token (Authorize, StartTransaction): an unknown token is
   * then recorded for the operator's unknown-tokens list
   */
  presentedBy?: string;
}

export interface TokenInput {
  idTag: string;
  type?: string | null;
  parentIdTag?: string | null;
  status?: IdTag['status'];
  expiryDate?: string | null;
  allowConcurrent?: boolean;
}

export interface TokenPatch {
  type?: string | null;
  parentIdTag?: string | null;
  status?: IdTag['status'];
  expiryDate?: string | null;
  allowConcurrent?: boolean;
}

export interface ImportResult {
  /** data rows in the file */
  rows: number;
  created: number;
  updated: number;
  failed: number;
  /** the first MAX_REPORTED_ERRORS problems, by line */
  errors: ImportRowError[];
}

const MAX_REPORTED_ERRORS = 1000;
const EXPORT_CHUNK = 1000;
/** Unknown tokens seen outside a database transaction (Authorize) are written together, this often. */
const UNKNOWN_FLUSH_MS = 500;
const MAX_PENDING_UNKNOWN = 5000;
/** A token.changed event names at most this many idTags (its count says how many changed). */
const MAX_EVENT_ID_TAGS = 100;

export type TokenChange = 'created' | 'updated' | 'deleted' | 'imported';

export function createAuthorizationService(ctx: AppContext) {
  const iso = () => ctx.now().toISOString();
  const pendingUnknown = new Map<string, store.UnknownIdTagSighting>();
  let flushTimer: NodeJS.Timeout | null = null;

  function flushUnknown(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (pendingUnknown.size === 0) return Promise.resolve();
    const batch = [...pendingUnknown.values()];
    pendingUnknown.clear();
    return ctx.db.write(async (trx) => {
      for (const s of batch) await store.recordUnknownIdTag(trx, s);
    });
  }

  /**
   * An idTag a charger presented that is not in id_tags. Inside a StartTransaction the row is
   * written in the same database transaction; an Authorize has none, so sightings are merged
   * per idTag and written in one batch shortly after (a charger retrying a tag in a loop costs
   * one row update per batch, not one write per message).
   */
  async function noteUnknown(idTag: string, stationId: string, exec: Kysely<Database> | undefined): Promise<void> {
    const at = iso();
    if (exec) {
      await store.recordUnknownIdTag(exec, { idTag, stationId, firstAt: at, at, count: 1 });
      return;
    }
    const prev = pendingUnknown.get(idTag);
    pendingUnknown.set(idTag, { idTag, stationId, firstAt: prev?.firstAt ?? at, at, count: (prev?.count ?? 0) + 1 });
    const onError = (err: unknown) => ctx.log.error({ err }, 'recording unknown idTags failed');
    if (pendingUnknown.size >= MAX_PENDING_UNKNOWN) flushUnknown().catch(onError);
    else if (!flushTimer) {
      flushTimer = setTimeout(() => flushUnknown().catch(onError), UNKNOWN_FLUSH_MS);
      flushTimer.unref();
    }
  }

  /**
   * Tells the other modules (local authorization lists, webhooks, the live view) that tokens
   * changed, after the change is committed.
   */
  function published(change: TokenChange, rows: ReadonlyArray<{ id_tag: string; parent_id_tag?: string | null }>): void {
    if (rows.length === 0) return;
    const parents = new Set<string>();
    for (const r of rows) if (r.parent_id_tag) parents.add(r.parent_id_tag);
    ctx.bus.publish({
      type: 'token.changed',
      stationId: '',
      at: iso(),
      change,
      count: rows.length,
      idTags: rows.slice(0, MAX_EVENT_ID_TAGS).map((r) => r.id_tag),
      parentIdTags: rows.length > MAX_EVENT_ID_TAGS ? [] : [...parents],
    });
  }

  const service = {
    /**
     * The idTagInfo for a token (OCPP 1.6 §7.28-7.30). Unknown -> Invalid, unless the operator
     * enabled free charging. Blocked and Expired as stored; an expiry date in the past means
     * Expired. ConcurrentTx when the token already has a running transaction (open and Accepted
     * at start, see transactions/store.ts countOpenForIdTag) and neither the token nor the
     * configuration allows concurrent use.
     */
    async authorize(idTag: string, opts: AuthorizeOptions): Promise<IdTagInfo> {
      const r = await service.authorizeToken(
        { value: idTag, type: null },
        { stationId: opts.presentedBy ?? '', recordUnknown: opts.presentedBy !== undefined, checkConcurrency: opts.checkConcurrency, excludeTransactionId: opts.excludeTransactionId, exec: opts.exec },
      );
      return toIdTagInfo(r);
    },

    /**
     * Version-neutral authorization of a presented token (1.6 idTag: type null; 2.0.1 idToken
     * with its type). Unknown (or a typed token presented with another type) -> Invalid unless
     * free charging is on; Blocked and Expired as stored; a past expiry -> Expired; ConcurrentTx
     * as for 1.6. The group is the parent.
     */
    async authorizeToken(token: PresentedToken, opts: TokenAuthorizeOptions): Promise<TokenAuthorization> {
      const exec = opts.exec ?? ctx.db.kysely;
      const found = await store.getIdTag(exec, token.value);
      const tag = found && tokenMatches(found, token) ? found : undefined;
      if (!tag) {
        if (opts.recordUnknown ?? opts.stationId !== '') await noteUnknown(token.value, opts.stationId, opts.exec);
        return { status: ctx.config.authorization.acceptUnknownIdTags ? 'Accepted' : 'Invalid', known: false };
      }
      const r: TokenAuthorization = { status: tag.status, known: true };
      if (tag.parent_id_tag) {
        r.groupId = tag.parent_id_tag;
        const parent = await store.getIdTag(exec, tag.parent_id_tag);
        r.groupType = parent?.type ?? null;
      }
      if (tag.expiry_date) {
        r.expiry = tag.expiry_date;
        if (Date.parse(tag.expiry_date) <= ctx.now().getTime()) r.status = 'Expired';
      }
      if (r.status === 'Accepted' && opts.checkConcurrency && !(tag.allow_concurrent === 1 || ctx.config.authorization.allowConcurrentTx)) {
        const running = await ctx.services.transactions.countActiveForIdTag(token.value, { exec, excludeTransactionId: opts.excludeTransactionId });
        if (running > 0) r.status = 'ConcurrentTx';
      }
      return r;
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
        type: input.type !== undefined ? input.type : (existing?.type ?? null),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      await ctx.db.write((trx) => store.upsertIdTag(trx, row));
      published(existing ? 'updated' : 'created', [row]);
      return row;
    },

    async deleteToken(idTag: string): Promise<number> {
      const n = await ctx.db.write((trx) => store.deleteIdTag(trx, idTag));
      if (n > 0) published('deleted', [{ id_tag: idTag }]);
      return n;
    },

    /** Tokens whose idTag is one of `idTags` or whose parent is one of `parentIdTags`, in idTag order. */
    tokensMatching(idTags: readonly string[], parentIdTags: readonly string[]): Promise<IdTag[]> {
      return store.idTagsMatching(ctx.db.kysely, idTags, parentIdTags);
    },

    getToken(idTag: string) {
      return store.getIdTag(ctx.db.kysely, idTag);
    },

    listTokens() {
      return store.listIdTags(ctx.db.kysely);
    },

    async listPage(filter: store.TokenFilter, sort: SortKey[], page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.listIdTagsPage(ctx.db.kysely, filter, sort, page), store.countIdTags(ctx.db.kysely, filter)]);
      return { items, total };
    },

    /** Creates a token; null if the idTag exists. It leaves the unknown-tokens list. */
    async createToken(input: TokenInput): Promise<IdTag | null> {
      const now = iso();
      const row: IdTag = {
        id_tag: input.idTag,
        parent_id_tag: input.parentIdTag ?? null,
        status: input.status ?? 'Accepted',
        expiry_date: input.expiryDate ?? null,
        allow_concurrent: input.allowConcurrent ? 1 : 0,
        type: input.type ?? null,
        created_at: now,
        updated_at: now,
      };
      const created = await ctx.db.write(async (trx) => {
        if (!(await store.insertIdTagIfNew(trx, row))) return false;
        await store.deleteUnknownIdTags(trx, [row.id_tag]);
        return true;
      });
      if (created) published('created', [row]);
      return created ? row : null;
    },

    /** Changes the given fields; undefined if there is no such token. */
    async updateToken(idTag: string, patch: TokenPatch): Promise<IdTag | undefined> {
      const set: Parameters<typeof store.updateIdTag>[2] = { updated_at: iso() };
      if (patch.parentIdTag !== undefined) set.parent_id_tag = patch.parentIdTag;
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.expiryDate !== undefined) set.expiry_date = patch.expiryDate;
      if (patch.allowConcurrent !== undefined) set.allow_concurrent = patch.allowConcurrent ? 1 : 0;
      if (patch.type !== undefined) set.type = patch.type;
      const n = await ctx.db.write((trx) => store.updateIdTag(trx, idTag, set));
      if (n === 0) return undefined;
      const row = await store.getIdTag(ctx.db.kysely, idTag);
      published('updated', [row ?? { id_tag: idTag }]);
      return row;
    },

    /**
     * Imports a token CSV (csv-import.ts): the valid rows are inserted or updated in one database
     * transaction, the invalid ones reported by line. TokenCsvError if the file is unusable.
     */
    async importCsv(text: string): Promise<ImportResult> {
      const parsed = parseTokenCsv(text);
      const now = iso();
      const rows: IdTag[] = parsed.rows.map((r) => ({
        id_tag: r.idTag,
        parent_id_tag: r.parentIdTag,
        status: r.status,
        expiry_date: r.expiryDate,
        allow_concurrent: r.allowConcurrent ? 1 : 0,
        type: r.type,
        created_at: now,
        updated_at: now,
      }));
      const update = parsed.columns.map((c) => COLUMN_OF[c]);
      const ids = rows.map((r) => r.id_tag);
      const existing = rows.length === 0 ? new Set<string>() : await ctx.db.write(async (trx) => {
        const found = await store.existingIdTags(trx, ids);
        await store.upsertIdTags(trx, rows, update);
        await store.deleteUnknownIdTags(trx, ids);
        return found;
      });
      published('imported', rows);
      return {
        rows: parsed.rows.length + parsed.errors.length,
        created: rows.length - existing.size,
        updated: existing.size,
        failed: parsed.errors.length,
        errors: parsed.errors.sort((a, b) => a.line - b.line).slice(0, MAX_REPORTED_ERRORS),
      };
    },

    /** Every token in idTag order, read in keyset pages so that no export holds them all in memory. */
    async *allTokens(): AsyncGenerator<IdTag> {
      let after: string | null = null;
      for (;;) {
        const page = await store.idTagsAfter(ctx.db.kysely, after, EXPORT_CHUNK);
        yield* page;
        if (page.length < EXPORT_CHUNK) return;
        after = page[page.length - 1].id_tag;
      }
    },

    /** Tokens chargers presented that Plugboard does not know (recent sightings written first). */
    async unknownTokensPage(sort: SortKey[], page: { limit: number; offset: number }) {
      await flushUnknown();
      const [items, total] = await Promise.all([store.unknownIdTagsPage(ctx.db.kysely, sort, page), store.countUnknownIdTags(ctx.db.kysely)]);
      return { items, total };
    },

    /** Writes pending unknown-token sightings; called before the database closes. */
    stop(): Promise<void> {
      return flushUnknown();
    },

    /** ClearCache (Core command): the charger empties its authorization cache. */
    clearCache(stationId: string, req: CentralToCharger['ClearCache']['req'] = {}) {
      return ctx.services.stations.sendCommand(stationId, 'ClearCache', req);
    },
  };
  return service;
}

export type AuthorizationService = ReturnType<typeof createAuthorizationService>;
