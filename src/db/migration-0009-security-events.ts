// Migration (issue 11, security messages and logs): the security events of each station, and
// GetLog requests beside the GetDiagnostics ones. Valid on SQLite and PostgreSQL alike. Never
// edit it once released; add a new one.
//
// - security_events: one row per event, reported by a station (SecurityEventNotification) or
//   seen by Plugboard itself (a refused certificate, ...): type, source 'station' | 'csms', the
//   event's own timestamp, techInfo, critical (0/1, decided by whoever records it), received_at.
//   Read per station newest first, and across stations by time range or critical only.
// - diagnostics_requests gets `kind` ('GetDiagnostics' | 'GetLog'), `log_type` (SecurityLog |
//   DiagnosticsLog) and `answer_status` (GetLog.conf status: Accepted, Rejected,
//   AcceptedCanceled): a GetLog request uses the same upload receiver and tokens (ADR 0006) as
//   a GetDiagnostics one, so it is the same row, its files the same diagnostics_files rows.
//   start_time / stop_time hold log.oldestTimestamp / latestTimestamp, file_name GetLog.conf
//   filename, diagnostics_status the last LogStatusNotification, and the row id is the OCPP
//   requestId. Existing rows are GetDiagnostics.
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await addIdColumn(db.schema.createTable('security_events'), dialectOf(db))
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'text', (c) => c.notNull())
      .addColumn('tech_info', 'text')
      .addColumn('critical', 'integer', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('security_events_station_idx').on('security_events').columns(['station_id', 'id']).execute();
    await db.schema.createIndex('security_events_timestamp_idx').on('security_events').columns(['timestamp', 'id']).execute();
    await db.schema.createIndex('security_events_critical_idx').on('security_events').columns(['critical', 'id']).execute();

    await db.schema.alterTable('diagnostics_requests').addColumn('kind', 'text', (c) => c.notNull().defaultTo('GetDiagnostics')).execute();
    await db.schema.alterTable('diagnostics_requests').addColumn('log_type', 'text').execute();
    await db.schema.alterTable('diagnostics_requests').addColumn('answer_status', 'text').execute();
  },
  async down(db: Kysely<any>) {
    for (const column of ['answer_status', 'log_type', 'kind']) await db.schema.alterTable('diagnostics_requests').dropColumn(column).execute();
    await db.schema.dropTable('security_events').execute();
  },
};
