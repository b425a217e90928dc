// Keeps managed chargers' local lists up to date without an operator: after token changes
// (debounced, so that an import of thousands of tokens, or a burst of API edits, costs one
// update per station) and when a charger comes back (it may have missed changes, or lost its
// list). Decides only *when* and *which station*; the service decides what to send.
import type { Bus } from '../../bus/local.ts';
import type { PlugboardEvent } from '../../bus/events.ts';
import type { Logger } from '../../log.ts';
import { StationOfflineError } from '../../bus/local.ts';
import { ChargerNotConnectedError } from '../../gateway/index.ts';
import { CommandRefusedError, StationNotFoundError } from '../stations/service.ts';

/** boot: a BootNotification was Accepted; reconnect: the socket came back; settings: the operator changed the scope. */
export type AutoSyncCause = 'tokens' | 'settings' | 'reconnect' | 'boot';

export interface TokenChangeSet {
  /** too many tokens changed to name them: every auto-sync station is a candidate */
  all: boolean;
  idTags: string[];
  parentIdTags: string[];
}

export interface AutoSyncDeps {
  bus: Bus;
  log: Logger;
  /** connected to this node: in a cluster each node brings its own chargers up to date */
  isConnected(stationId: string): boolean;
  candidates(change: TokenChangeSet): Promise<string[]>;
  run(stationId: string, cause: AutoSyncCause): Promise<unknown>;
}

export interface AutoSyncOptions {
  /** quiet time after the last token change before stations are updated */
  tokenDebounceMs?: number;
  /** under a steady stream of changes, update at least this often */
  tokenMaxWaitMs?: number;
  /** after a connect or boot: lets the charger finish booting (BootNotification, StatusNotifications) first */
  reconnectDelayMs?: number;
  /** stations updated at the same time (a reconnect storm must not become a command storm) */
  concurrency?: number;
}

const DEFAULTS: Required<AutoSyncOptions> = { tokenDebounceMs: 1000, tokenMaxWaitMs: 10_000, reconnectDelayMs: 1000, concurrency: 8 };
/** Beyond this many distinct changed idTags, matching them costs more than checking every station. */
const MAX_TRACKED_ID_TAGS = 10_000;
// A boot run does everything a reconnect run does and more; either covers a tokens/settings run.
const RANK: Record<AutoSyncCause, number> = { tokens: 0, settings: 0, reconnect: 1, boot: 2 };
const stronger = (a: AutoSyncCause | undefined, b: AutoSyncCause): AutoSyncCause => (a !== undefined && RANK[a] >= RANK[b] ? a : b);

function expected(err: unknown): boolean {
  return err instanceof StationOfflineError || err instanceof ChargerNotConnectedError || err instanceof CommandRefusedError || err instanceof StationNotFoundError;
}

export class AutoSync {
  readonly #deps: AutoSyncDeps;
  readonly #opts: Required<AutoSyncOptions>;
  #unsubscribe: (() => void) | null = null;
  #stopped = false;
  #tokens: { all: boolean; idTags: Set<string>; parents: Set<string> } | null = null;
  #tokenTimer: NodeJS.Timeout | null = null;
  #tokenSince = 0;
  readonly #reconnects = new Map<string, { timer: NodeJS.Timeout; cause: AutoSyncCause }>();
  readonly #queue = new Map<string, AutoSyncCause>();
  readonly #running = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(deps: AutoSyncDeps, opts: AutoSyncOptions = {}) {
    this.#deps = deps;
    this.#opts = { ...DEFAULTS, ...opts };
  }

  start(): void {
    this.#unsubscribe ??= this.#deps.bus.subscribe((e) => this.#onEvent(e));
  }

  /** Queues a run for the station (coalesced with one already queued). */
  request(stationId: string, cause: AutoSyncCause): void {
    if (this.#stopped) return;
    this.#queue.set(stationId, stronger(this.#queue.get(stationId), cause));
    this.#pump();
  }

  /** Resolves once nothing is scheduled, queued or running. */
  async settled(): Promise<void> {
    while (this.#tokenTimer || this.#tokens || this.#reconnects.size || this.#queue.size || this.#inFlight.size) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#tokenTimer) clearTimeout(this.#tokenTimer);
    this.#tokenTimer = null;
    this.#tokens = null;
    for (const r of this.#reconnects.values()) clearTimeout(r.timer);
    this.#reconnects.clear();
    this.#queue.clear();
    await Promise.allSettled([...this.#inFlight]);
  }

  #onEvent(e: PlugboardEvent): void {
    if (this.#stopped) return;
    switch (e.type) {
      case 'token.changed':
        this.#noteTokens(e.count, e.idTags, e.parentIdTags);
        break;
      case 'station.connected':
        this.#scheduleReconnect(e.stationId, 'reconnect');
        break;
      case 'station.booted':
        // Pending or Rejected: no SendLocalList may go out (OCPP 1.6 §4.2); the Accepted boot comes later.
        if (e.registrationStatus === 'Accepted') this.#scheduleReconnect(e.stationId, 'boot');
        else this.#cancelReconnect(e.stationId);
        break;
      case 'station.disconnected':
        if (!e.replaced) this.#cancelReconnect(e.stationId);
        break;
    }
  }

  #noteTokens(count: number, idTags: readonly string[], parents: readonly string[]): void {
    const t = (this.#tokens ??= { all: false, idTags: new Set(), parents: new Set() });
    if (count > idTags.length) t.all = true;
    if (!t.all) {
      for (const id of idTags) t.idTags.add(id);
      for (const p of parents) t.parents.add(p);
      if (t.idTags.size > MAX_TRACKED_ID_TAGS) t.all = true;
    }
    if (t.all) {
      t.idTags.clear();
      t.parents.clear();
    }
    const now = Date.now();
    if (this.#tokenTimer) clearTimeout(this.#tokenTimer);
    else this.#tokenSince = now;
    const wait = Math.max(0, Math.min(this.#opts.tokenDebounceMs, this.#tokenSince + this.#opts.tokenMaxWaitMs - now));
    this.#tokenTimer = setTimeout(() => this.#flushTokens(), wait);
    this.#tokenTimer.unref();
  }

  #flushTokens(): void {
    this.#tokenTimer = null;
    const t = this.#tokens;
    this.#tokens = null;
    if (!t || this.#stopped) return;
    const job = this.#deps
      .candidates({ all: t.all, idTags: [...t.idTags], parentIdTags: [...t.parents] })
      .then((ids) => {
        for (const id of ids) if (this.#deps.isConnected(id)) this.request(id, 'tokens');
      })
      .catch((err) => this.#deps.log.error({ err }, 'local lists: finding the stations a token change concerns failed'));
    this.#track(job);
  }

  #scheduleReconnect(stationId: string, cause: AutoSyncCause): void {
    const prev = this.#reconnects.get(stationId);
    if (prev) clearTimeout(prev.timer);
    const c = stronger(prev?.cause, cause);
    const timer = setTimeout(() => {
      this.#reconnects.delete(stationId);
      this.request(stationId, c);
    }, this.#opts.reconnectDelayMs);
    timer.unref();
    this.#reconnects.set(stationId, { timer, cause: c });
  }

  #cancelReconnect(stationId: string): void {
    const prev = this.#reconnects.get(stationId);
    if (prev) clearTimeout(prev.timer);
    this.#reconnects.delete(stationId);
  }

  #pump(): void {
    for (const [stationId, cause] of this.#queue) {
      if (this.#running.size >= this.#opts.concurrency) return;
      if (this.#running.has(stationId)) continue;
      this.#queue.delete(stationId);
      this.#running.add(stationId);
      const job = this.#deps
        .run(stationId, cause)
        .then(
          () => undefined,
          (err) => {
            if (expected(err)) this.#deps.log.debug({ err, stationId, cause }, 'local list not updated: the charger cannot take commands now');
            else this.#deps.log.warn({ err, stationId, cause }, 'local list update failed');
          },
        )
        .finally(() => {
          this.#running.delete(stationId);
          this.#pump();
        });
      this.#track(job);
    }
  }

  #track(job: Promise<void>): void {
    this.#inFlight.add(job);
    void job.finally(() => this.#inFlight.delete(job));
  }
}
