import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { startGateway, waitFor } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function serverBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

// The budget is 16 KB per idle charger in RSS, ws included (DESIGN.md; measured about
// 10 KB RSS and 3.5-4.7 KB of JS heap per connection with 10,000 chargers). RSS is too
// noisy for a test, so this guards the JS heap plus external memory, which is where
// regressions land: a closure or timer per socket, a buffer kept per connection, or
// permessage-deflate switched on (about 70 KB of zlib state per socket).
const CONNECTIONS = 2_000;
const HEAP_BUDGET_PER_CONNECTION = 8 * 1024;

test(`an idle charger costs under ${HEAP_BUDGET_PER_CONNECTION} bytes of server heap`, async (t) => {
  const h = await startGateway({ pingIntervalMs: 60_000, log: pino({ level: 'warn' }) });
  t.after(() => h.gateway.stop());
  const before = serverBytes();
  const clients = fork(new URL('./fixtures/idle-clients.ts', import.meta.url), [h.base, String(CONNECTIONS)], { stdio: 'inherit' });
  t.after(() => clients.kill());
  const [message] = (await once(clients, 'message')) as [{ open: number }];
  assert.equal(message.open, CONNECTIONS);
  await waitFor(() => h.gateway.size === CONNECTIONS);
  const perConnection = (serverBytes() - before) / CONNECTIONS;
  t.diagnostic(`server heap + external per idle connection: ${Math.round(perConnection)} bytes`);
  assert.ok(perConnection < HEAP_BUDGET_PER_CONNECTION, `${Math.round(perConnection)} bytes per connection`);
});
