import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Insertable } from 'kysely';
import type { Db } from '../../src/db/index.ts';
import type { MessageLogTable } from '../../src/db/schema.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';
import { MIN_WAIT_MS } from '../helpers/wait.ts';

const label = dbLabel();

function logRow(i: number): Insertable<MessageLogTable> {
  return {
    station_id: `CP${i % 7}`,
    direction: i % 2 ? 'out' : 'in',
    message_type: 2,
    message_id: String(i),
    action: 'Heartbeat',
    frame: JSON.stringify([2, String(i), 'Heartbeat', {}]),
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, i)).toISOString(),
  };
}

async function loggedIds(db: Db): Promise<number[]> {
  const rows = await db.kysely.selectFrom('message_log').select('message_id').execute();
  return rows.map((r) => Number(r.message_id)).sort((a, b) => a - b);
}

function capturingLogger() {
  const lines: { level: number; msg: string; failed?: number }[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

test(`[${label}] appended rows are stored by flush(), in multi-row inserts`, async (t) => {
  const { db } = await openTestDb(t, { appendLater: { flushMs: 60_000, maxRows: 100_000 } });
  for (let i = 0; i < 1234; i++) db.appendLater('message_log', logRow(i));
  assert.deepEqual(await loggedIds(db), [], 'nothing is written before a flush is due');
  const before = db.stats;
  await db.flush();
  const after = db.stats;
  assert.deepEqual(await loggedIds(db), Array.from({ length: 1234 }, (_, i) => i));
  assert.equal(after.appendedRows - before.appendedRows, 1234);
  // 1234 rows = 4x256 + 3x64 + 1x16 + 2x1 multi-row INSERTs, in one write.
  assert.equal(after.ops - before.ops, 1);
  // Rows come back as written.
  const row = await db.kysely.selectFrom('message_log').selectAll().where('message_id', '=', '5').executeTakeFirstOrThrow();
  const { id, ...rest } = row;
  assert.equal(typeof id, 'number');
  assert.deepEqual(rest, logRow(5));
});

test(`[${label}] rows get their ids in the order they were appended, across chunks and flushes`, async (t) => {
  const { db } = await openTestDb(t, { appendLater: { flushMs: 60_000, maxRows: 300 } });
  // 1000 rows: three flushes started by maxRows while earlier ones may still run, plus
  // chunks of several sizes within each flush.
  for (let i = 0; i < 1000; i++) db.appendLater('message_log', logRow(i));
  await db.flush();
  const rows = await db.kysely.selectFrom('message_log').select('message_id').orderBy('id').execute();
  assert.deepEqual(
    rows.map((r) => Number(r.message_id)),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test(`[${label}] appended rows are flushed by the timer without a flush() call`, async (t) => {
  const { db } = await openTestDb(t, { appendLater: { flushMs: 20 } });
  for (let i = 0; i < 5; i++) db.appendLater('message_log', logRow(i));
  const deadline = Date.now() + MIN_WAIT_MS;
  while ((await loggedIds(db)).length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await loggedIds(db), [0, 1, 2, 3, 4]);
});

test(`[${label}] reaching maxRows flushes before the timer`, async (t) => {
  const { db } = await openTestDb(t, { appendLater: { flushMs: 60_000, maxRows: 50 } });
  for (let i = 0; i < 50; i++) db.appendLater('message_log', logRow(i));
  const deadline = Date.now() + MIN_WAIT_MS;
  while ((await loggedIds(db)).length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal((await loggedIds(db)).length, 50);
});

test(`[${label}] a bad row is dropped and logged; its neighbours are stored; the caller never sees an error`, async (t) => {
  const { log, lines } = capturingLogger();
  const { db } = await openTestDb(t, { log, appendLater: { flushMs: 60_000 } });
  for (let i = 0; i < 20; i++) {
    // A NOT NULL column left null: what a bug in a caller would produce.
    const row = i === 13 ? { ...logRow(i), frame: null as unknown as string } : logRow(i);
    db.appendLater('message_log', row);
  }
  await db.flush();
  assert.deepEqual(await loggedIds(db), Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 13));
  assert.equal(db.stats.failedRows, 1);
  const errors = lines.filter((l) => l.level >= 50);
  assert.equal(errors.length, 1, JSON.stringify(lines));
  assert.equal(errors[0].failed, 1);
});

test(`[${label}] beyond maxBufferedRows rows are dropped and counted, not queued without bound`, async (t) => {
  const { log, lines } = capturingLogger();
  const { db } = await openTestDb(t, { log, appendLater: { flushMs: 60_000, maxRows: 1000, maxBufferedRows: 10 } });
  for (let i = 0; i < 15; i++) db.appendLater('message_log', logRow(i));
  await db.flush();
  assert.equal((await loggedIds(db)).length, 10);
  assert.equal(db.stats.droppedRows, 5);
  assert.equal(lines.filter((l) => l.level === 40).length, 1, 'one warning, not one per row');
});

test(`[${label}] close() stores what was appended`, async (t) => {
  const { db, connection } = await openTestDb(t, { appendLater: { flushMs: 60_000 } });
  for (let i = 0; i < 30; i++) db.appendLater('message_log', logRow(i));
  await db.close();
  db.appendLater('message_log', logRow(99));
  assert.equal(db.stats.droppedRows, 1);
  // Read through a second, independent connection.
  const { openDb } = await import('../../src/db/index.ts');
  const reopened = await openDb({ ...connection, log: pino({ level: 'silent' }) });
  try {
    assert.deepEqual(await loggedIds(reopened), Array.from({ length: 30 }, (_, i) => i));
  } finally {
    await reopened.close();
  }
});
