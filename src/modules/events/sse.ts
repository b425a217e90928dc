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
  const write = (text: string) => {
    if (closed) return;
    res.write(text);
    if (res.writableLength > opts.maxBufferedBytes) {
      opts.onSlowClient?.();
      close();
    }
  };

  // Replay before subscribing live: both run in this same tick, so nothing falls in between.
  const missed = opts.lastEventId === null ? [] : opts.hub.since(opts.lastEventId);
  write(`retry: ${RETRY_MS}\n: ${missed === null ? 'some events since Last-Event-ID are no longer kept; resuming live' : 'connected'}\n\n`);
  for (const e of missed ?? []) if (opts.match(e.event)) write(formatEvent(e));
  const unsubscribe = opts.hub.subscribe((e) => {
    if (opts.match(e.event)) write(formatEvent(e));
  });
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), opts.heartbeatMs);
  heartbeat.unref();

  function close(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    res.end();
  }
  // The response's close, not the request's: a request emits close as soon as its (empty) body is read.
  res.once('close', close);
  return { close };
}
