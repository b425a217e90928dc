// The live event stream (GET /api/v1/events, Server-Sent Events) read with fetch and a stream
// reader, because EventSource cannot send the key header. Each event marks the cached queries it
// makes stale; TanStack Query then refetches only what is on screen. Invalidations are batched
// (a fleet's burst of StatusNotifications becomes one refetch per list, not hundreds).
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { LiveEvent } from './types.ts';

/** How long events are gathered before the caches they touch are invalidated together. */
const FLUSH_MS = 500;

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** The query keys an event makes stale; keys are prefixes (['station', id] covers every query of that station). */
export function keysFor(e: LiveEvent): QueryKey[] {
  const s = e.stationId;
  const keys: QueryKey[] = [];
  if (s) keys.push(['messages', s]);
  switch (e.type) {
    case 'station.connected':
    case 'station.disconnected':
    case 'station.booted':
      keys.push(['stations'], ['station', s], ['overview']);
      break;
    case 'station.heartbeat':
      keys.push(['station', s]);
      break;
    case 'connector.status':
      keys.push(['stations'], ['station', s], ['history', s], ['overview']);
      break;
    case 'transaction.started':
    case 'transaction.stopped':
      // ['stations'] too: a connector's effective status depends on whether a session is open
      // (Charging with none is Unknown), and a closed session brings no StatusNotification.
      keys.push(['transactions'], ['station', s], ['stations'], ['overview'], ['reservations']);
      if (e.transactionId != null) keys.push(['transaction', e.transactionId]);
      break;
    case 'meter.values':
      keys.push(['transactions']);
      if (e.transactionId != null) keys.push(['transaction', e.transactionId]);
      break;
    case 'token.changed':
      keys.push(['tokens'], ['unknown-tokens'], ['local-list']);
      break;
    case 'reservation.updated':
      keys.push(['reservations']);
      break;
    case 'local-list.updated':
      keys.push(['local-list', s]);
      break;
    case 'certificate.csr_received':
      keys.push(['certificates', s]);
      break;
    case 'command.answered':
      // A chain sent (CertificateSigned) or an inventory change from any route.
      if (typeof e.action === 'string' && /Certificate/.test(e.action)) keys.push(['certificates', s]);
      break;
    case 'security.event':
      // ['security-events'] covers the fleet list and every station's.
      keys.push(['security-events']);
      break;
  }
  return keys;
}

interface ParsedEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Splits an SSE byte stream into events (WHATWG HTML, "Parsing an event stream"). */
export class SseParser {
  #buffer = '';
  push(chunk: string): ParsedEvent[] {
    this.#buffer += chunk;
    const out: ParsedEvent[] = [];
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.#buffer);
      if (!m) break;
      const block = this.#buffer.slice(0, m.index);
      this.#buffer = this.#buffer.slice(m.index + m[0].length);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length) out.push({ id, event, data: data.join('\n') });
    }
    return out;
  }
}

export class EventStream {
  #client: QueryClient;
  #key: string;
  #abort = new AbortController();
  #lastEventId: string | null = null;
  #pending = new Map<string, QueryKey>();
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #listeners = new Set<(e: LiveEvent) => void>();
  #stateListeners = new Set<(s: StreamState) => void>();
  state: StreamState = 'connecting';
  onUnauthorized: () => void = () => {};

  constructor(client: QueryClient, key: string) {
    this.#client = client;
    this.#key = key;
  }

  start(): void {
    void this.#run();
  }

  stop(): void {
    this.#abort.abort();
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#setState('stopped');
  }

  subscribe(l: (e: LiveEvent) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  onState(l: (s: StreamState) => void): () => void {
    this.#stateListeners.add(l);
    return () => this.#stateListeners.delete(l);
  }

  #setState(s: StreamState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.#stateListeners) l(s);
  }

  async #run(): Promise<void> {
    let delayMs = 1000;
    let everConnected = false;
    while (!this.#abort.signal.aborted) {
      try {
        const headers: Record<string, string> = { 'x-api-key': this.#key, accept: 'text/event-stream' };
        if (this.#lastEventId) headers['last-event-id'] = this.#lastEventId;
        const res = await fetch('/api/v1/events', { headers, signal: this.#abort.signal, cache: 'no-store' });
        if (res.status === 401) {
          this.onUnauthorized();
          this.#setState('stopped');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
        this.#setState('live');
        // What happened while we were away may be beyond the server's replay window: refetch what is shown.
        if (everConnected) void this.#client.invalidateQueries();
        everConnected = true;
        delayMs = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const ev of parser.push(value)) this.#handle(ev);
        }
      } catch (err) {
        if (this.#abort.signal.aborted) return;
        void err;
      }
      this.#setState('reconnecting');
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  }

  #handle(ev: ParsedEvent): void {
    if (ev.id) this.#lastEventId = ev.id;
    let data: LiveEvent;
    try {
      data = JSON.parse(ev.data) as LiveEvent;
    } catch {
      return;
    }
    if (!data.type) data.type = ev.event;
    for (const key of keysFor(data)) this.#pending.set(JSON.stringify(key), key);
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
    for (const l of this.#listeners) l(data);
  }

  #flush(): void {
    this.#flushTimer = null;
    const keys = [...this.#pending.values()];
    this.#pending.clear();
    // A fetch already running is left to finish (not restarted): under a steady stream of events
    // restarting would starve a slow list of ever completing.
    for (const queryKey of keys) void this.#client.invalidateQueries({ queryKey }, { cancelRefetch: false });
  }
}
