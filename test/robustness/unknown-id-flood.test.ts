// A charger flooding CALLRESULT/CALLERROR frames for message ids we never sent: they count as
// bad messages (so the connection is closed past the limit, like any other bad frame), and only
// a per-minute sample reaches the message log, so the station's real history stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp } from '../helpers/app.ts';
import { UNMATCHED_SAMPLE_PER_MINUTE } from '../../src/protocol/rpc.ts';

const LIMIT = 40;
const FLOOD = 500;

test('unknown-id CALLRESULT/CALLERROR flood: closed at the bad-message limit, message log bounded, real frames kept', async (t) => {
  const app = await startOpenApp({ ocpp: { maxBadMessagesPerMinute: LIMIT } });
  t.after(() => app.cleanup());

  const cp = app.charger('FLOOD-CP');
  await cp.connect();
  await cp.boot();
  await cp.heartbeat();
  const other = app.charger('FLOOD-OTHER');
  await other.connect();
  await other.boot();

  const closed = cp.closed();
  for (let i = 0; i < FLOOD; i++) {
    cp.sendRaw(i % 2 === 0 ? JSON.stringify([3, `ghost-${i}`, { status: 'Accepted' }]) : JSON.stringify([4, `ghost-${i}`, 'GenericError', 'made up', {}]));
  }
  const { code, reason } = await closed;
  assert.equal(code, 1008);
  assert.equal(reason, `more than ${LIMIT} bad messages per minute`);
  await eventually(() => app.gateway.get('FLOOD-CP') === undefined, 5000, 'the gateway to drop the connection');

  const res = await app.request('GET', '/api/v1/stations/FLOOD-CP/messages?limit=500');
  assert.equal(res.status, 200, res.text);
  const ghosts = res.body.items.filter((m: any) => String(m.messageId).startsWith('ghost-'));
  assert.ok(ghosts.length <= UNMATCHED_SAMPLE_PER_MINUTE, `only a sample of the flood is stored, got ${ghosts.length}`);
  assert.ok(res.body.total <= 4 + UNMATCHED_SAMPLE_PER_MINUTE, `rows for the station stay bounded, got ${res.body.total}`);
  const real = res.body.items.filter((m: any) => m.action === 'BootNotification' || m.action === 'Heartbeat').map((m: any) => `${m.direction} ${m.action}`);
  assert.deepEqual(real.sort(), ['in BootNotification', 'in Heartbeat', 'out BootNotification', 'out Heartbeat'], 'the real frames are still there');

  // Another charger was not affected.
  await other.heartbeat();
});
