// The live event stream's state: the numbered, recent events (hub) and the open SSE streams,
// which must be ended before the HTTP server can close.
import type { AppContext } from '../../context.ts';
import { EventHub } from './hub.ts';

/** Events kept for clients that reconnect with Last-Event-ID. */
export const REPLAY_EVENTS = 1000;

export function createEventsService(ctx: AppContext) {
  const hub = new EventHub({ replaySize: REPLAY_EVENTS, onSubscriberError: (err) => ctx.log.error({ err }, 'event stream subscriber failed') });
  hub.attach(ctx.bus);
  const streams = new Set<{ close(): void }>();
  const maxPerKey = ctx.config.api.maxEventStreamsPerKey;
  /** open streams per API key id; an entry goes when its last stream does */
  const perKey = new Map<number, number>();
  const closeAll = () => {
    for (const s of streams) s.close();
    streams.clear();
  };
  return {
    hub,
    /** Registers an open stream; returns the function that forgets it. */
    track(stream: { close(): void }): () => void {
      streams.add(stream);
      return () => streams.delete(stream);
    },
    /**
     * Takes one of the key's api.maxEventStreamsPerKey stream slots: the function that gives it
     * back (idempotent), or null when the key already has that many open.
     */
    acquireSlot(keyId: number): (() => void) | null {
      const open = perKey.get(keyId) ?? 0;
      if (open >= maxPerKey) return null;
      perKey.set(keyId, open + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const n = (perKey.get(keyId) ?? 1) - 1;
        if (n <= 0) perKey.delete(keyId);
        else perKey.set(keyId, n);
      };
    },
    maxStreamsPerKey: maxPerKey,
    get openStreams(): number {
      return streams.size;
    },
    closeAll,
    stop(): void {
      closeAll();
      hub.detach();
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
