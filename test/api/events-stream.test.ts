// The SSE writer on its own, over a real socket: heartbeats, and a client that stops reading
// is cut off rather than buffered without limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { EventHub } from '../../src/modules/events/hub.ts';
import { openEventStream, type StreamOptions } from '../../src/modules/events/sse.ts';
import { eventually } from '../helpers/wait.ts';

async function serve(hub: EventHub, opts: Partial<StreamOptions>): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    openEventStream(res, { hub, match: () => true, lastEventId: null, heartbeatMs: 15_000, maxBufferedBytes: 1 << 20, ...opts });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${addr.port}/` };
}

const hubFor = () => new EventHub({ replaySize: 10, onSubscriberError: (err) => assert.fail(String(err)) });

test('an idle stream gets a comment heartbeat at the configured interval', async () => {
  const hub = hubFor();
  const { server, url } = await serve(hub, { heartbeatMs: 50 });
  const ac = new AbortController();
  try {
    const res = await fetch(url, { signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/: heartbeat/g) ?? []).length < 3) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /^retry: \d+\n: connected\n\n/);
  } finally {
    ac.abort();
    server.closeAllConnections();
    server.close();
  }
});

test('a client that stops reading is disconnected once too much is waiting for it', async () => {
  const hub = hubFor();
  let slow = 0;
  const { server, url } = await serve(hub, { maxBufferedBytes: 256 * 1024, onSlowClient: () => slow++ });
  try {
    // A raw socket that sends the request and then never reads.
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    await eventually(() => hub.subscriberCount === 1, 5000, 'the stream to subscribe');
    const big = 'x'.repeat(4096);
    for (let i = 0; i < 20_000 && slow === 0; i++) {
      hub.publish({ type: 'command.sent', stationId: big, at: new Date().toISOString(), action: 'Reset' });
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(slow, 1, 'the slow client was cut off');
    assert.equal(hub.subscriberCount, 0, 'and unsubscribed');
    socket.destroy();
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('Last-Event-ID replay: the missed events, or nothing when they are no longer kept', () => {
  const hub = hubFor();
  for (let i = 0; i < 25; i++) hub.publish({ type: 'station.heartbeat', stationId: `S${i}`, at: '' });
  assert.deepEqual(hub.since(20)?.map((e) => e.seq), [21, 22, 23, 24, 25]);
  assert.deepEqual(hub.since(25), []);
  assert.equal(hub.since(5), null, 'older than the last 10');
  assert.equal(hub.since(99), null, 'from an earlier process');
});
