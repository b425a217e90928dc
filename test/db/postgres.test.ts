import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pino from 'pino';
import { openDb } from '../../src/db/index.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

const skip = dbLabel() === 'postgres' ? false : 'PostgreSQL tests: skipped, DATABASE_URL is not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)';

test('postgres: BIGINT and BIGSERIAL come back as numbers, NUMERIC as exact strings', { skip }, async (t) => {
  const { db } = await openTestDb(t);
  const { rows } = await sql<{ big: unknown; cnt: unknown; num: unknown }>`
    select 9007199254740991::bigint as big, count(*) as cnt, 12.3456789012345678901::numeric as num`.execute(db.kysely);
  assert.deepEqual(rows, [{ big: 9007199254740991, cnt: 1, num: '12.3456789012345678901' }]);
});

test('postgres: the pool serves reads while write batches are in flight', { skip }, async (t) => {
  const { db } = await openTestDb(t, { poolSize: 3 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  // Holds a transaction open until the read below has completed.
  const write = db.write(async (trx) => {
    await trx.insertInto('stations').values({ id: 'A', registration_status: 'Accepted', created_at: 'x', updated_at: 'x' }).execute();
    await gate;
  });
  const rows = await db.kysely.selectFrom('stations').select('id').execute();
  assert.deepEqual(rows, [], 'the uncommitted row is invisible to other connections');
  release();
  await write;
  assert.deepEqual(await db.kysely.selectFrom('stations').select('id').execute(), [{ id: 'A' }]);
});

test('postgres: introspection (and so the Migrator) sees the current schema only', { skip }, async (t) => {
  const mine = await openTestDb(t);
  const other = await openTestDb(t);
  await sql`create table only_elsewhere (id integer)`.execute(other.db.kysely);
  const names = (await mine.db.kysely.introspection.getTables()).map((tb) => tb.name);
  assert.ok(names.includes('stations'));
  assert.ok(!names.includes('only_elsewhere'));
  assert.equal(names.length, new Set(names).size, 'each table once, not once per schema');
  const withKysely = await mine.db.kysely.introspection.getTables({ withInternalKyselyTables: true });
  assert.ok(withKysely.some((tb) => tb.name === 'kysely_migration'));
  const txId = (await mine.db.kysely.introspection.getTables()).find((tb) => tb.name === 'transactions')!.columns.find((c) => c.name === 'id')!;
  assert.equal(txId.isAutoIncrementing, true);
  assert.equal(txId.dataType, 'int4', 'transactionId is SERIAL (int4) on PostgreSQL');
});

test('postgres: a connection with synchronous_commit=off gets one warning at start, saying acknowledged writes can be lost and how to fix it', { skip }, async (t) => {
  const open = async (options: string | null) => {
    const url = new URL(process.env.DATABASE_URL!);
    if (options) url.searchParams.set('options', options);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const db = await openDb({ databaseUrl: url.toString(), sqlitePath: '', log, poolSize: 1 });
    t.after(() => db.close());
    return lines.map((l) => JSON.parse(l) as { level: number; msg: string; synchronousCommit?: string }).filter((l) => /synchronous_commit/.test(l.msg));
  };
  // Per connection (the URL's options), so the shared server's settings are left alone.
  const off = await open('-c synchronous_commit=off');
  assert.equal(off.length, 1, 'one warning');
  assert.equal(off[0].level, 40, 'warn');
  assert.equal(off[0].synchronousCommit, 'off');
  assert.match(off[0].msg, /can be lost if the database server crashes/);
  assert.match(off[0].msg, /synchronous_commit = on/);
  assert.deepEqual(await open(null), [], 'no warning with the default (on)');
  assert.deepEqual(await open('-c synchronous_commit=local'), [], 'local still flushes this server\'s WAL');
});
