// Security events, version-neutral: what stations report (SecurityEventNotification) and what
// Plugboard itself sees (refused certificates, failed logins), one record each, stored per
// station and, once committed, published on the bus as security.event so that the live view
// and webhooks see them (critical = true for the events the caller's protocol marks critical).
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { SecurityEventsTable } from '../../db/schema.ts';
import { toIsoTimestamp } from '../../time.ts';
import * as store from './store.ts';
import { prunePerStationLog, pruneEveryTenMinutes } from '../../db/retention.ts';

export interface SecurityEventInput {
  stationId: string;
  /** the whitepaper's event type, e.g. InvalidChargePointCertificate, or Plugboard's own */
  type: string;
  /** where it was seen: reported by the station, or by Plugboard */
  source: 'station' | 'csms';
  /** ISO 8601; the station's timestamp for station events */
  at: string;
  techInfo?: string;
  critical: boolean;
}

export type SecurityEventRow = Selectable<SecurityEventsTable>;
export type { SecurityEventFilter } from './store.ts';

export function createSecurityService(ctx: AppContext) {
  const db = ctx.db;
  const { retentionDays, maxRowsPerStation } = ctx.config.securityEvents;
  let stopPruning: (() => void) | null = null;
  const service = {
    /** Records one security event (committed when this resolves) and publishes it. */
    async record(event: SecurityEventInput): Promise<SecurityEventRow> {
      const row = {
        station_id: event.stationId,
        type: event.type,
        source: event.source,
        timestamp: toIsoTimestamp(event.at),
        tech_info: event.techInfo ?? null,
        critical: event.critical ? 1 : 0,
        received_at: ctx.now().toISOString(),
      };
      const id = await db.write((trx) => store.insertEvent(trx, row));
      ctx.bus.publish({ type: 'security.event', stationId: event.stationId, at: row.timestamp, eventType: event.type, source: event.source, critical: event.critical, techInfo: row.tech_info });
      return { id, ...row };
    },

    async page(filter: store.SecurityEventFilter, page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.listEvents(db.kysely, filter, page), store.countEvents(db.kysely, filter)]);
      return { items, total };
    },

    /** Applies securityEvents.retentionDays (by arrival) and maxRowsPerStation (newest kept); returns the rows removed. */
    prune(): Promise<number> {
      return prunePerStationLog(db, { table: 'security_events', timeColumn: 'received_at', retentionDays, maxRowsPerStation }, ctx.now());
    },

    startPruning(): void {
      stopPruning = pruneEveryTenMinutes(() => service.prune(), ctx.log, 'security events');
    },

    stop(): void {
      stopPruning?.();
      stopPruning = null;
    },
  };
  return service;
}

export type SecurityService = ReturnType<typeof createSecurityService>;
