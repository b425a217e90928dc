// SIGTERM under load: a real `plugboard serve` child, chargers sending MeterValues without
// pause (a few in flight each), SIGTERM mid-stream. Plugboard stops reading, answers every CALL
// it had read (their data committed first), then closes each socket with 1001 and exits 0.
// Afterwards, every stored sample must have been answered (nothing committed and left
// unanswered, which the charger would resend) and every answered one stored. Runs on SQLite,
// or on PostgreSQL with DATABASE_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { SimulatedCharger } from '../../src/simulator/charger.ts';
import { isolatedDatabase } from '../fixtures/database.ts';
import { startServerProcess } from '../fixtures/server-process.ts';

const CHARGERS = 20;
/** CALLs each charger keeps in flight */
const WINDOW = 3;
/** answers after which the server gets SIGTERM */
const SIGTERM_AFTER = 300;
const BASE_TIME = Date.parse('2026-11-05T08:00:00.000Z');

test('SIGTERM during a stream of MeterValues: every CALL read is answered before the 1001 close, nothing stored unanswered, exit 0', async (t) => {
  const db = await isolatedDatabase();
  t.after(() => db.drop());
  const server = await startServerProcess({ env: { ...db.env(), PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'true', PLUGBOARD_ALLOW_CONCURRENT_TX: 'true' } });
  t.after(() => server.kill('SIGKILL'));

  const chargers = await Promise.all(
    Array.from({ length: CHARGERS }, async (_, i) => {
      const cp = new SimulatedCharger({ url: server.ocppUrl, stationId: `TERM-${String(i).padStart(2, '0')}`, callTimeoutMs: 30_000 });
      await cp.connect();
      assert.equal((await cp.boot()).status, 'Accepted');
      const { transactionId } = await cp.startTransaction(1, `TAG-${i}`, 0, new Date(BASE_TIME).toISOString());
      return { cp, transactionId, closed: cp.closed() };
    }),
  );

  // A power sample whose value names the message: charger index * 1e6 + n.
  const sent = new Set<string>();
  const answered = new Set<string>();
  let sigtermAt = -1;
  const stream = (c: number, lane: number) => async () => {
    const { cp, transactionId } = chargers[c];
    for (let n = lane; ; n += WINDOW) {
      if (cp.ws?.readyState !== WebSocket.OPEN) return;
      const value = String(c * 1_000_000 + n);
      sent.add(value);
      const payload = { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date(BASE_TIME + (n + 1) * 1000).toISOString(), sampledValue: [{ value, measurand: 'Power.Active.Import', unit: 'W' }] }] };
      try {
        await cp.call('MeterValues', payload);
      } catch {
        return; // the connection closed before an answer
      }
      answered.add(value);
      if (sigtermAt < 0 && answered.size >= SIGTERM_AFTER) {
        sigtermAt = answered.size;
        server.child.kill('SIGTERM');
      }
    }
  };
  await Promise.all(chargers.flatMap((_, c) => Array.from({ length: WINDOW }, (_, lane) => stream(c, lane)())));

  const exit = await server.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, `exit 0 after SIGTERM; logs:\n${server.recentLogs().slice(-8).join('\n')}`);
  for (const { cp, closed } of chargers) assert.equal((await closed).code, 1001, `${cp.stationId} closed with 1001 Going Away`);
  assert.ok(sigtermAt >= SIGTERM_AFTER);
  assert.ok(sent.size > answered.size, `some CALLs were left unread (${sent.size} sent, ${answered.size} answered)`);

  const reopened = await db.open();
  t.after(() => reopened.close());
  const stored = new Set((await reopened.kysely.selectFrom('meter_values').select('value').where('measurand', '=', 'Power.Active.Import').execute()).map((r) => r.value));
  const storedUnanswered = [...stored].filter((v) => !answered.has(v));
  assert.deepEqual(storedUnanswered, [], 'stored (committed) but never answered: the server closed on a CALL it had read');
  const answeredLost = [...answered].filter((v) => !stored.has(v));
  assert.deepEqual(answeredLost, [], 'answered but not stored');
  assert.ok(answered.size > sigtermAt, `CALLs in flight at SIGTERM were answered (${answered.size - sigtermAt} after it)`);
});
