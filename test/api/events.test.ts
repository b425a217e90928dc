// GET /api/v1/events: a real SSE client (fetch + stream reader, as a browser reads it) sees what
// chargers do, quickly, filtered; streams end cleanly when the client or the server goes away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, eventually, ADMIN_KEY, type TestApp } from '../helpers/app.ts';

interface SseMessage {
  event: string;
  id: string;
  data: any;
  at: number;
}

/** An SSE client: parses the stream as it arrives, stamping each event with its arrival time. */
async function openStream(app: TestApp, query = '', opts: { key?: string; headers?: Record<string, string> } = {}) {
  const ac = new AbortController();
  const res = await fetch(`${app.httpUrl()}/api/v1/events${query}`, { headers: { 'x-api-key': opts.key ?? ADMIN_KEY, ...opts.headers }, signal: ac.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  if (res.ok && res.body) {
    (async () => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const at = performance.now();
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else {
                const i = line.indexOf(':');
                fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
              }
            }
            if (fields.data !== undefined) messages.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data), at });
          }
          for (const w of waiters) w();
        }
      } catch {
        // aborted by the test
      }
      ended = true;
      for (const w of waiters) w();
    })();
  }
  return {
    res,
    messages,
    comments,
    get ended() {
      return ended;
    },
    /** resolves with the first message matching pred (already received or arriving within timeoutMs) */
    next(pred: (m: SseMessage) => boolean, timeoutMs = 3000): Promise<SseMessage> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${messages.map((m) => `${m.event}@${m.data.stationId}`).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => ac.abort(),
  };
}

let app: TestApp;
before(async () => {
  app = await startOpenApp();
  await app.ctx.services.authorization.upsertToken({ idTag: 'SSE-TAG' });
});
after(() => app?.cleanup());

test('an SSE client sees transaction.started and transaction.stopped as the charger sends them', async (t) => {
  const stream = await openStream(app, '?stationId=SSE-1');
  assert.equal(stream.res.status, 200);
  assert.match(stream.res.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(stream.res.headers.get('x-request-id'));
  const cp = app.charger('SSE-1');
  await cp.connect();
  await cp.boot();
  await stream.next((m) => m.event === 'station.booted');

  const sentStart = performance.now();
  const startP = cp.startTransaction(1, 'SSE-TAG', 1000);
  const started = await stream.next((m) => m.event === 'transaction.started');
  const startDelay = started.at - sentStart;
  const { transactionId } = await startP;
  assert.deepEqual(
    { ...started.data, at: undefined },
    { type: 'transaction.started', stationId: 'SSE-1', at: undefined, transactionId, connectorId: 1, idTag: 'SSE-TAG', meterStart: 1000 },
  );

  const sentStop = performance.now();
  cp.stopTransaction(transactionId, 2500, { reason: 'EVDisconnected' });
  const stopped = await stream.next((m) => m.event === 'transaction.stopped');
  const stopDelay = stopped.at - sentStop;
  assert.equal(stopped.data.transactionId, transactionId);
  assert.equal(stopped.data.meterStop, 2500);
  assert.equal(stopped.data.reason, 'EVDisconnected');

  t.diagnostic(`delays: start ${startDelay.toFixed(1)} ms, stop ${stopDelay.toFixed(1)} ms`);
  assert.ok(Number(stopped.id) > Number(started.id), 'ids increase');
  stream.close();
});

test('the stream carries connect, boot, status, meter values, commands and disconnect', async () => {
  const stream = await openStream(app, '?stationId=SSE-ALL');
  const cp = app.charger('SSE-ALL');
  await cp.connect();
  await cp.boot();
  await cp.status(1, 'Charging');
  await cp.meterValues(1, undefined, 1234);
  assert.equal((await app.request('POST', '/api/v1/stations/SSE-ALL/reset', { body: { type: 'Soft' } })).status, 200);
  await cp.close();
  await stream.next((m) => m.event === 'station.disconnected');
  const types = stream.messages.map((m) => m.event);
  for (const t of ['station.connected', 'station.booted', 'connector.status', 'meter.values', 'command.sent', 'command.answered', 'station.disconnected']) {
    assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
  }
  const status = stream.messages.find((m) => m.event === 'connector.status')!;
  assert.deepEqual([status.data.connectorId, status.data.status], [1, 'Charging']);
  const answered = stream.messages.find((m) => m.event === 'command.answered')!;
  assert.deepEqual([answered.data.action, answered.data.ok], ['Reset', true]);
  stream.close();
});

test('filters: station and type, repeated or comma-separated, type groups', async () => {
  const byStationAndType = await openStream(app, '?stationId=SSE-A&type=transaction.started,transaction.stopped');
  const repeated = await openStream(app, '?stationId=SSE-A&stationId=SSE-B&type=connector.status');
  const group = await openStream(app, '?type=transaction.*&stationId=SSE-A,SSE-B');
  const a = app.charger('SSE-A');
  const b = app.charger('SSE-B');
  for (const cp of [a, b]) {
    await cp.connect();
    await cp.boot();
    await cp.status(1, 'Preparing');
  }
  await b.startTransaction(1, 'SSE-TAG', 0);
  const txA = await a.startTransaction(1, 'SSE-TAG', 0);
  await a.stopTransaction(txA.transactionId, 10);
  await b.status(1, 'Finishing');

  // The last event each stream should get; anything unwanted would have come before it.
  await byStationAndType.next((m) => m.event === 'transaction.stopped');
  await repeated.next((m) => m.data.stationId === 'SSE-B' && m.data.status === 'Finishing');
  await group.next((m) => m.event === 'transaction.stopped');

  assert.deepEqual(byStationAndType.messages.map((m) => [m.event, m.data.stationId]), [['transaction.started', 'SSE-A'], ['transaction.stopped', 'SSE-A']]);
  assert.deepEqual(repeated.messages.map((m) => [m.data.stationId, m.data.status]), [['SSE-A', 'Preparing'], ['SSE-B', 'Preparing'], ['SSE-B', 'Finishing']]);
  assert.deepEqual(group.messages.map((m) => [m.event, m.data.stationId]), [['transaction.started', 'SSE-B'], ['transaction.started', 'SSE-A'], ['transaction.stopped', 'SSE-A']]);
  for (const s of [byStationAndType, repeated, group]) s.close();
});

test('an unknown event type is 400; a read-only key may listen; no key is 401', async () => {
  const bad = await app.request('GET', '/api/v1/events?type=transaction.begun');
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /unknown event type transaction.begun/);
  assert.equal((await app.request('GET', '/api/v1/events?type=nothing.*')).status, 400);
  assert.equal((await app.request('GET', '/api/v1/events', { key: null })).status, 401);
  const read = await app.request('POST', '/api/v1/api-keys', { body: { name: 'dashboard', role: 'read' } });
  const stream = await openStream(app, '?type=station.booted', { key: read.body.key });
  assert.equal(stream.res.status, 200);
  const cp = app.charger('SSE-READ');
  await cp.connect();
  await cp.boot();
  await stream.next((m) => m.data.stationId === 'SSE-READ');
  stream.close();
});

test('a client that goes away is unsubscribed; one that reconnects with Last-Event-ID gets what it missed', async () => {
  const events = app.ctx.services.events;
  await eventually(() => events.openStreams === 0, 2000, 'earlier streams closed');
  const baseline = events.hub.subscriberCount;
  const first = await openStream(app, '?stationId=SSE-R');
  await eventually(() => events.openStreams === 1);
  const cp = app.charger('SSE-R');
  await cp.connect();
  await cp.boot();
  const booted = await first.next((m) => m.event === 'station.booted');
  first.close();
  await eventually(() => events.openStreams === 0 && events.hub.subscriberCount === baseline, 2000, 'the stream is cleaned up after the client left');

  await cp.status(1, 'Available');
  await cp.status(2, 'Faulted', 'GroundFailure');
  const resumed = await openStream(app, '?stationId=SSE-R', { headers: { 'last-event-id': booted.id } });
  const faulted = await resumed.next((m) => m.data.connectorId === 2);
  assert.deepEqual(resumed.messages.map((m) => [m.event, m.data.connectorId]), [['connector.status', 1], ['connector.status', 2]]);
  assert.equal(faulted.data.errorCode, 'GroundFailure');
  assert.ok(Number(resumed.messages[0].id) > Number(booted.id));
  resumed.close();
});

test('stopping the server ends open streams instead of waiting for their clients', async () => {
  const other = await startOpenApp();
  const stream = await openStream(other);
  try {
    assert.equal(stream.res.status, 200);
    let timer: NodeJS.Timeout | undefined;
    const tooSlow = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('shutdown waited for the event stream client')), 3000);
    });
    await Promise.race([other.cleanup(), tooSlow]).finally(() => clearTimeout(timer));
    await eventually(() => stream.ended, 2000, 'the client saw the stream end');
  } finally {
    stream.close();
    await other.cleanup();
  }
});
