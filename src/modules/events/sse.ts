// One Server-Sent Events stream on a raw HTTP response (WHATWG HTML §9.2): events as
// `event: <type>\nid: <seq>\ndata: <json>\n\n`, a comment line as heartbeat so that proxies
// and clients see the connection alive, cleanup when the client goes away.
import type { ServerResponse } from 'node:http';
import type { PlugboardEvent } from '../../bus/events.ts';
import type { EventHub, SequencedEvent } from './hub.ts';

export interface StreamOptions {
  hub: EventHub;
  match: (event: PlugboardEvent) => boolean;
  /** from the Last-Event-ID header of a reconnecting client */
  lastEventId: number | null;
  heartbeatMs: number;
  /** a client this far behind (bytes not yet taken by the socket) is disconnected; it may reconnect and resume */
  maxBufferedBytes: number;
  headers?: Record<string, string>;
  onSlowClient?: () => void;
}

/** Suggested reconnect delay for EventSource clients. */
const RETRY_MS = 2000;

export const formatEvent = (e: SequencedEvent): string => `event: ${e.event.type}\nid: ${e.seq}\ndata: ${JSON.stringify(e.event)}\n\n`;

/**
 * The event's frame as bytes, serialised on first use and then shared: with N open streams an
 * event costs one JSON.stringify and one UTF-8 encoding, not N of each (500 idle streams used to
 * cut the charger path's MeterValues throughput tenfold).
 */
export function eventFrame(e: SequencedEvent): Buffer {
  return (e.frame ??= Buffer.from(formatEvent(e), 'utf8'));
}

/** Streams matching events to `res` until the client disconnects or close() is called. */
export function openEventStream(res: ServerResponse, opts: StreamOptions): { close(): void } {
  res.writeHead(200, {
    ...opts.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx buffers responses by default, which would hold events back.
    'x-accel-buffering': 'no',
  });
  res.socket?.setNoDelay(true);

  let closed = false;
  // What a turn of the event loop has for this client leaves in one write at the next turn:
  // a commit batch answers many chargers at once, and a write per event per stream (each a
  // chunk, a syscall) was most of what idle streams cost the charger path.
  let pending: Buffer[] | null = null;
  let pendingBytes = 0;
  const flush = () => {
    const batch = pending;
    pending = null;
    pendingBytes = 0;
    if (closed || batch === null) return;
    res.write(batch.length === 1 ? batch[0] : Buffer.concat(batch));
  };
  const write = (chunk: string | Buffer) => {
    if (closed) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (pending === null) {
      pending = [];
      setImmediate(flush);
    }
    pending.push(bytes);
    pendingBytes += bytes.length;
    if (res.writableLength + pendingBytes > opts.maxBufferedBytes) {
      pending = null;
      opts.onSlowClient?.();
      close();
    }
  };

  // Replay before subscribing live: both run in this same tick, so nothing falls in between.
  const missed = opts.lastEventId === null ? [] : opts.hub.since(opts.lastEventId);
  write(`retry: ${RETRY_MS}\n: ${missed === null ? 'some events since Last-Event-ID are no longer kept; resuming live' : 'connected'}\n\n`);
  for (const e of missed ?? []) if (opts.match(e.event)) write(eventFrame(e));
  const unsubscribe = opts.hub.subscribe((e) => {
    if (opts.match(e.event)) write(eventFrame(e));
  });
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), opts.heartbeatMs);
  heartbeat.unref();

  function close(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    // What is still waiting goes out first (a server stop ends the streams); a slow client's was dropped.
    const batch = pending;
    pending = null;
    if (batch !== null) res.end(Buffer.concat(batch));
    else res.end();
  }
  // The response's close, not the request's: a request emits close as soon as its (empty) body is read.
  res.once('close', close);
  return { close };
}
