// MeterValues linking rules with the in-process record of transaction owners (owners.ts): the
// first MeterValues of a transaction reads its row, later ones do not; the answers and stored
// rows must be exactly what reading the row every time gave. Same suite on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCore } from '../helpers/core.ts';
import type { AppContext } from '../../src/context.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';

let ctx: AppContext;
let cleanup: () => Promise<void>;
before(async () => {
  ({ ctx, cleanup } = await startCore());
  await ctx.services.stations.create({ id: 'MV-A' });
  await ctx.services.stations.create({ id: 'MV-B' });
  await ctx.services.authorization.upsertToken({ idTag: 'TAG-MV', allowConcurrent: true });
});
after(() => cleanup());

const tx = () => ctx.services.transactions;
const db = () => ctx.db.kysely;
const sample = (value: string, timestamp = new Date().toISOString()) => [{ timestamp, sampledValue: [{ value }] }];

/** The transaction_id stored with the value `value`, and the transactionId of the meter.values event it published. */
async function send(stationId: string, input: { connectorId: number; transactionId?: number; value: string }): Promise<{ stored: number | null; event: number | null }> {
  const events: PlugboardEvent[] = [];
  const off = ctx.bus.subscribe((e) => events.push(e));
  try {
    await tx().meterValues(stationId, { connectorId: input.connectorId, transactionId: input.transactionId, meterValue: sample(input.value) });
  } finally {
    off();
  }
  const rows = await db().selectFrom('meter_values').select(['transaction_id', 'station_id']).where('value', '=', input.value).execute();
  assert.equal(rows.length, 1, `one row stored for ${input.value}`);
  assert.equal(rows[0].station_id, stationId);
  const ev = events.find((e) => e.type === 'meter.values' && e.stationId === stationId) as { transactionId: number | null; count: number } | undefined;
  assert.ok(ev, 'a meter.values event');
  assert.equal(ev.count, 1);
  return { stored: rows[0].transaction_id === null ? null : Number(rows[0].transaction_id), event: ev.transactionId };
}

const start = async (stationId: string, connectorId: number) =>
  (await tx().start(stationId, { connectorId, idTag: 'TAG-MV', meterStart: 0, timestamp: new Date().toISOString() })).transactionId;

test('values of a transaction are linked on every MeterValues, the first and the later ones', async () => {
  const id = await start('MV-A', 1);
  for (const value of ['a1-1', 'a1-2', 'a1-3']) assert.deepEqual(await send('MV-A', { connectorId: 1, transactionId: id, value }), { stored: id, event: id });
});

test('a transaction of another station is never linked, whether its owner was read or remembered', async () => {
  const id = await start('MV-B', 1);
  assert.deepEqual(await send('MV-A', { connectorId: 1, transactionId: id, value: 'b-foreign-1' }), { stored: null, event: null });
  assert.deepEqual(await send('MV-B', { connectorId: 1, transactionId: id, value: 'b-own' }), { stored: id, event: id });
  assert.deepEqual(await send('MV-A', { connectorId: 1, transactionId: id, value: 'b-foreign-2' }), { stored: null, event: null });
});

test('errata 3.16: connector 0 values never belong to a transaction, even a known one', async () => {
  const id = await start('MV-A', 2);
  await send('MV-A', { connectorId: 2, transactionId: id, value: 'c0-warm' });
  assert.deepEqual(await send('MV-A', { connectorId: 0, transactionId: id, value: 'c0-main' }), { stored: null, event: null });
});

test('an id not known yet is asked again next time: a transaction created meanwhile is found', async () => {
  const before = await start('MV-A', 3);
  const next = before + 1;
  assert.deepEqual(await send('MV-A', { connectorId: 3, transactionId: next, value: 'early' }), { stored: null, event: null });
  const created = await start('MV-A', 4);
  assert.equal(created, next, 'the next id was handed out (nothing else started meanwhile)');
  assert.deepEqual(await send('MV-A', { connectorId: 4, transactionId: next, value: 'late' }), { stored: next, event: next });
});

test('a transaction written by another process (a row this process never inserted) is found and checked', async () => {
  const now = new Date().toISOString();
  const row = await db()
    .insertInto('transactions')
    .values({ station_id: 'MV-B', connector_id: 7, id_tag: 'TAG-MV', start_id_tag_status: 'Accepted', reservation_id: null, meter_start: 0, start_timestamp: now, meter_stop: null, stop_timestamp: null, stop_reason: null, stop_id_tag: null, received_start_at: now, received_stop_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  assert.deepEqual(await send('MV-A', { connectorId: 7, transactionId: id, value: 'other-node-foreign' }), { stored: null, event: null });
  assert.deepEqual(await send('MV-B', { connectorId: 7, transactionId: id, value: 'other-node-own' }), { stored: id, event: id });
});

test('values sent after the stop still belong to the transaction (as before: stopping changes nothing here)', async () => {
  const id = await start('MV-A', 5);
  await send('MV-A', { connectorId: 5, transactionId: id, value: 'stop-before' });
  await tx().stop('MV-A', { transactionId: id, meterStop: 10, timestamp: new Date().toISOString() });
  assert.deepEqual(await send('MV-A', { connectorId: 5, transactionId: id, value: 'stop-after' }), { stored: id, event: id });
});

test('ids Plugboard never hands out are unknown; -1 and 0 go to the open transaction of the connector', async () => {
  const id = await start('MV-A', 6);
  assert.deepEqual(await send('MV-A', { connectorId: 6, transactionId: 3_000_000_000, value: 'beyond-int4' }), { stored: null, event: null });
  assert.deepEqual(await send('MV-A', { connectorId: 6, transactionId: -1, value: 'minus-one' }), { stored: id, event: id });
  assert.deepEqual(await send('MV-A', { connectorId: 6, transactionId: 0, value: 'zero' }), { stored: id, event: id });
  assert.deepEqual(await send('MV-A', { connectorId: 6, value: 'no-id' }), { stored: null, event: null });
  // -1 on a connector without an open transaction of this station
  assert.deepEqual(await send('MV-A', { connectorId: 60, transactionId: -1, value: 'minus-one-none' }), { stored: null, event: null });
});

test('many values in one MeterValues are stored in order, each with the defaults', async () => {
  const id = await start('MV-A', 8);
  const ts = '2026-11-21T13:00:00Z';
  const sampledValue = Array.from({ length: 450 }, (_, i) => ({ value: `many-${i}`, ...(i % 2 ? { measurand: 'Power.Active.Import', unit: 'W' } : {}) }));
  await tx().meterValues('MV-A', { connectorId: 8, transactionId: id, meterValue: [{ timestamp: ts, sampledValue }] });
  const rows = await db().selectFrom('meter_values').selectAll().where('value', 'like', 'many-%').orderBy('id').execute();
  assert.equal(rows.length, 450);
  rows.forEach((r, i) => {
    assert.equal(r.value, `many-${i}`);
    assert.equal(Number(r.transaction_id), id);
    assert.equal(r.timestamp, '2026-11-21T13:00:00.000Z');
    assert.equal(r.measurand, i % 2 ? 'Power.Active.Import' : 'Energy.Active.Import.Register');
    assert.equal(r.unit, i % 2 ? 'W' : 'Wh');
    assert.equal(r.context, 'Sample.Periodic');
    assert.equal(r.source, 'MeterValues');
  });
});

test('the latest values of a station: those of its transactions and those without one, newest first, never another station\'s', async () => {
  await ctx.services.stations.create({ id: 'MV-LATEST' });
  const id = await start('MV-LATEST', 1);
  const other = await start('MV-B', 2);
  const sent: string[] = [];
  for (let i = 0; i < 6; i++) {
    // a transaction's values, connector 0, no transactionId, another station's transaction, an id never handed out
    const input = [
      { connectorId: 1, transactionId: id },
      { connectorId: 0, transactionId: id },
      { connectorId: 1 },
      { connectorId: 2, transactionId: other },
      { connectorId: 1, transactionId: 3_000_000_000 },
      { connectorId: 1, transactionId: -1 },
    ][i];
    const value = `latest-${i}`;
    await tx().meterValues('MV-LATEST', { ...input, meterValue: sample(value) });
    sent.push(value);
  }
  await tx().meterValues('MV-B', { connectorId: 2, transactionId: other, meterValue: sample('latest-not-mine') });
  await tx().stop('MV-LATEST', { transactionId: id, meterStop: 5, timestamp: new Date().toISOString(), transactionData: sample('latest-stop') });
  sent.push('latest-stop');
  const all = await tx().meterValuesOfStation('MV-LATEST');
  assert.deepEqual(all.map((r) => r.value), [...sent].reverse());
  const ids = all.map((r) => Number(r.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest (highest id) first');
  assert.deepEqual((await tx().meterValuesOfStation('MV-LATEST', 3)).map((r) => r.value), [...sent].reverse().slice(0, 3));
  // exactly what reading every row of the station gives
  const plain = await db().selectFrom('meter_values').selectAll().where('station_id', '=', 'MV-LATEST').orderBy('id', 'desc').execute();
  assert.deepEqual(all, plain);
  assert.deepEqual(await tx().meterValuesOfStation('MV-NOBODY'), []);
});
