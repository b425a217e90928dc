import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, eventually } from '../helpers/app.ts';

test('every frame in and out is kept in the charger\'s message log, filterable by action', async () => {
  const app = await startOpenApp();
  try {
    const cp = app.charger('CP-LOG');
    await cp.connect();
    await cp.boot();
    await cp.heartbeat();
    await app.ctx.services.stations.getConfiguration('CP-LOG', { key: ['HeartbeatInterval'] });
    cp.sendRaw('this is not json');
    await cp.nextFrame();
    const log = app.ctx.services.messageLog;
    const rows = await eventually(async () => {
      const r = await log.list({ stationId: 'CP-LOG', limit: 50 });
      return r.length >= 8 ? r : null;
    }, 5000, 'message log rows');
    const summary = rows.reverse().map((r) => `${r.direction} ${r.message_type} ${r.action ?? '-'}`);
    assert.deepEqual(summary, [
      'in 2 BootNotification',
      'out 3 BootNotification',
      'in 2 Heartbeat',
      'out 3 Heartbeat',
      'out 2 GetConfiguration',
      'in 3 GetConfiguration',
      'in 0 -',
      'out 4 -',
    ]);
    assert.equal(rows[6].frame, 'this is not json', 'the raw frame is kept verbatim');
    const boots = await log.list({ stationId: 'CP-LOG', action: 'BootNotification' });
    assert.equal(boots.length, 2);
    assert.ok(JSON.parse(boots[1].frame)[3].chargePointVendor);
  } finally {
    await app.cleanup();
  }
});

test('retention removes rows older than retentionDays and beyond maxRowsPerStation', async () => {
  const app = await startOpenApp({ messageLog: { retentionDays: 1, maxRowsPerStation: 100 } });
  try {
    const { db } = app.ctx;
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const now = new Date().toISOString();
    const row = (station: string, i: number, at: string) => ({ station_id: station, direction: 'in' as const, message_type: 2, message_id: String(i), action: 'Heartbeat', frame: `[2,"${i}","Heartbeat",{}]`, created_at: at });
    await db.write(async (trx) => {
      await trx.insertInto('message_log').values(Array.from({ length: 10 }, (_, i) => row('OLD', i, old))).execute();
      for (let i = 0; i < 150; i += 50) await trx.insertInto('message_log').values(Array.from({ length: 50 }, (_, j) => row('BUSY', i + j, now))).execute();
    });
    const removed = await app.ctx.services.messageLog.prune();
    assert.equal(removed, 60);
    const left = await db.kysely.selectFrom('message_log').select(['station_id', 'message_id']).orderBy('id').execute();
    assert.equal(left.filter((r) => r.station_id === 'OLD').length, 0);
    const busy = left.filter((r) => r.station_id === 'BUSY');
    assert.equal(busy.length, 100);
    assert.equal(busy[0].message_id, '50', 'the newest rows are kept');
  } finally {
    await app.cleanup();
  }
});
