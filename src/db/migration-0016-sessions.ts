// Migration (issue 12, OCPP 2.0.1, ADR 0014 "Session"): one session model for both versions.
// Valid on SQLite and PostgreSQL alike. Never edit it once released; add a new one.
//
// - transactions gets the charger's transaction id as given (external_id: String(id) for 1.6,
//   the station's string on 2.0.1; unique per station), evse_id (1.6: the connector id),
//   ocpp_version ('1.6' | '2.0.1'), charging_state (2.0.1 ChargingStateEnumType), remote_start_id
//   (2.0.1 remoteStartId), last_seq_no (the highest 2.0.1 seqNo applied) and id_token_type (a
//   2.0.1 IdTokenEnumType; null for a 1.6 idTag). Existing rows are carried forward as 1.6
//   sessions: external_id = their id, evse_id = their connector.
// - transaction_events: the ordered events of a 2.0.1 session (TransactionEvent), one per
//   (transaction, seqNo), the frame kept as sent (raw, JSON text). 1.6 sessions have none stored
//   (the API shows their start and stop as events).
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    for (const [name, type] of [
      ['external_id', 'text'],
      ['evse_id', 'integer'],
      ['charging_state', 'text'],
      ['remote_start_id', 'integer'],
      ['last_seq_no', 'integer'],
      ['id_token_type', 'text'],
    ] as const) {
      await db.schema.alterTable('transactions').addColumn(name, type).execute();
    }
    await db.schema.alterTable('transactions').addColumn('ocpp_version', 'text', (c) => c.notNull().defaultTo('1.6')).execute();
    await sql`update transactions set external_id = cast(id as text), evse_id = connector_id`.execute(db);
    await db.schema.createIndex('transactions_station_external_idx').on('transactions').columns(['station_id', 'external_id']).unique().execute();

    await addIdColumn(db.schema.createTable('transaction_events'), dialectOf(db))
      .addColumn('transaction_id', 'integer', (c) => c.notNull())
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('seq_no', 'integer', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('trigger_reason', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'text', (c) => c.notNull())
      .addColumn('offline', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('charging_state', 'text')
      .addColumn('id_token', 'text')
      .addColumn('id_token_type', 'text')
      .addColumn('stopped_reason', 'text')
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('transaction_events_tx_seq_idx').on('transaction_events').columns(['transaction_id', 'seq_no']).unique().execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('transaction_events').execute();
    await db.schema.dropIndex('transactions_station_external_idx').execute();
    for (const name of ['ocpp_version', 'id_token_type', 'last_seq_no', 'remote_start_id', 'charging_state', 'evse_id', 'external_id']) {
      await db.schema.alterTable('transactions').dropColumn(name).execute();
    }
  },
};
