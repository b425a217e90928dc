// Queries of the id_tags table. Nothing else.
import type { Kysely } from 'kysely';
import type { Database, IdTag } from '../../db/schema.ts';

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
