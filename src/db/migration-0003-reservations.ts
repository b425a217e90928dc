// Migration for the reservations module (issue #5). Valid on SQLite and PostgreSQL alike: dialect
// differences go through ddl.ts (addIdColumn). Never edit it once released; add a new one.
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, dialectOf } from './ddl.ts';

export const migration: Migration = {
  async up(db: Kysely<any>) {
    // The id is the OCPP reservationId Plugboard hands out (ReserveNow.req, OCPP 1.6 §6.36): an
    // integer unique across the system, int4 on PostgreSQL so that it always fits what
    // chargers hold. Like transactions, no foreign keys: a charger may report a reservation
    // (StartTransaction.reservationId) for a transaction we have not stored yet, or vice versa.
    await addIdColumn(db.schema.createTable('reservations'), dialectOf(db), 'int4')
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('connector_id', 'integer', (c) => c.notNull())
      .addColumn('id_tag', 'text', (c) => c.notNull())
      .addColumn('parent_id_tag', 'text')
      .addColumn('expiry_date', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('transaction_id', 'integer')
      .addColumn('note', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema.createIndex('reservations_station_idx').on('reservations').columns(['station_id', 'id']).execute();
    // The expiry sweep looks for active reservations by expiry date.
    await db.schema.createIndex('reservations_status_expiry_idx').on('reservations').columns(['status', 'expiry_date']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('reservations').execute();
  },
};
