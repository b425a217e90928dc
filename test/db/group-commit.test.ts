import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import { isUniqueViolation } from '../../src/db/index.ts';
import type { Db } from '../../src/db/index.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

const label = dbLabel();
const now = new Date().toISOString();

function insertStatus(db: Db, stationId: string) {
  return db.write(async (trx) => {
    const row = await trx
      .insertInto('status_history')
      .values({ station_id: stationId, connector_id: 1, status: 'Available', error_code: 'NoError', received_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

async function stationIds(db: Db, table: 'status_history' | 'stations'): Promise<string[]> {
  const col = table === 'stations' ? 'id' : 'station_id';
  const rows = await db.kysely.selectFrom(table).select(sql<string>`${sql.ref(col)}`.as('s')).execute();
  return rows.map((r) => r.s).sort();
}

test(`[${label}] 1,000 concurrent writes all commit, in far fewer transactions than writes`, async (t) => {
  const { db } = await openTestDb(t);
  const before = db.stats;
  const ids = await Promise.all(Array.from({ length: 1000 }, (_, i) => insertStatus(db, `CP${i}`)));
  const after = db.stats;

  assert.equal(new Set(ids).size, 1000);
  assert.ok(ids.every((id) => typeof id === 'number'));
  assert.equal((await stationIds(db, 'status_history')).length, 1000);
  assert.equal(after.ops - before.ops, 1000);
  assert.equal(after.failedOps - before.failedOps, 0);
  const batches = after.batches - before.batches;
  assert.ok(batches <= 20, `${batches} transactions for 1000 writes`);
  if (db.dialect === 'sqlite') assert.equal(after.peakConcurrentBatches, 1, 'SQLite has a single writer');
});

test(`[${label}] a failing write rejects alone; the writes sharing its transaction still commit`, async (t) => {
  const { db } = await openTestDb(t);
  await db.write((trx) =>
    trx.insertInto('stations').values({ id: 'DUP', registration_status: 'Accepted', created_at: now, updated_at: now }).execute(),
  );
  const before = db.stats;
  const thrown = new Error('handler bug after its insert');
  const writes = Array.from({ length: 50 }, (_, i) =>
    db.write(async (trx) => {
      // i = 10: a constraint violation from the database itself.
      const id = i === 10 ? 'DUP' : `CP${i}`;
      await trx.insertInto('stations').values({ id, registration_status: 'Accepted', created_at: now, updated_at: now }).execute();
      // i = 20: the insert succeeded, then the fn failed: its insert must not survive.
      if (i === 20) throw thrown;
      return i;
    }),
  );
  const results = await Promise.allSettled(writes);
  const after = db.stats;

  assert.ok(after.batches - before.batches < 50 / 4, 'the writes shared transactions');
  const r10 = results[10];
  assert.equal(r10.status, 'rejected');
  assert.ok(isUniqueViolation((r10 as PromiseRejectedResult).reason));
  assert.deepEqual(results[20], { status: 'rejected', reason: thrown });
  for (const [i, r] of results.entries()) {
    if (i !== 10 && i !== 20) assert.deepEqual(r, { status: 'fulfilled', value: i });
  }
  const expected = ['DUP', ...Array.from({ length: 50 }, (_, i) => `CP${i}`).filter((s) => s !== 'CP10' && s !== 'CP20')].sort();
  assert.deepEqual(await stationIds(db, 'stations'), expected);
  assert.equal(after.failedOps - before.failedOps, 2);
  assert.ok(after.isolatedReruns - before.isolatedReruns >= 1, 'a batch with a failing write ran again with savepoints');
});

test(`[${label}] a batch in which every write succeeds runs each write once, with no rerun`, async (t) => {
  const { db } = await openTestDb(t);
  const before = db.stats;
  const runs = new Array(40).fill(0);
  await Promise.all(runs.map((_, i) => db.write(async (trx) => {
    runs[i]++;
    await trx.insertInto('stations').values({ id: `OK${i}`, registration_status: 'Accepted', created_at: now, updated_at: now }).execute();
  })));
  assert.deepEqual(runs, new Array(40).fill(1));
  assert.equal(db.stats.isolatedReruns - before.isolatedReruns, 0);
  assert.ok(db.stats.batches - before.batches < 40 / 4, 'the writes shared transactions');
});

test(`[${label}] a lone write that fails leaves nothing behind`, async (t) => {
  const { db } = await openTestDb(t);
  await assert.rejects(
    db.write(async (trx) => {
      await trx.insertInto('stations').values({ id: 'A', registration_status: 'Accepted', created_at: now, updated_at: now }).execute();
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.deepEqual(await stationIds(db, 'stations'), []);
  // And the next write works: the failed one did not leave a transaction open.
  await insertStatus(db, 'CP1');
  assert.deepEqual(await stationIds(db, 'status_history'), ['CP1']);
});

test(`[${label}] writes issued after a batch started go into a later batch`, async (t) => {
  const { db } = await openTestDb(t);
  const before = db.stats.batches;
  const first = insertStatus(db, 'first');
  await nextTurn();
  // The first batch is under way now; these queue behind it.
  const rest = Array.from({ length: 200 }, (_, i) => insertStatus(db, `next${i}`));
  await Promise.all([first, ...rest]);
  const batches = db.stats.batches - before;
  assert.ok(batches >= 2 && batches <= 6, `${batches} batches`);
  assert.equal((await stationIds(db, 'status_history')).length, 201);
});

test(`[${label}] an idle write starts within one turn of the event loop`, async (t) => {
  if (label === 'postgres') {
    t.skip('BEGIN waits for a network round trip on PostgreSQL');
    return;
  }
  const { db } = await openTestDb(t);
  await insertStatus(db, 'warm-up');
  let started = false;
  const p = db.write(async (trx) => {
    started = true;
    await trx.selectFrom('stations').select('id').execute();
  });
  await nextTurn();
  await nextTurn();
  assert.ok(started, 'the write fn had not started after one turn');
  await p;
});

test(`[${label}] the transaction object is dead after its batch`, async (t) => {
  const { db } = await openTestDb(t);
  const leaked = await db.write(async (trx) => trx);
  await assert.rejects(leaked.selectFrom('stations').selectAll().execute());
});

test(`[${label}] close() lets queued writes finish, then refuses new ones`, async (t) => {
  const { db } = await openTestDb(t);
  const queued = Array.from({ length: 20 }, (_, i) => insertStatus(db, `CP${i}`));
  const closing = db.close();
  await assert.rejects(insertStatus(db, 'late'), /closed/);
  const ids = await Promise.all(queued);
  await closing;
  assert.equal(ids.length, 20);
});

test(`[${label}] PostgreSQL: a write chosen as deadlock victim runs again and succeeds`, async (t) => {
  if (label !== 'postgres') {
    t.skip('only concurrent PostgreSQL transactions can deadlock');
    return;
  }
  const { db } = await openTestDb(t, { groupCommit: { maxConcurrentBatches: 2 } });
  await db.write((trx) =>
    trx
      .insertInto('stations')
      .values(['A', 'B'].map((id) => ({ id, registration_status: 'Accepted' as const, created_at: now, updated_at: now })))
      .execute(),
  );
  let runs = 0;
  // Two writes in the same turn with two free slots: two concurrent transactions, each
  // locking the rows in the opposite order.
  const lockBoth = (first: string, second: string) =>
    db.write(async (trx) => {
      runs++;
      await trx.updateTable('stations').set({ vendor: first }).where('id', '=', first).execute();
      await new Promise((r) => setTimeout(r, 150));
      await trx.updateTable('stations').set({ vendor: first }).where('id', '=', second).execute();
      return first;
    });
  const before = db.stats;
  assert.deepEqual(await Promise.all([lockBoth('A', 'B'), lockBoth('B', 'A')]), ['A', 'B']);
  assert.equal(db.stats.retriedOps - before.retriedOps, 1);
  assert.equal(runs, 3);
});

test(`[${label}] flush() waits for the writes issued before it, not for a steady stream after it`, async (t) => {
  const { db } = await openTestDb(t);
  let stop = false;
  const streams = Array.from({ length: 20 }, async (_, n) => {
    while (!stop) await insertStatus(db, `stream${n}`);
  });
  await new Promise((r) => setTimeout(r, 20));
  let markerDone = false;
  void insertStatus(db, 'marker').then(() => (markerDone = true));
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
  const outcome = await Promise.race([db.flush().then(() => 'flushed' as const), timeout]);
  stop = true;
  await Promise.all(streams);
  assert.equal(outcome, 'flushed');
  assert.ok(markerDone, 'flush() returned before an earlier write had committed');
});
