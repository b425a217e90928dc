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
