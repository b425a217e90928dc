import { createContext, useContext, useEffect, useState } from 'react';
import type { EventStream, StreamState } from '../api/events.ts';
import type { LiveEvent } from '../api/types.ts';

export const StreamContext = createContext<EventStream | null>(null);

export function useStreamState(): StreamState {
  const stream = useContext(StreamContext);
  const [state, setState] = useState<StreamState>(stream?.state ?? 'stopped');
  useEffect(() => {
    if (!stream) return;
    setState(stream.state);
    return stream.onState(setState);
  }, [stream]);
  return state;
}

/** Calls `l` with each live event (already filtered by the caller); for feeds rather than caches. */
export function useLiveEvents(l: (e: LiveEvent) => void): void {
  const stream = useContext(StreamContext);
  useEffect(() => stream?.subscribe(l), [stream, l]);
}

/** Re-renders every `ms` so relative times ("2 minutes ago") stay true. */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
