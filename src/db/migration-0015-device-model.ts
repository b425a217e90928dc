// Migration (issue 12, OCPP 2.0.1 device model): what a 2.0.1 station reports of itself
// (NotifyReport) and the report requests Plugboard made. Valid on SQLite and PostgreSQL alike.
// Never edit it once released; add a new one.
//
// - device_model_reports: one row per report, asked by Plugboard (GetBaseReport / GetReport:
//   the row id is the OCPP requestId) or sent by the station unasked (its own requestId,
//   kind 'Unrequested'). status: Requested (sent, no NotifyReport yet), Rejected (the station's
//   answer was not Accepted), InProgress (parts arrived, the last had tbc), Complete (a part
//   with tbc false arrived). last_seq_no is the highest seqNo seen, parts the number stored.
// - device_model_variables: a station's device model, one row per component (name, instance,
//   EVSE, connector) and variable (name, instance); absent instance = '' and absent EVSE or
//   connector = -1 so that the unique key works on both databases. attributes and
//   characteristics are JSON text (VariableAttributeType[] and VariableCharacteristicsType).
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    await addIdColumn(db.schema.createTable('device_model_reports'), dialectOf(db))
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('criteria', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('answer_status', 'text')
      .addColumn('last_seq_no', 'integer')
      .addColumn('parts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('variables', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('generated_at', 'text')
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .execute();
    await db.schema.createIndex('device_model_reports_station_idx').on('device_model_reports').columns(['station_id', 'request_id']).execute();

    await addIdColumn(db.schema.createTable('device_model_variables'), dialectOf(db))
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('component_instance', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('evse_id', 'integer', (c) => c.notNull().defaultTo(-1))
      .addColumn('connector_id', 'integer', (c) => c.notNull().defaultTo(-1))
      .addColumn('variable', 'text', (c) => c.notNull())
      .addColumn('variable_instance', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('characteristics', 'text')
      .addColumn('request_id', 'integer')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('device_model_variables_key_idx')
      .on('device_model_variables')
      .columns(['station_id', 'component', 'component_instance', 'evse_id', 'connector_id', 'variable', 'variable_instance'])
      .unique()
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('device_model_variables').execute();
    await db.schema.dropTable('device_model_reports').execute();
  },
};
