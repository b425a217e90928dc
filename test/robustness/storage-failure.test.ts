// Storage is fail-stop (ADR 0007): after a failed WAL fdatasync nothing more may be
// acknowledged, and a real `plugboard serve` must log one fatal line and exit with code 70 so
// that recovery at the next start decides what is on disk. The disk fails through the test-only
// hook PLUGBOARD_TEST_FAIL_FSYNC_IF_EXISTS (src/db/index.ts): every fdatasync fails with EIO
// while the named file exists. SQLite only (PostgreSQL does its own fsyncs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimulatedCharger } from '../../src/simulator/charger.ts';
import { isolatedDatabase } from '../fixtures/database.ts';
import { startServerProcess } from '../fixtures/server-process.ts';

test('a failed WAL fdatasync makes serve log a fatal line and exit 70, with the MeterValues it covered unanswered', async (t) => {
  const db = await isolatedDatabase(null);
  t.after(() => db.drop());
  const trigger = join(db.dir, 'fail-fsync-now');
  const server = await startServerProcess({ env: { ...db.env(), PLUGBOARD_TEST_FAIL_FSYNC_IF_EXISTS: trigger } });
  t.after(() => server.kill('SIGKILL'));
  assert.ok(server.recentLogs().some((l) => l.includes('test-only hook active')), 'the hook announces itself');

  const cp = new SimulatedCharger({ url: server.ocppUrl, stationId: 'FSYNC-FAIL', callTimeoutMs: 60_000 });
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  const { transactionId } = await cp.startTransaction(1, 'TAG-FSYNC', 1000, '2026-11-03T10:00:00.000Z');
  const meter = (value: string) => ({ connectorId: 1, transactionId, meterValue: [{ timestamp: '2026-11-03T10:01:00.000Z', sampledValue: [{ value, measurand: 'Power.Active.Import', unit: 'W' }] }] });
  assert.deepEqual(await cp.call('MeterValues', meter('1')), {}, 'answered while the disk works');

  await writeFile(trigger, '');
  const outcome = await cp.call('MeterValues', meter('2')).then(
    (payload: unknown) => `answered ${JSON.stringify(payload)}`,
    (err: Error) => `not answered: ${err.message}`,
  );
  assert.match(outcome, /^not answered/, 'no CALLRESULT for a write whose fdatasync failed');

  const exit = await server.exited;
  assert.deepEqual(exit, { code: 70, signal: null }, `exit code 70 (EX_SOFTWARE), logs:\n${server.recentLogs().slice(-10).join('\n')}`);
  const fatal = server.recentLogs().flatMap((l) => {
    try {
      const line = JSON.parse(l) as { level: number; msg: string };
      return line.level === 60 ? [line.msg] : [];
    } catch {
      return [];
    }
  });
  assert.ok(fatal.some((m) => /storage failed: Plugboard stops/.test(m)), `a fatal line saying why it stopped: ${JSON.stringify(fatal)}`);

  // What was acknowledged before the failure is there after the restart's recovery.
  const reopened = await db.open();
  t.after(() => reopened.close());
  const values = (await reopened.kysely.selectFrom('meter_values').select('value').where('transaction_id', '=', transactionId).execute()).map((r) => r.value);
  assert.ok(values.includes('1'), `the acknowledged value is stored: ${JSON.stringify(values)}`);
});
