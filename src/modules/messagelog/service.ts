// Every OCPP frame in and out, per charger, with retention limits (age and rows per charger).
// Rows are appended through the db's buffered multi-row writer: logging never delays the
// answer to a charger, and a failure to log never breaks the charger's session.
import type { AppContext } from '../../context.ts';
import * as store from './store.ts';
import type { SortKey } from '../../db/list-query.ts';
import { redact } from '../../redact.ts';
import { prunePerStationLog, pruneEveryTenMinutes } from '../../db/retention.ts';

export function createMessageLogService(ctx: AppContext) {
  const { enabled, retentionDays, maxRowsPerStation } = ctx.config.messageLog;
  let stopPruning: (() => void) | null = null;

  const service = {
    record(stationId: string, direction: 'in' | 'out', frame: string, info: { type: number; messageId: string | null; action: string | null; unlogged?: boolean }): void {
      // An unknown-id CALLRESULT/CALLERROR past the per-minute sample (protocol/rpc.ts) is
      // left out, so a charger flooding them cannot push its real history out of the log.
      if (!enabled || info.unlogged === true) return;
      // Secrets in frames (AuthorizationKey values, private keys) never reach the table.
      frame = redact(frame);
      ctx.db.appendLater('message_log', {
        station_id: stationId,
        direction,
        message_type: info.type,
        message_id: info.messageId,
        action: info.action,
        // A raw NUL byte (a frame that is not JSON) cannot be stored in PostgreSQL text.
        frame: frame.includes('\u0000') ? frame.replaceAll('\u0000', '\uFFFD') : frame,
        created_at: ctx.now().toISOString(),
      });
    },

    async list(filter: store.MessageLogFilter) {
      await ctx.db.flush();
      return store.listMessages(ctx.db.kysely, filter);
    },

    /** A page of a station's frames; frames still buffered for writing are stored first. */
    async listPage(filter: store.MessagePageFilter, sort: SortKey[], page: { limit: number; offset: number }) {
      await ctx.db.flush();
      const [items, total] = await Promise.all([store.listMessagesPage(ctx.db.kysely, filter, sort, page), store.countMessages(ctx.db.kysely, filter)]);
      return { items, total };
    },

    /** Applies the retention limits; returns the number of rows removed. */
    async prune(): Promise<number> {
      await ctx.db.flush();
      return prunePerStationLog(ctx.db, { table: 'message_log', timeColumn: 'created_at', retentionDays, maxRowsPerStation }, ctx.now());
    },

    startPruning(): void {
      stopPruning = pruneEveryTenMinutes(() => service.prune(), ctx.log, 'message log');
    },

    stop(): void {
      stopPruning?.();
      stopPruning = null;
    },
  };
  return service;
}

export type MessageLogService = ReturnType<typeof createMessageLogService>;
