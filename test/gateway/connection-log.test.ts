// A connection's child logger is made on first use (pino's child() is costly per charger in a
// boot storm): the connect/disconnect lines still name the charger when info is enabled, and a
// connection that logs nothing at the configured level makes no child logger at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { closed, openClient, startGateway, waitFor } from './helpers.ts';

test('connect and disconnect lines carry the charge point id; later warnings too', async (t) => {
  const h = await startGateway();
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'LOG-1');
  await waitFor(() => h.connected.length === 1);
  const conn = h.connected[0];
  assert.equal(conn.log, conn.log, 'one child logger per connection');
  conn.log.warn('something odd');
  const gone = closed(ws);
  ws.close();
  await gone;
  await waitFor(() => h.disconnected.length === 1);
  const mine = h.logs.filter((l) => l.chargePointId === 'LOG-1').map((l) => l.msg);
  assert.deepEqual(mine, ['charger connected', 'something odd', 'charger disconnected']);
});

test('above info, a quiet connection never makes its child logger', async (t) => {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  let children = 0;
  const child = log.child.bind(log);
  log.child = ((...args: Parameters<typeof log.child>) => {
    children++;
    return child(...args);
  }) as typeof log.child;
  const h = await startGateway({ log });
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'QUIET');
  await waitFor(() => h.connected.length === 1);
  const gone = closed(ws);
  ws.close();
  await gone;
  await waitFor(() => h.disconnected.length === 1);
  assert.equal(children, 0);
  assert.deepEqual(lines, []);
  // Used once something is worth a warning, with the charger's id.
  h.connected[0].log.warn('late warning');
  assert.equal(children, 1);
  assert.equal(JSON.parse(lines[0]).chargePointId, 'QUIET');
});
