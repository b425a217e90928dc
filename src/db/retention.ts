// Retention of the per-station logs (message log, security events): rows past an age, and rows
// past a count per station (the newest kept), removed on a timer. One implementation for every
// such table; each module says which table, which time column and which limits.
import { sql } from 'kysely';
import type { Logger } from '../log.ts';
import type { Db } from './index.ts';

/** Tables with an `id` that grows with arrival and a `station_id`. */
export type PerStationLogTable = 'message_log' | 'security_events';

export interface RetentionRule {
  table: PerStationLogTable;
  /** ISO 8601 text column compared with the age cutoff */
  timeColumn: 'created_at' | 'received_at';
  retentionDays: number;
  maxRowsPerStation: number;
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** Applies the rule once; returns the number of rows removed. */
export async function prunePerStationLog(db: Db, rule: RetentionRule, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - rule.retentionDays * 86_400_000).toISOString();
  const old = await db.write((trx) => trx.deleteFrom(rule.table).where(sql.ref(rule.timeColumn), '<', cutoff).executeTakeFirst());
  let removed = Number(old.numDeletedRows);
  const heavy = await db.kysely
    .selectFrom(rule.table)
    .select(['station_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('station_id')
    .having(sql`count(*)`, '>', rule.maxRowsPerStation)
    .execute();
  for (const { station_id: stationId } of heavy) {
    // The id of the oldest row kept; everything of the station below it goes.
    const kept = await db.kysely.selectFrom(rule.table).select('id').where('station_id', '=', stationId).orderBy('id', 'desc').offset(rule.maxRowsPerStation - 1).limit(1).executeTakeFirst();
    if (!kept) continue;
    const res = await db.write((trx) => trx.deleteFrom(rule.table).where('station_id', '=', stationId).where('id', '<', Number(kept.id)).executeTakeFirst());
    removed += Number(res.numDeletedRows);
  }
  return removed;
}

/** Runs prune every 10 minutes (unref'd) until the returned stop is called. */
export function pruneEveryTenMinutes(prune: () => Promise<number>, log: Logger, what: string): () => void {
  const timer = setInterval(() => {
    prune().then(
      (n) => n > 0 && log.info({ removed: n }, `${what} pruned`),
      (err) => log.error({ err }, `${what} pruning failed`),
    );
  }, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
