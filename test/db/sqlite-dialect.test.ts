// The node:sqlite adapter itself; runs whatever DATABASE_URL says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { tempDir } from '../helpers/db.ts';
import { openDb } from '../../src/db/index.ts';
import { NodeSqliteDatabase } from '../../src/db/sqlite-dialect.ts';

test('sqlite: the file and its missing parent directories are created, with the expected pragmas', async (t) => {
  const dir = await tempDir(t, 'pb-sqlite-');
  const path = join(dir, 'a', 'b', 'plugboard.db');
  const db = await openDb({ sqlitePath: path, databaseUrl: null, log: pino({ level: 'silent' }) });
  t.after(() => db.close());
  assert.equal(db.dialect, 'sqlite');
  assert.ok((await stat(path)).isFile());
  const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db.kysely)).rows[0] as object)[0];
  assert.equal(await pragma('journal_mode'), 'wal');
  // NORMAL: COMMIT does not fsync on the event loop; WalSync does it in the thread pool
  // before a write resolves (ADR 0007, tested in wal-sync.test.ts).
  assert.equal(await pragma('synchronous'), 1, 'synchronous=NORMAL');
  assert.equal(await pragma('foreign_keys'), 1);
  assert.equal(await pragma('busy_timeout'), 5000);
});

test('sqlite: prepared statements are cached by SQL text, least recently used evicted first', async (t) => {
  const dir = await tempDir(t, 'pb-sqlite-');
  const db = new NodeSqliteDatabase({ path: join(dir, 'x.db'), statementCacheSize: 3 });
  t.after(() => db.close());
  const a = db.prepare('select 1');
  const b = db.prepare('select 2');
  db.prepare('select 3');
  assert.equal(db.prepare('select 1'), a, 'a hit returns the same statement');
  db.prepare('select 4'); // evicts 'select 2', the least recently used
  assert.equal(db.cachedStatements, 3);
  assert.equal(db.prepare('select 1'), a);
  assert.notEqual(db.prepare('select 2'), b, 'evicted statements are prepared anew');
});

test('sqlite: statements that return rows are readers, including INSERT ... RETURNING; rows are plain objects', async (t) => {
  const dir = await tempDir(t, 'pb-sqlite-');
  const db = new NodeSqliteDatabase({ path: join(dir, 'x.db') });
  t.after(() => db.close());
  db.prepare('create table t (id integer primary key autoincrement, v text)').run([]);
  const insert = db.prepare('insert into t (v) values (?)');
  assert.equal(insert.reader, false);
  assert.deepEqual(insert.run(['a']), { changes: 1, lastInsertRowid: 1 });
  const returning = db.prepare('insert into t (v) values (?) returning id, v');
  assert.equal(returning.reader, true);
  const rows = returning.all(['b']);
  assert.deepEqual(rows, [{ id: 2, v: 'b' }]);
  assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype);
  assert.deepEqual([...db.prepare('select v from t order by id').iterate([])], [{ v: 'a' }, { v: 'b' }]);
});

test('sqlite: a write transaction takes the write lock at BEGIN (IMMEDIATE), not halfway through', async (t) => {
  const dir = await tempDir(t, 'pb-sqlite-');
  const path = join(dir, 'x.db');
  const log = pino({ level: 'silent' });
  const db = await openDb({ sqlitePath: path, log });
  t.after(() => db.close());
  await sql`create table t (v integer)`.execute(db.kysely);
  // Another connection, as another process would have, with no busy wait.
  const other = new NodeSqliteDatabase({ path, busyTimeoutMs: 0 });
  t.after(() => other.close());
  await db.write(async (trx) => {
    await sql`select count(*) from t`.execute(trx);
    // BEGIN IMMEDIATE already holds the RESERVED lock: the other writer is refused at once.
    assert.throws(() => other.prepare('insert into t (v) values (1)').run([]), /locked|busy/i);
    await sql`insert into t (v) values (2)`.execute(trx);
  });
  other.prepare('insert into t (v) values (3)').run([]);
  const rows = await sql<{ v: number }>`select v from t order by v`.execute(db.kysely);
  assert.deepEqual(rows.rows, [{ v: 2 }, { v: 3 }]);
});

test('sqlite: a new database file and its -wal and -shm files are readable by their owner only (0600, like secret.key)', { skip: process.platform === 'win32' }, async (t) => {
  const dir = await tempDir(t, 'pb-sqlite-mode-');
  const path = join(dir, 'data', 'plugboard.db');
  const db = await openDb({ sqlitePath: path, databaseUrl: null, log: pino({ level: 'silent' }) });
  t.after(() => db.close());
  await db.write((trx) => sql`create table t (v integer)`.execute(trx));
  const mode = async (p: string) => (await stat(p)).mode & 0o777;
  assert.equal(await mode(path), 0o600, 'database file');
  assert.equal(await mode(`${path}-wal`), 0o600, '-wal');
  assert.equal(await mode(`${path}-shm`), 0o600, '-shm');
  assert.equal(await mode(join(dir, 'data')), 0o700, 'the directory created for it');
});

test('sqlite: an existing database file others may read keeps its mode, with a warning', { skip: process.platform === 'win32' }, async (t) => {
  const dir = await tempDir(t, 'pb-sqlite-mode-');
  const path = join(dir, 'old.db');
  await writeFile(path, '');
  await chmod(path, 0o644);
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const db = await openDb({ sqlitePath: path, databaseUrl: null, log });
  t.after(() => db.close());
  assert.equal((await stat(path)).mode & 0o777, 0o644);
  assert.ok(lines.some((l) => /readable by other users.*chmod 600/.test(l)), lines.join('\n'));
});
