// A write() that resolved is committed: SIGKILL a writer mid-burst, reopen, and find every id
// it reported. (SIGKILL loses the process, not the OS page cache; surviving power loss is
// what the WAL fdatasync before a write resolves adds on SQLite, tested in wal-sync.test.ts,
// and what PostgreSQL's own fsync gives.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { openDb } from '../../src/db/index.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';

const fixture = fileURLToPath(new URL('./fixtures/burst-writer.ts', import.meta.url));

async function killMidBurst(connection: { databaseUrl: string | null; sqlitePath: string }, killAfter: number): Promise<number[]> {
  const child = spawn(process.execPath, [fixture], {
    env: {
      ...process.env,
      PB_SQLITE_PATH: connection.sqlitePath,
      PB_DATABASE_URL: connection.databaseUrl ?? '',
      PB_WRITERS: '200',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const ids: number[] = [];
  let ready = false;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'ready') {
      ready = true;
      continue;
    }
    ids.push(Number(line));
    if (ids.length === killAfter) child.kill('SIGKILL');
  }
  assert.ok(ready, 'the writer never started');
  assert.equal(await exited, 'SIGKILL', 'the writer must die by SIGKILL, mid-burst, not exit on its own');
  return ids;
}

test(`[${dbLabel()}] every write reported as done survives a SIGKILL of the writer`, { timeout: 120_000 }, async (t) => {
  const { db, connection } = await openTestDb(t);
  await db.close(); // the child is the only writer
  // Kill at different points of a batch.
  for (const killAfter of [300, 1111, 2500]) {
    const reported = await killMidBurst(connection, killAfter);
    assert.ok(reported.length >= killAfter, `only ${reported.length} writes were reported`);

    const reopened = await openDb({ ...connection, log: pino({ level: 'silent' }) });
    try {
      const stored = new Set(
        (await reopened.kysely.selectFrom('status_history').select('id').execute()).map((r) => r.id),
      );
      const lost = reported.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${lost.length} of ${reported.length} acknowledged writes lost`);
    } finally {
      await reopened.close();
    }
  }
});
