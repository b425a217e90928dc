// SQLite durability off the event loop (ADR 0007): COMMIT runs with synchronous=NORMAL, and a
// write() resolves only after an fdatasync of the WAL that started after its COMMIT.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { pbkdf2 } from 'node:crypto';
import { join } from 'node:path';
import { sql, Kysely } from 'kysely';
import pino from 'pino';
import { tempDir } from '../helpers/db.ts';
import { openDb } from '../../src/db/index.ts';
import { GroupCommitter } from '../../src/db/group-commit.ts';
import { NodeSqliteDialect } from '../../src/db/sqlite-dialect.ts';
import { WalSync } from '../../src/db/wal-sync.ts';

const log = pino({ level: 'silent' });

/** A disk whose fdatasync completes only when the test says so. */
function heldDisk() {
  const waiting: Array<{ fd: number; done: (err?: Error) => void }> = [];
  let calls = 0;
  return {
    sync: (fd: number) =>
      new Promise<void>((resolve, reject) => {
        calls++;
        waiting.push({ fd, done: (err) => (err ? reject(err) : resolve()) });
      }),
    get calls() {
      return calls;
    },
    get waiting() {
      return waiting.length;
    },
    complete(err?: Error) {
      waiting.shift()!.done(err);
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

async function openCommitter(t: TestContext, disk: ReturnType<typeof heldDisk>, onStorageFailure?: (err: Error) => void) {
  const dir = await tempDir(t, 'pb-walsync-');
  const dialect = new NodeSqliteDialect({ path: join(dir, 'w.db'), syncWal: disk.sync });
  const kysely = new Kysely<{ t: { v: number } }>({ dialect });
  t.after(() => kysely.destroy());
  await sql`create table t (v integer not null)`.execute(kysely);
  const walSync = dialect.database.walSync!;
  const committer = new GroupCommitter(kysely, { dialect: 'sqlite', log, maxBatchOps: 500, maxConcurrentBatches: 1, durable: () => walSync.sync(), onStorageFailure });
  return { kysely, committer, walSync, dir };
}

test('wal sync: a write resolves only after the WAL fdatasync that follows its COMMIT', async (t) => {
  const disk = heldDisk();
  const { kysely, committer, dir } = await openCommitter(t, disk);
  let resolved = false;
  const w = committer.enqueue((trx) => trx.insertInto('t').values({ v: 1 }).execute()).then(() => (resolved = true));
  while (disk.waiting === 0) await tick();
  // Committed (visible, in the WAL file) but not yet acknowledged.
  assert.equal((await kysely.selectFrom('t').selectAll().execute()).length, 1);
  assert.ok((await stat(join(dir, 'w.db-wal'))).size > 0, 'the WAL file holds the commit');
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(resolved, false, 'not acknowledged before the fsync completed');
  disk.complete();
  await w;
  assert.equal(resolved, true);
});

test('wal sync: a batch committed during a sync starts a second at once; later ones share the next, and nobody waits for a sync that started before their COMMIT', async (t) => {
  const disk = heldDisk();
  const { committer, walSync } = await openCommitter(t, disk);
  const settled: number[] = [];
  const write = (v: number) => committer.enqueue((trx) => trx.insertInto('t').values({ v }).execute()).then(() => settled.push(v));
  const first = write(1);
  while (disk.waiting === 0) await tick();
  // The event loop is free: more batches commit while the first fsync is in flight.
  const later: Promise<unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    later.push(write(2 + i));
    for (let k = 0; k < 3; k++) await tick();
  }
  assert.ok(committer.stats.batches >= 3, `${committer.stats.batches} batches committed meanwhile`);
  assert.equal(disk.calls, 2, 'two fsyncs in flight at most: the second started for the batch committed after the first began');
  disk.complete();
  await first;
  assert.deepEqual(settled, [1], 'the first fsync covers only the first batch');
  while (disk.calls < 3) await tick();
  disk.complete();
  await later[0];
  assert.deepEqual(settled, [1, 2], 'the second fsync covers the batch committed before it started');
  disk.complete();
  await Promise.all(later);
  assert.equal(walSync.stats.walSyncs, 3, 'the remaining batches shared the third fsync');
});

test('wal sync: a failed fdatasync rejects its batch, then storage is fail-stop: every later write is refused without running, and the owner is told once', async (t) => {
  const disk = heldDisk();
  const failures: Error[] = [];
  const { committer, walSync } = await openCommitter(t, disk, (err) => failures.push(err));
  const w = committer.enqueue((trx) => trx.insertInto('t').values({ v: 1 }).execute());
  while (disk.waiting === 0) await tick();
  disk.complete(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  await assert.rejects(w, /EIO/);
  assert.equal(failures.length, 1, 'told once');
  assert.match(failures[0].message, /storage failed \(EIO.*every write is refused/);
  // A later fsync could "succeed" without writing (Linux may have marked the pages clean): no
  // later write may be acknowledged, nor even run.
  let ran = false;
  await assert.rejects(
    committer.enqueue(async (trx) => {
      ran = true;
      await trx.insertInto('t').values({ v: 2 }).execute();
    }),
    (err: Error & { code?: string }) => err.code === 'STORAGE_FAILED',
  );
  assert.equal(ran, false, 'the refused write never ran');
  assert.equal(disk.calls, 1, 'no further fdatasync');
  await assert.rejects(walSync.sync(), /EIO/, 'the WAL sync itself stays failed');
  assert.equal(failures.length, 1);
});

test('wal sync: a sync thread that exits leaves the pool; a sync it held fails (fail-stop), an idle one is replaced', async (t) => {
  const dir = await tempDir(t, 'pb-walsync-exit-');
  const path = join(dir, 'x.db');
  const dialect = new NodeSqliteDialect({ path });
  const kysely = new Kysely<{ t: { v: number } }>({ dialect });
  t.after(() => kysely.destroy());
  await sql`create table t (v integer not null)`.execute(kysely);
  const walSync = dialect.database.walSync!;
  await walSync.sync();
  assert.equal(walSync.threads.length, 1);
  // An idle thread exits: the next sync must not be posted to it and hang, but start another.
  const [first] = walSync.threads;
  await first.terminate();
  await walSync.sync();
  assert.equal(walSync.threads.length, 1);
  assert.notEqual(walSync.threads[0], first, 'a new thread');
  // A thread that exits while it holds a sync: that sync settles (never hangs).
  const pending = walSync.sync();
  void walSync.threads[0].terminate();
  const outcome = await pending.then(
    () => 'synced',
    (err: Error) => err.message,
  );
  assert.ok(outcome === 'synced' || /WAL sync thread exited/.test(outcome), outcome);
});

test('wal sync: openDb on a real file fsyncs the WAL for its writes, and close waits for the sync', async (t) => {
  const dir = await tempDir(t, 'pb-walsync-');
  const db = await openDb({ sqlitePath: join(dir, 'p.db'), databaseUrl: null, log });
  await sql`create table t (v integer not null)`.execute(db.kysely);
  await Promise.all(Array.from({ length: 50 }, (_, i) => db.write((trx) => sql`insert into t (v) values (${i})`.execute(trx))));
  assert.ok(db.stats.walSyncs >= 1 && db.stats.walSyncs <= db.stats.batches, `${db.stats.walSyncs} syncs for ${db.stats.batches} batches`);
  const pending = db.write((trx) => sql`insert into t (v) values (99)`.execute(trx));
  await db.close();
  await pending;
});

test('wal sync: the fsync does not queue in libuv\'s thread pool: writes resolve while slow jobs hold all of its threads', async (t) => {
  const dir = await tempDir(t, 'pb-walsync-');
  const db = await openDb({ sqlitePath: join(dir, 'pool.db'), databaseUrl: null, log });
  t.after(() => db.close());
  await sql`create table t (v integer not null)`.execute(db.kysely);
  await db.write((trx) => sql`insert into t (v) values (0)`.execute(trx));
  // Eight slow jobs: twice the pool's four threads (a stuck DNS lookup, a burst of scrypt runs...).
  let poolJobsDone = 0;
  const started = performance.now();
  const poolJobs = Array.from({ length: 8 }, () =>
    new Promise<void>((resolve, reject) => pbkdf2('x', 'salt', 400_000, 32, 'sha256', (err) => (err ? reject(err) : resolve()))).then(() => {
      poolJobsDone++;
    }),
  );
  await db.write((trx) => sql`insert into t (v) values (1)`.execute(trx));
  const writeMs = performance.now() - started;
  const doneAtWrite = poolJobsDone;
  await Promise.all(poolJobs);
  const poolMs = performance.now() - started;
  assert.equal(doneAtWrite, 0, `the write resolved after ${Math.round(writeMs)} ms, before any pool job (they took ${Math.round(poolMs)} ms)`);
});

test('wal sync: an in-memory database has nothing to sync', () => {
  const dialect = new NodeSqliteDialect({ path: ':memory:' });
  assert.equal(dialect.database.walSync, null);
  dialect.database.close();
});

test('wal sync: sync() after release() rejects', async (t) => {
  const dir = await tempDir(t, 'pb-walsync-');
  const w = new WalSync(join(dir, 'none.db'));
  w.release();
  await assert.rejects(w.sync(), /closed/);
});
