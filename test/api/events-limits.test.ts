// The SSE fan-out must not cost the charger path: streams per API key are capped (one more is
// 429 until one closes), and an event is serialised once however many streams carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../helpers/app.ts';
import type { PlugboardEvent } from '../../src/bus/events.ts';

const CAP = 3;

interface OpenStream {
  status: number;
  body: string;
  text(): string;
  close(): void;
}

/** GET /api/v1/events; for a 200, reads in the background until close(). */
async function openStream(app: TestApp, key: string): Promise<OpenStream> {
  const ac = new AbortController();
  const res = await fetch(`${app.httpUrl()}/api/v1/events`, { headers: { 'x-api-key': key }, signal: ac.signal });
  if (res.status !== 200) {
    const body = await res.text();
    return { status: res.status, body, text: () => body, close: () => {} };
  }
  let text = '';
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
  await eventually(() => text.includes(': connected'), 5000, 'the stream to open');
  return { status: 200, body: '', text: () => text, close: () => ac.abort() };
}

test('event streams per API key are capped: one more is 429 with a clear message, closing one frees its slot', async (t) => {
  const app = await startTestApp({ config: { api: { maxEventStreamsPerKey: CAP } } });
  const streams: OpenStream[] = [];
  t.after(async () => {
    for (const s of streams) s.close();
    await app.cleanup();
  });
  for (let i = 0; i < CAP; i++) {
    const s = await openStream(app, ADMIN_KEY);
    assert.equal(s.status, 200);
    streams.push(s);
  }
  const refused = await openStream(app, ADMIN_KEY);
  assert.equal(refused.status, 429, refused.body);
  const body = JSON.parse(refused.body);
  assert.equal(body.error, 'too_many_event_streams');
  assert.match(body.message, new RegExp(`already has ${CAP} event streams open`));
  assert.match(body.message, /maxEventStreamsPerKey/);

  // The cap is per key: another key still gets a stream.
  const readKey = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'reader', role: 'read' } })).body.key;
  const other = await openStream(app, readKey);
  assert.equal(other.status, 200);
  streams.push(other);

  // Closing one gives its slot back (once the server sees the close).
  streams.shift()!.close();
  const again = await eventually(async () => {
    const s = await openStream(app, ADMIN_KEY);
    return s.status === 200 ? s : null;
  }, 10_000, 'a slot to free up');
  streams.push(again);
  const full = await openStream(app, ADMIN_KEY);
  assert.equal(full.status, 429, 'and only that one');
});

test('an event is serialised once, however many streams carry it', async (t) => {
  const app = await startTestApp({ config: { api: { maxEventStreamsPerKey: 10 } } });
  const streams: OpenStream[] = [];
  const original = JSON.stringify;
  t.after(async () => {
    JSON.stringify = original;
    for (const s of streams) s.close();
    await app.cleanup();
  });
  const watched = new Map<unknown, number>();
  JSON.stringify = function (value: unknown, ...rest: unknown[]) {
    const n = watched.get(value);
    if (n !== undefined) watched.set(value, n + 1);
    return (original as (...a: unknown[]) => string).call(JSON, value, ...rest);
  } as typeof JSON.stringify;

  /** Publishes an event and waits until every open stream has it; returns its JSON.stringify count. */
  const fanOut = async (stationId: string): Promise<number> => {
    const event: PlugboardEvent = { type: 'command.sent', stationId, at: new Date().toISOString(), action: 'Reset' };
    watched.set(event, 0);
    app.ctx.bus.publish(event);
    await eventually(() => streams.every((s) => s.text().includes(`"stationId":"${stationId}"`)), 5000, `every stream to get ${stationId}`);
    return watched.get(event)!;
  };

  streams.push(await openStream(app, ADMIN_KEY));
  const withOne = await fanOut('FANOUT-ONE');
  assert.ok(withOne >= 1);
  for (let i = 0; i < 5; i++) streams.push(await openStream(app, ADMIN_KEY));
  const withSix = await fanOut('FANOUT-SIX');
  assert.equal(withSix, withOne, `six streams cost as many serialisations as one (${withSix} vs ${withOne})`);
  assert.equal(withSix, 1, 'exactly one');
});
