// Queries of the id_tags table. Nothing else.
import type { Kysely, Updateable } from 'kysely';
import type { Database, IdTag, IdTagsTable } from '../../db/schema.ts';
import { applySort, containsText, type SortKey } from '../../db/list-query.ts';

type Exec = Kysely<Database>;

export function getIdTag(db: Exec, idTag: string): Promise<IdTag | undefined> {
  return db.selectFrom('id_tags').selectAll().where('id_tag', '=', idTag).executeTakeFirst();
}

export async function upsertIdTag(db: Exec, row: IdTag): Promise<void> {
  const { id_tag: _key, created_at: _created, ...changes } = row;
  await db.insertInto('id_tags').values(row).onConflict((oc) => oc.column('id_tag').doUpdateSet(changes)).execute();
}

export async function deleteIdTag(db: Exec, idTag: string): Promise<number> {
  const res = await db.deleteFrom('id_tags').where('id_tag', '=', idTag).executeTakeFirst();
  return Number(res.numDeletedRows);
}

export function listIdTags(db: Exec): Promise<IdTag[]> {
  return db.selectFrom('id_tags').selectAll().orderBy('id_tag').execute();
}

export interface TokenFilter {
  status?: IdTag['status'];
  /** a token type; 'none' = untyped tokens */
  type?: string;
  parentIdTag?: string;
  /** substring of the idTag or its parent, case-insensitive */
  search?: string;
}

function filteredTokens(db: Exec, f: TokenFilter) {
  let q = db.selectFrom('id_tags');
  if (f.status) q = q.where('status', '=', f.status);
  if (f.type) q = f.type === 'none' ? q.where('type', 'is', null) : q.where('type', '=', f.type);
  if (f.parentIdTag) q = q.where('parent_id_tag', '=', f.parentIdTag);
  if (f.search) {
    const text = f.search;
    q = q.where((eb) => eb.or([containsText('id_tag', text), containsText('parent_id_tag', text)]));
  }
  return q;
}

export function listIdTagsPage(db: Exec, f: TokenFilter, sort: SortKey[], page: { limit: number; offset: number }): Promise<IdTag[]> {
  return applySort(filteredTokens(db, f).selectAll(), sort, 'id_tag').limit(page.limit).offset(page.offset).execute();
}

export async function countIdTags(db: Exec, f: TokenFilter): Promise<number> {
  const row = await filteredTokens(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts a token unless it exists; true if inserted. */
export async function insertIdTagIfNew(db: Exec, row: IdTag): Promise<boolean> {
  const res = await db.insertInto('id_tags').values(row).onConflict((oc) => oc.column('id_tag').doNothing()).returning('id_tag').executeTakeFirst();
  return res !== undefined;
}

export async function updateIdTag(db: Exec, idTag: string, patch: Updateable<IdTagsTable>): Promise<number> {
  const res = await db.updateTable('id_tags').set(patch).where('id_tag', '=', idTag).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** The ids among `idTags` that exist. */
export async function existingIdTags(db: Exec, idTags: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < idTags.length; i += CHUNK) {
    const rows = await db.selectFrom('id_tags').select('id_tag').where('id_tag', 'in', idTags.slice(i, i + CHUNK)).execute();
    for (const r of rows) found.add(r.id_tag);
  }
  return found;
}

// 8 columns a row: far below every dialect's bound-parameter limit.
const CHUNK = 500;
type TokenColumn = 'parent_id_tag' | 'status' | 'expiry_date' | 'allow_concurrent' | 'type';

/**
 * Inserts or updates many tokens in multi-row statements. On an existing token only the
 * `update` columns change (an import file without a column leaves that field as it was).
 */
export async function upsertIdTags(db: Exec, rows: IdTag[], update: readonly TokenColumn[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('id_tags')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.column('id_tag').doUpdateSet((eb) => {
          const set: Record<string, unknown> = { updated_at: eb.ref('excluded.updated_at') };
          for (const c of update) set[c] = eb.ref(`excluded.${c}`);
          return set as Updateable<IdTagsTable>;
        }),
      )
      .execute();
  }
}

/** Tokens whose idTag is in `idTags` or whose parent is in `parentIdTags`, in idTag order. */
export async function idTagsMatching(db: Exec, idTags: readonly string[], parentIdTags: readonly string[]): Promise<IdTag[]> {
  const found = new Map<string, IdTag>();
  for (const [column, values] of [['id_tag', idTags], ['parent_id_tag', parentIdTags]] as const) {
    for (let i = 0; i < values.length; i += CHUNK) {
      const rows = await db.selectFrom('id_tags').selectAll().where(column, 'in', values.slice(i, i + CHUNK)).execute();
      for (const r of rows) found.set(r.id_tag, r);
    }
  }
  return [...found.values()].sort((a, b) => (a.id_tag < b.id_tag ? -1 : a.id_tag > b.id_tag ? 1 : 0));
}

/** Up to `limit` tokens after `afterIdTag` in id order: keyset pages for streaming exports. */
export function idTagsAfter(db: Exec, afterIdTag: string | null, limit: number): Promise<IdTag[]> {
  let q = db.selectFrom('id_tags').selectAll();
  if (afterIdTag !== null) q = q.where('id_tag', '>', afterIdTag);
  return q.orderBy('id_tag').limit(limit).execute();
}

export interface UnknownIdTagSighting {
  idTag: string;
  stationId: string;
  firstAt: string;
  at: string;
  count: number;
}

/** Adds sightings of an idTag Plugboard does not know (one row per idTag). */
export async function recordUnknownIdTag(db: Exec, s: UnknownIdTagSighting): Promise<void> {
  await db
    .insertInto('unknown_id_tags')
    .values({ id_tag: s.idTag, first_seen_at: s.firstAt, last_seen_at: s.at, last_station_id: s.stationId, count: s.count })
    .onConflict((oc) =>
      oc.column('id_tag').doUpdateSet((eb) => ({
        last_seen_at: eb.ref('excluded.last_seen_at'),
        last_station_id: eb.ref('excluded.last_station_id'),
        count: eb(eb.ref('unknown_id_tags.count'), '+', eb.ref('excluded.count')),
      })),
    )
    .execute();
}

export function unknownIdTagsPage(db: Exec, sort: SortKey[], page: { limit: number; offset: number }) {
  return applySort(db.selectFrom('unknown_id_tags').selectAll(), sort, 'id_tag').limit(page.limit).offset(page.offset).execute();
}

export async function countUnknownIdTags(db: Exec): Promise<number> {
  const row = await db.selectFrom('unknown_id_tags').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteUnknownIdTags(db: Exec, idTags: string[]): Promise<void> {
  for (let i = 0; i < idTags.length; i += CHUNK) {
    await db.deleteFrom('unknown_id_tags').where('id_tag', 'in', idTags.slice(i, i + CHUNK)).execute();
  }
}
