// The unknown-stations list is bounded: anybody can knock (no authentication is needed to be
// refused), so each identity must not become a permanent row. At most
// registration.unknownStationsMaxRows rows, the least recently seen pruned, and none older than
// registration.unknownStationsRetentionDays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestApp, type TestApp } from '../helpers/app.ts';

const CAP = 15;
const EXTRA = 7;

async function knock(app: TestApp, id: string): Promise<void> {
  await assert.rejects(app.charger(id).connect(), (err: any) => err.statusCode === 401);
}

/** Waits for the clock to move on, so each knock has its own lastSeenAt (ISO milliseconds). */
async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise((r) => setTimeout(r, 1));
}

test('unknown stations: at most the cap, the most recently seen kept, old ones pruned by age; the list still works', async (t) => {
  const app = await startTestApp({ config: { registration: { unknownStationsMaxRows: CAP, unknownStationsRetentionDays: 30 } } });
  t.after(() => app.cleanup());
  const db = app.ctx.db.kysely;
  const rows = async () => (await db.selectFrom('unknown_stations').select(['id']).execute()).map((r) => r.id).sort();

  const ids = Array.from({ length: CAP + EXTRA }, (_, i) => `KNOCK-${String(i).padStart(3, '0')}`);
  for (const id of ids) {
    await knock(app, id);
    await nextMillisecond();
  }
  const newest = ids.slice(EXTRA).sort();
  // Pruned on the write path, without anybody listing: after every tenth of the cap in writes,
  // so the table may hold up to that many rows over the cap between two prunes.
  const slack = Math.ceil(CAP / 10) - 1;
  await eventually(
    async () => {
      await app.ctx.db.flush();
      const stored = await rows();
      return stored.length <= CAP + slack && newest.every((id) => stored.includes(id));
    },
    30_000,
    `at most ${CAP + slack} rows, the ${CAP} most recently seen among them`,
  );

  // The list prunes what was written since the last prune first: exactly the cap, the newest.
  const list = await app.request('GET', `/api/v1/unknown-stations?limit=100`);
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.total, CAP);
  assert.deepEqual(list.body.items.map((u: any) => u.id), [...newest].reverse(), 'most recently seen first');

  // An identity that knocked long ago goes by age, even below the cap.
  const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
  await app.ctx.db.write((trx) => trx.deleteFrom('unknown_stations').where('id', 'in', [newest[0], newest[1]]).execute());
  await app.ctx.db.write((trx) => trx.insertInto('unknown_stations').values({ id: 'KNOCK-ANCIENT', first_seen_at: longAgo, last_seen_at: longAgo, last_remote_address: '127.0.0.1', attempts: 3 }).execute());
  await knock(app, 'KNOCK-LATE');
  const after = await app.request('GET', `/api/v1/unknown-stations?limit=100`);
  assert.equal(after.status, 200);
  const listed = after.body.items.map((u: any) => u.id);
  assert.ok(!listed.includes('KNOCK-ANCIENT'), 'not seen for over 30 days: pruned');
  assert.ok(listed.includes('KNOCK-LATE'));
  assert.equal(after.body.total, CAP - 1);
  assert.ok(!(await rows()).includes('KNOCK-ANCIENT'));
});
