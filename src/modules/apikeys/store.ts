// Queries of the api_keys table. Nothing else.
import type { Insertable, Kysely } from 'kysely';
import type { ApiKeysTable, Database } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export function findActiveByHash(db: Exec, keyHash: string) {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
}

/** The hashes of every active key (a few rows: keys are made by operators). */
export async function listActiveHashes(db: Exec): Promise<string[]> {
  return (await db.selectFrom('api_keys').select('key_hash').where('revoked_at', 'is', null).execute()).map((r) => r.key_hash);
}

export async function insertKey(db: Exec, row: Insertable<ApiKeysTable>): Promise<number> {
  const res = await db.insertInto('api_keys').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export function listKeys(db: Exec) {
  return db.selectFrom('api_keys').select(['id', 'name', 'prefix', 'role', 'created_at', 'last_used_at', 'revoked_at']).orderBy('id').execute();
}

export function getKey(db: Exec, id: number) {
  return db.selectFrom('api_keys').select(['id', 'name', 'prefix', 'role', 'created_at', 'last_used_at', 'revoked_at']).where('id', '=', id).executeTakeFirst();
}

export async function countActiveAdmins(db: Exec): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function revokeKey(db: Exec, id: number, at: string): Promise<number> {
  const res = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function touchKey(db: Exec, id: number, at: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}
