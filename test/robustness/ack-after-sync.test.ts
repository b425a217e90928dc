// ADR 0002/0007, end to end: a MeterValues gets its CALLRESULT only after the WAL fdatasync
// covering its COMMIT has completed. A real Plugboard on a SQLite file, real WebSocket chargers;
// the disk (OpenDbOptions.syncWal) completes syncs at once until the test holds it, then keeps
// every sync waiting until the test releases it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startTestApp } from '../helpers/app.ts';
import { acceptedCharger, startCharging } from '../e2e/support.ts';

function holdableDisk() {
  let holding = false;
  const held: Array<() => void> = [];
  let completed = 0;
  return {
    sync(): Promise<void> {
      if (!holding) {
        completed++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) =>
        held.push(() => {
          completed++;
          resolve();
        }),
      );
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const done of held.splice(0)) done();
    },
    /** syncs requested since hold(), not yet completed */
    get held() {
      return held.length;
    },
    get completed() {
      return completed;
    },
  };
}

test('no MeterValues CALLRESULT before the fdatasync of its COMMIT completes; it arrives once the disk does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-ack-sync-'));
  const disk = holdableDisk();
  // SQLite whatever DATABASE_URL says: the WAL sync is SQLite's (PostgreSQL syncs in its server).
  const app = await startTestApp({ config: { ocpp: { allowUnsecured: true } }, reuse: { databaseUrl: null, sqlitePath: join(dir, 'ack.db') }, syncWal: () => disk.sync() });
  t.after(async () => {
    disk.release();
    await app.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  await app.ctx.services.authorization.upsertToken({ idTag: 'TAG-ACK' });
  const cp = await acceptedCharger(app, 'ACK_SYNC');
  const peer = await acceptedCharger(app, 'ACK_SYNC_PEER');
  const tx = await startCharging(cp, 'TAG-ACK');

  disk.hold();
  const completedAtHold = disk.completed;
  let answer: unknown = null;
  const call = cp
    .call('MeterValues', { connectorId: 1, transactionId: tx, meterValue: [{ timestamp: '2026-11-04T10:00:00.000Z', sampledValue: [{ value: '4242', measurand: 'Power.Active.Import', unit: 'W' }] }] })
    .then((payload: unknown) => (answer = payload));
  // The row is committed (visible to a reader) and its batch's sync was requested: it is held.
  await eventually(async () => {
    const row = await app.ctx.db.kysely.selectFrom('meter_values').select('id').where('transaction_id', '=', tx).where('value', '=', '4242').executeTakeFirst();
    return row !== undefined && disk.held > 0;
  }, 10_000, 'the MeterValues row committed and a sync held');
  assert.equal(disk.completed, completedAtHold, 'no sync completed since the hold');
  // The server still answers what needs no durable write: a full round trip on another
  // connection, after the MeterValues was handled up to its COMMIT.
  assert.ok((await peer.heartbeat()).currentTime);
  assert.equal(answer, null, 'no CALLRESULT while the sync of its COMMIT is held');

  disk.release();
  assert.deepEqual(await call, {});
  assert.ok(disk.completed > completedAtHold);
});
