// WAL checkpoints in a worker thread (src/db/checkpointer.ts, ADR 0007): the writer's COMMITs
// no longer copy the WAL back into the database file, and the WAL still starts over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import pino from 'pino';
import { tempDir } from '../helpers/db.ts';
import { MIN_WAIT_MS } from '../helpers/wait.ts';
import { Checkpointer } from '../../src/db/checkpointer.ts';
import { openDb } from '../../src/db/index.ts';
import { NodeSqliteDatabase } from '../../src/db/sqlite-dialect.ts';

const log = pino({ level: 'silent' });
const tick = () => new Promise((r) => setImmediate(r));

test('checkpointer: the worker copies the WAL into the database file while the writer commits, and the WAL stays bounded', async (t) => {
  const dir = await tempDir(t, 'pb-ckpt-');
  const path = join(dir, 'c.db');
  const writer = new NodeSqliteDatabase({ path });
  t.after(() => writer.close());
  writer.raw.exec('create table t (id integer primary key, s text not null, v text not null)');
  writer.raw.exec('create index t_s on t (s)');
  const checkpointer = new Checkpointer({ path, log, startAfterCommits: 0 });
  const insert = writer.raw.prepare('insert into t (s, v) values (?, ?)');
  let maxWal = 0;
  // ~120 MB of frames in all: far beyond the writer's own 4,000-page threshold (16 MB).
  for (let batch = 0; batch < 300; batch++) {
    writer.raw.exec('begin immediate');
    for (let i = 0; i < 200; i++) insert.run(`S${(batch * 200 + i) % 997}`, 'x'.repeat(300));
    writer.raw.exec('commit');
    checkpointer.nudge();
    maxWal = Math.max(maxWal, (await stat(`${path}-wal`)).size);
    await tick();
  }
  await checkpointer.close();
  assert.ok(checkpointer.stats.checkpoints > 0, 'the worker checkpointed');
  assert.ok(maxWal < 64 * 1024 * 1024, `the WAL started over (largest ${Math.round(maxWal / 1e6)} MB)`);
  // Everything is in the database file once the WAL is checkpointed and the writer closes.
  writer.close();
  const reader = new DatabaseSync(path);
  t.after(() => reader.close());
  assert.deepEqual({ ...(reader.prepare('select count(*) as n from t').get() as object) }, { n: 60_000 });
});

test('checkpointer: not started for a short-lived database; started by openDb after enough commits, and ended by close()', async (t) => {
  const dir = await tempDir(t, 'pb-ckpt-');
  const lazy = new Checkpointer({ path: join(dir, 'none.db'), log });
  lazy.nudge();
  await lazy.close();
  assert.equal(lazy.stats.checkpoints, 0);

  const db = await openDb({ sqlitePath: join(dir, 'p.db'), databaseUrl: null, log });
  await sql`create table t (v integer not null)`.execute(db.kysely);
  for (let i = 0; i < 100; i++) await db.write((trx) => sql`insert into t (v) values (${i})`.execute(trx));
  const deadline = Date.now() + MIN_WAIT_MS;
  while (db.stats.checkpoints === 0 && Date.now() < deadline) {
    await db.write((trx) => sql`insert into t (v) values (0)`.execute(trx));
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(db.stats.checkpoints > 0, 'openDb started the worker and it checkpointed');
  await db.close();
});
