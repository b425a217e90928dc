// Queries compiled once and run with new values (src/db/prepared.ts), on the database
// DATABASE_URL selects: the same rows as the Kysely query built afresh would give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insertRows, prepared, updateByKey } from '../../src/db/prepared.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

const label = dbLabel();
const iso = (ms = 0) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();

const stationById = prepared((db, v: { id: string }) => db.selectFrom('stations').selectAll().where('id', '=', v.id));
const setVendor = prepared((db, v: { id: string; vendor: string | null; at: string }) =>
  db.updateTable('stations').set({ vendor: v.vendor, updated_at: v.at }).where('id', '=', v.id).where('registration_status', '=', 'Accepted'),
);

test(`[${label}] prepared: one compiled query, run with each call's values; constants stay`, async (t) => {
  const { db } = await openTestDb(t);
  await insertRows(db.kysely, 'stations', [
    { id: 'A', registration_status: 'Accepted', security_profile: 1, created_at: iso(), updated_at: iso() },
    { id: 'B', registration_status: 'Pending', security_profile: 1, created_at: iso(), updated_at: iso() },
  ]);
  assert.equal((await stationById(db.kysely, { id: 'A' })).rows[0].registration_status, 'Accepted');
  assert.equal((await stationById(db.kysely, { id: 'B' })).rows[0].registration_status, 'Pending');
  assert.equal((await stationById(db.kysely, { id: 'C' })).rows.length, 0);
  // Inside a group-commit transaction too; the constant 'Accepted' is kept, so B is untouched.
  await db.write(async (trx) => {
    await setVendor(trx, { id: 'A', vendor: 'ACME', at: iso(1) });
    await setVendor(trx, { id: 'B', vendor: 'ACME', at: iso(1) });
  });
  const rows = await db.kysely.selectFrom('stations').select(['id', 'vendor', 'updated_at']).orderBy('id').execute();
  assert.deepEqual(rows, [
    { id: 'A', vendor: 'ACME', updated_at: iso(1) },
    { id: 'B', vendor: null, updated_at: iso() },
  ]);
  await setVendor(db.kysely, { id: 'A', vendor: null, at: iso(2) });
  assert.equal((await stationById(db.kysely, { id: 'A' })).rows[0].vendor, null, 'null is a value');
  await assert.rejects(stationById(db.kysely, {} as { id: string }), /no value for "id"/);
});

test(`[${label}] insertRows: many rows in order, beyond one statement's parameter limit, and a clear error for a missing column`, async (t) => {
  const { db } = await openTestDb(t);
  const rows = Array.from({ length: 5000 }, (_, i) => ({
    station_id: `CP${i % 7}`,
    direction: (i % 2 ? 'out' : 'in') as 'in' | 'out',
    message_type: 2,
    message_id: String(i),
    action: 'Heartbeat',
    frame: `[2,"${i}","Heartbeat",{}]`,
    created_at: iso(i),
  }));
  await db.write((trx) => insertRows(trx, 'message_log', rows));
  const stored = await db.kysely.selectFrom('message_log').select(['message_id', 'station_id', 'frame']).orderBy('id').execute();
  assert.equal(stored.length, 5000);
  assert.deepEqual(stored[4321], { message_id: '4321', station_id: 'CP2', frame: '[2,"4321","Heartbeat",{}]' });
  assert.deepEqual(stored.map((r) => Number(r.message_id)), rows.map((_, i) => i), 'ids in insertion order');
  const bad = [rows[0], { ...rows[1], action: undefined }] as unknown as typeof rows;
  await assert.rejects(db.write((trx) => insertRows(trx, 'message_log', bad)), /row 1 has no value for "action"/);
});

test(`[${label}] updateByKey: the patch's columns on the keyed row only, compiled once per column set`, async (t) => {
  const { db } = await openTestDb(t);
  await insertRows(db.kysely, 'stations', ['A', 'B'].map((id) => ({ id, registration_status: 'Accepted', security_profile: 1, created_at: iso(), updated_at: iso() })));
  await updateByKey(db.kysely, 'stations', 'id', 'A', { last_seen_at: iso(5) });
  await db.write((trx) => updateByKey(trx, 'stations', 'id', 'B', { last_seen_at: iso(6), vendor: 'ACME' }));
  await updateByKey(db.kysely, 'stations', 'id', 'A', { last_seen_at: iso(7), vendor: null });
  const rows = await db.kysely.selectFrom('stations').select(['id', 'last_seen_at', 'vendor']).orderBy('id').execute();
  assert.deepEqual(rows, [
    { id: 'A', last_seen_at: iso(7), vendor: null },
    { id: 'B', last_seen_at: iso(6), vendor: 'ACME' },
  ]);
  await assert.rejects(updateByKey(db.kysely, 'stations', 'id', 'A', { vendor: undefined }), /no value for "vendor"/);
});
