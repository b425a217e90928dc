// Insert, read back, update and delete on every table, through write() as the modules will.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUniqueViolation } from '../../src/db/index.ts';
import type { Db } from '../../src/db/index.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

const label = dbLabel();
const iso = (ms = 0) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();

async function count(db: Db, table: 'stations' | 'transactions' | 'meter_values'): Promise<number> {
  const row = await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

test(`[${label}] stations`, async (t) => {
  const { db } = await openTestDb(t);
  await db.write((trx) =>
    trx
      .insertInto('stations')
      .values({ id: 'CP/ä 1', registration_status: 'Pending', security_profile: 1, created_at: iso(), updated_at: iso() })
      .execute(),
  );
  const row = await db.kysely.selectFrom('stations').selectAll().where('id', '=', 'CP/ä 1').executeTakeFirstOrThrow();
  assert.equal(row.registration_status, 'Pending');
  assert.equal(row.security_profile, 1);
  assert.equal(row.vendor, null);
  assert.equal(row.created_at, iso());

  await db.write((trx) =>
    trx
      .updateTable('stations')
      .set({ registration_status: 'Accepted', vendor: 'ACME', firmware_version: '1.2.3', updated_at: iso(1000) })
      .where('id', '=', 'CP/ä 1')
      .execute(),
  );
  const updated = await db.kysely.selectFrom('stations').selectAll().where('id', '=', 'CP/ä 1').executeTakeFirstOrThrow();
  assert.deepEqual(
    [updated.registration_status, updated.vendor, updated.firmware_version, updated.updated_at],
    ['Accepted', 'ACME', '1.2.3', iso(1000)],
  );

  await assert.rejects(
    db.write((trx) =>
      trx.insertInto('stations').values({ id: 'CP/ä 1', registration_status: 'Pending', created_at: iso(), updated_at: iso() }).execute(),
    ),
    (err) => isUniqueViolation(err),
  );

  await db.write((trx) => trx.deleteFrom('stations').where('id', '=', 'CP/ä 1').execute());
  assert.equal(await count(db, 'stations'), 0);
});

test(`[${label}] connector_status: one row per (station, connector), upserted`, async (t) => {
  const { db } = await openTestDb(t);
  const report = (connectorId: number, status: string, at: string) =>
    db.write((trx) =>
      trx
        .insertInto('connector_status')
        .values({ station_id: 'CP1', connector_id: connectorId, status, error_code: 'NoError', timestamp: at, updated_at: at })
        .onConflict((oc) =>
          oc.columns(['station_id', 'connector_id']).doUpdateSet({ status, timestamp: at, updated_at: at }),
        )
        .execute(),
    );
  await report(0, 'Available', iso());
  await report(1, 'Available', iso());
  await report(1, 'Charging', iso(5000));
  const rows = await db.kysely.selectFrom('connector_status').selectAll().orderBy('connector_id').execute();
  assert.deepEqual(
    rows.map((r) => [r.connector_id, r.status, r.updated_at]),
    [
      [0, 'Available', iso()],
      [1, 'Charging', iso(5000)],
    ],
  );
  await db.write((trx) => trx.deleteFrom('connector_status').where('station_id', '=', 'CP1').where('connector_id', '=', 0).execute());
  assert.equal((await db.kysely.selectFrom('connector_status').select('connector_id').execute()).length, 1);
});

test(`[${label}] status_history keeps every report in arrival order`, async (t) => {
  const { db } = await openTestDb(t);
  const ids: number[] = [];
  for (const status of ['Available', 'Preparing', 'Charging']) {
    const { id } = await db.write((trx) =>
      trx
        .insertInto('status_history')
        .values({ station_id: 'CP1', connector_id: 1, status, error_code: 'NoError', timestamp: null, received_at: iso() })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    assert.equal(typeof id, 'number');
    ids.push(id);
  }
  assert.ok(ids[0] < ids[1] && ids[1] < ids[2]);
  const last = await db.kysely
    .selectFrom('status_history')
    .select(['status', 'info'])
    .where('station_id', '=', 'CP1')
    .where('connector_id', '=', 1)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  assert.deepEqual(last, { status: 'Charging', info: null });
  await db.write((trx) => trx.updateTable('status_history').set({ info: 'x' }).where('id', '=', ids[0]).execute());
  await db.write((trx) => trx.deleteFrom('status_history').where('id', '=', ids[1]).execute());
  const left = await db.kysely.selectFrom('status_history').select(['id', 'info']).orderBy('id').execute();
  assert.deepEqual(left, [
    { id: ids[0], info: 'x' },
    { id: ids[2], info: null },
  ]);
});

test(`[${label}] id_tags`, async (t) => {
  const { db } = await openTestDb(t);
  await db.write((trx) =>
    trx
      .insertInto('id_tags')
      .values([
        { id_tag: 'GROUP', status: 'Accepted', allow_concurrent: 1, created_at: iso(), updated_at: iso() },
        { id_tag: 'TAG1', parent_id_tag: 'GROUP', status: 'Accepted', expiry_date: iso(86_400_000), allow_concurrent: 0, created_at: iso(), updated_at: iso() },
      ])
      .execute(),
  );
  const members = await db.kysely.selectFrom('id_tags').selectAll().where('parent_id_tag', '=', 'GROUP').execute();
  assert.equal(members.length, 1);
  assert.equal(members[0].id_tag, 'TAG1');
  assert.equal(members[0].allow_concurrent, 0);
  assert.equal(members[0].expiry_date, iso(86_400_000));
  await db.write((trx) => trx.updateTable('id_tags').set({ status: 'Blocked' }).where('id_tag', '=', 'TAG1').execute());
  const tag = await db.kysely.selectFrom('id_tags').select('status').where('id_tag', '=', 'TAG1').executeTakeFirstOrThrow();
  assert.equal(tag.status, 'Blocked');
  await db.write((trx) => trx.deleteFrom('id_tags').where('id_tag', '=', 'TAG1').execute());
  assert.deepEqual(await db.kysely.selectFrom('id_tags').select('id_tag').execute(), [{ id_tag: 'GROUP' }]);
});

test(`[${label}] transactions: a retried StartTransaction maps to the same id; open ones are found; stop closes`, async (t) => {
  const { db } = await openTestDb(t);
  // A lifetime Wh register beyond 32 bits must round-trip as a number on both dialects.
  const meterStart = 52_000_000_000;
  const start = {
    station_id: 'CP1',
    connector_id: 1,
    id_tag: 'TAG1',
    start_id_tag_status: 'Accepted',
    meter_start: meterStart,
    start_timestamp: iso(),
    received_start_at: iso(10),
  };
  // The pattern the transactions store is meant to use: no try/catch inside write(), which
  // PostgreSQL would not allow to continue after the violation.
  const startTransaction = () =>
    db.write(async (trx) => {
      await trx
        .insertInto('transactions')
        .values(start)
        .onConflict((oc) => oc.columns(['station_id', 'connector_id', 'start_timestamp', 'id_tag', 'meter_start']).doNothing())
        .execute();
      const row = await trx
        .selectFrom('transactions')
        .select('id')
        .where('station_id', '=', start.station_id)
        .where('connector_id', '=', start.connector_id)
        .where('start_timestamp', '=', start.start_timestamp)
        .where('id_tag', '=', start.id_tag)
        .where('meter_start', '=', start.meter_start)
        .executeTakeFirstOrThrow();
      return row.id;
    });
  const [first, retried, concurrentRetry] = await Promise.all([startTransaction(), startTransaction(), startTransaction()]);
  assert.equal(typeof first, 'number');
  assert.ok(first > 0, 'OCPP transactionId is a positive integer (errata 3.54)');
  assert.equal(retried, first);
  assert.equal(concurrentRetry, first);
  assert.equal(await count(db, 'transactions'), 1);

  await assert.rejects(
    db.write((trx) => trx.insertInto('transactions').values(start).execute()),
    (err) => isUniqueViolation(err),
  );

  const open = await db.kysely
    .selectFrom('transactions')
    .selectAll()
    .where('station_id', '=', 'CP1')
    .where('stop_timestamp', 'is', null)
    .execute();
  assert.equal(open.length, 1);
  assert.equal(open[0].meter_start, meterStart);
  assert.equal(open[0].reservation_id, null);

  await db.write((trx) =>
    trx
      .updateTable('transactions')
      .set({ meter_stop: meterStart + 12_345, stop_timestamp: iso(3_600_000), stop_reason: 'Local', received_stop_at: iso(3_600_010) })
      .where('id', '=', first)
      .execute(),
  );
  const stopped = await db.kysely.selectFrom('transactions').selectAll().where('id', '=', first).executeTakeFirstOrThrow();
  assert.equal(stopped.meter_stop! - stopped.meter_start, 12_345);
  const stillOpen = await db.kysely.selectFrom('transactions').select('id').where('stop_timestamp', 'is', null).execute();
  assert.deepEqual(stillOpen, []);

  await db.write((trx) => trx.deleteFrom('transactions').where('id', '=', first).execute());
  assert.equal(await count(db, 'transactions'), 0);
  // Never hand out a transactionId twice, even after the highest one was deleted.
  const next = await db.write(async (trx) =>
    (await trx.insertInto('transactions').values({ ...start, connector_id: 2 }).returning('id').executeTakeFirstOrThrow()).id,
  );
  assert.ok(next > first, `id ${next} reused after ${first}`);
});

test(`[${label}] orphan_stops`, async (t) => {
  const { db } = await openTestDb(t);
  const { id } = await db.write((trx) =>
    trx
      .insertInto('orphan_stops')
      .values({
        station_id: 'CP1',
        reported_transaction_id: -1,
        meter_stop: 1000,
        timestamp: iso(),
        transaction_data: JSON.stringify([{ timestamp: iso(), sampledValue: [{ value: '1000' }] }]),
        received_at: iso(1),
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  const row = await db.kysely.selectFrom('orphan_stops').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.reported_transaction_id, -1);
  assert.equal(row.reason, null);
  assert.equal(JSON.parse(row.transaction_data!)[0].sampledValue[0].value, '1000');
  await db.write((trx) => trx.updateTable('orphan_stops').set({ reason: 'PowerLoss' }).where('id', '=', id).execute());
  assert.equal((await db.kysely.selectFrom('orphan_stops').select('reason').executeTakeFirstOrThrow()).reason, 'PowerLoss');
  await db.write((trx) => trx.deleteFrom('orphan_stops').execute());
  assert.deepEqual(await db.kysely.selectFrom('orphan_stops').select('id').execute(), []);
});

test(`[${label}] meter_values keep the value text verbatim`, async (t) => {
  const { db } = await openTestDb(t);
  const base = {
    station_id: 'CP1',
    connector_id: 1,
    source: 'MeterValues',
    timestamp: iso(),
    measurand: 'Energy.Active.Import.Register',
    unit: 'Wh',
    context: 'Sample.Periodic',
    location: 'Outlet',
    format: 'Raw',
    received_at: iso(5),
  };
  await db.write((trx) =>
    trx
      .insertInto('meter_values')
      .values([
        { ...base, transaction_id: 7, value: '0012.50' },
        { ...base, transaction_id: 7, value: 'AB01FF', format: 'SignedData', context: 'Transaction.Begin' },
        { ...base, transaction_id: null, connector_id: 0, value: '230.1', measurand: 'Voltage', unit: 'V', phase: 'L1-N' },
      ])
      .execute(),
  );
  const ofTx = await db.kysely.selectFrom('meter_values').select(['value', 'format']).where('transaction_id', '=', 7).orderBy('id').execute();
  assert.deepEqual(ofTx, [
    { value: '0012.50', format: 'Raw' },
    { value: 'AB01FF', format: 'SignedData' },
  ]);
  await db.write((trx) => trx.updateTable('meter_values').set({ transaction_id: 8 }).where('transaction_id', '=', 7).execute());
  await db.write((trx) => trx.deleteFrom('meter_values').where('transaction_id', 'is', null).execute());
  assert.equal(await count(db, 'meter_values'), 2);
  const phases = await db.kysely.selectFrom('meter_values').select('phase').distinct().execute();
  assert.deepEqual(phases, [{ phase: null }]);
});

test(`[${label}] message_log`, async (t) => {
  const { db } = await openTestDb(t);
  const frame = JSON.stringify([2, 'm1', 'Heartbeat', {}]);
  const { id } = await db.write((trx) =>
    trx
      .insertInto('message_log')
      .values({ station_id: 'CP1', direction: 'in', message_type: 2, message_id: 'm1', action: 'Heartbeat', frame, created_at: iso() })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  assert.equal(typeof id, 'number');
  const row = await db.kysely.selectFrom('message_log').selectAll().where('station_id', '=', 'CP1').executeTakeFirstOrThrow();
  assert.deepEqual(row, { id, station_id: 'CP1', direction: 'in', message_type: 2, message_id: 'm1', action: 'Heartbeat', frame, created_at: iso() });
  await db.write((trx) => trx.updateTable('message_log').set({ action: null }).where('id', '=', id).execute());
  await db.write((trx) => trx.deleteFrom('message_log').where('created_at', '<', iso(1)).execute());
  assert.deepEqual(await db.kysely.selectFrom('message_log').select('id').execute(), []);
});
