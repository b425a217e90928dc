// Security events are kept by age and by count per station: a station flooding
// SecurityEventNotification cannot grow the table without bound, and the newest are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp } from '../helpers/app.ts';
import { acceptedCharger } from '../e2e/support.ts';

test('security events: retention by age (arrival) and by rows per station, newest kept', async (t) => {
  const app = await startOpenApp({ securityEvents: { retentionDays: 30, maxRowsPerStation: 100 } });
  t.after(() => app.cleanup());
  const flood = await acceptedCharger(app, 'SEC-FLOOD');
  for (let i = 0; i < 130; i++) {
    assert.deepEqual(await flood.call('SecurityEventNotification', { type: 'InvalidMessages', timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), techInfo: `#${i}` }), {});
  }
  const quiet = await acceptedCharger(app, 'SEC-QUIET');
  for (let i = 0; i < 3; i++) await quiet.call('SecurityEventNotification', { type: 'SettingSystemTime', timestamp: '2026-01-02T00:00:00Z', techInfo: `q${i}` });
  // One event that arrived long ago (as if stored 40 days back).
  const old = new Date(app.ctx.now().getTime() - 40 * 86_400_000).toISOString();
  await app.ctx.db.write((trx) =>
    trx.insertInto('security_events').values({ station_id: 'SEC-QUIET', type: 'ResetOrReboot', source: 'station', timestamp: old, tech_info: 'old', critical: 1, received_at: old }).execute(),
  );

  assert.equal(await app.ctx.services.security.prune(), 31);
  const rows = (stationId: string) => app.ctx.db.kysely.selectFrom('security_events').select(['tech_info']).where('station_id', '=', stationId).orderBy('id').execute();
  const flooded = await rows('SEC-FLOOD');
  assert.equal(flooded.length, 100);
  assert.equal(flooded[0].tech_info, '#30', 'the oldest 30 went, the newest 100 stay');
  assert.equal(flooded.at(-1)?.tech_info, '#129');
  assert.deepEqual((await rows('SEC-QUIET')).map((r) => r.tech_info), ['q0', 'q1', 'q2']);
  assert.equal(await app.ctx.services.security.prune(), 0);
});
