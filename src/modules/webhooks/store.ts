// Queries of the webhooks and webhook_deliveries tables. Nothing else.
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;
export type DeliveryStatus = WebhookDeliveriesTable['status'];

// SQLite allows 32766 bound parameters per statement; 12 columns x 500 rows stays far below.
const ROWS_PER_INSERT = 500;

export function listWebhooks(db: Exec) {
  return db.selectFrom('webhooks').selectAll().orderBy('id').execute();
}

export function getWebhook(db: Exec, id: number) {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertWebhook(db: Exec, row: Insertable<WebhooksTable>): Promise<number> {
  const res = await db.insertInto('webhooks').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export async function updateWebhook(db: Exec, id: number, patch: Updateable<WebhooksTable>): Promise<number> {
  const res = await db.updateTable('webhooks').set(patch).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Deletes the webhook and its delivery log. */
export async function deleteWebhook(db: Exec, id: number): Promise<number> {
  await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
  const res = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function insertDeliveries(db: Exec, rows: Insertable<WebhookDeliveriesTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await db.insertInto('webhook_deliveries').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
  }
}

export async function insertDelivery(db: Exec, row: Insertable<WebhookDeliveriesTable>): Promise<number> {
  const res = await db.insertInto('webhook_deliveries').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export function getDelivery(db: Exec, id: number) {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Pending deliveries due by `now` for the given webhooks, oldest due first. */
export function dueDeliveries(db: Exec, opts: { now: string; webhookIds: number[]; excludeIds: number[]; limit: number }) {
  let q = db
    .selectFrom('webhook_deliveries')
    .select(['id', 'webhook_id', 'event_type', 'payload', 'attempts', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', opts.now)
    .where('webhook_id', 'in', opts.webhookIds);
  if (opts.excludeIds.length) q = q.where('id', 'not in', opts.excludeIds);
  return q.orderBy('next_attempt_at').orderBy('id').limit(opts.limit).execute();
}

/**
 * Takes a due delivery for one attempt: counts the attempt and moves next_attempt_at to the end
 * of a lease, so that another process (or this one after a crash) retries it only once the
 * lease has run out. False when someone else took it first.
 */
export async function claimDelivery(db: Exec, id: number, seen: { nextAttemptAt: string | null; attempts: number }, now: string, leaseUntil: string): Promise<boolean> {
  let q = db
    .updateTable('webhook_deliveries')
    .set({ attempts: seen.attempts + 1, last_attempt_at: now, next_attempt_at: leaseUntil })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('attempts', '=', seen.attempts);
  q = seen.nextAttemptAt === null ? q.where('next_attempt_at', 'is', null) : q.where('next_attempt_at', '=', seen.nextAttemptAt);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function recordAttempt(db: Exec, id: number, outcome: Updateable<WebhookDeliveriesTable>): Promise<void> {
  await db.updateTable('webhook_deliveries').set(outcome).where('id', '=', id).execute();
}

export function listDeliveries(db: Exec, webhookId: number, filter: { status?: DeliveryStatus; limit: number; offset: number }) {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (filter.status) q = q.where('status', '=', filter.status);
  return q.orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
}

export async function countDeliveries(db: Exec, webhookId: number, status?: DeliveryStatus): Promise<number> {
  let q = db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('webhook_id', '=', webhookId);
  if (status) q = q.where('status', '=', status);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Deletes up to `batch` finished (succeeded or failed) deliveries created before `before`; returns how many. */
export async function pruneDeliveries(db: Exec, before: string, batch: number): Promise<number> {
  const res = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (eb) => eb.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'pending').where('created_at', '<', before).limit(batch))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
