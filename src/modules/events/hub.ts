// Numbers every bus event (one sequence per process) and keeps the latest ones, so that an SSE
// client that reconnects with Last-Event-ID gets what it missed instead of a silent gap.
import type { Bus } from '../../bus/local.ts';
import type { PlugboardEvent } from '../../bus/events.ts';

export interface SequencedEvent {
  seq: number;
  event: PlugboardEvent;
  /** its Server-Sent Events frame, made once on first use and shared by every stream (sse.ts) */
  frame: Buffer | null;
}

export class EventHub {
  readonly #recent: Array<SequencedEvent | undefined>;
  readonly #subscribers = new Set<(e: SequencedEvent) => void>();
  readonly #onError: (err: unknown) => void;
  #seq = 0;
  #unsubscribe: (() => void) | null = null;

  constructor(opts: { replaySize: number; onSubscriberError: (err: unknown) => void }) {
    this.#recent = new Array(Math.max(1, opts.replaySize));
    this.#onError = opts.onSubscriberError;
  }

  /** the sequence number of the latest event, 0 before the first */
  get lastSeq(): number {
    return this.#seq;
  }

  attach(bus: Bus): void {
    this.#unsubscribe ??= bus.subscribe((event) => this.publish(event));
  }

  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  publish(event: PlugboardEvent): void {
    const e: SequencedEvent = { seq: ++this.#seq, event, frame: null };
    this.#recent[e.seq % this.#recent.length] = e;
    for (const fn of this.#subscribers) {
      try {
        fn(e);
      } catch (err) {
        this.#onError(err);
      }
    }
  }

  subscribe(fn: (e: SequencedEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * The events after `seq`, oldest first; null when some of them are no longer kept (or `seq`
   * is from an earlier process: the numbering restarts with the process).
   */
  since(seq: number): SequencedEvent[] | null {
    if (seq > this.#seq) return null;
    if (this.#seq - seq > this.#recent.length) return null;
    const out: SequencedEvent[] = [];
    for (let s = seq + 1; s <= this.#seq; s++) {
      const e = this.#recent[s % this.#recent.length];
      if (!e || e.seq !== s) return null;
      out.push(e);
    }
    return out;
  }
}
