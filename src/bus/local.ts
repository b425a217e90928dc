// The in-process bus: the default, single-node transport for events and charger commands.
// A cluster bus (NATS) implements the same interface, routing a command to the node that holds
// the charger's connection.
import type { PlugboardEvent } from './events.ts';
import { redact } from '../redact.ts';

export interface CommandTarget {
  /** sends an OCPP CALL to a charger connected to THIS node; undefined when it is not here */
  callLocal(stationId: string, action: string, payload: unknown, timeoutMs?: number): Promise<unknown> | undefined;
}

export interface Bus {
  publish(event: PlugboardEvent): void;
  subscribe(listener: (event: PlugboardEvent) => void): () => void;
  /** Route a command to whichever node holds the charger. Rejects with StationOfflineError when none does. */
  request(stationId: string, action: string, payload: unknown, timeoutMs?: number): Promise<unknown>;
  setCommandTarget(target: CommandTarget): void;
}

export class StationOfflineError extends Error {
  readonly stationId: string;
  constructor(stationId: string) {
    super(`station ${stationId} is not connected`);
    this.name = 'StationOfflineError';
    this.stationId = stationId;
  }
}

export class LocalBus implements Bus {
  #listeners = new Set<(event: PlugboardEvent) => void>();
  #target: CommandTarget | null = null;
  #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  publish(event: PlugboardEvent): void {
    // Secrets in frames never reach a listener (SSE, webhooks, ...): e.g. a charger's error text echoing a password.
    event = redact(event);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        // A broken listener must never break the charger path that published the event.
        this.#onListenerError(err);
      }
    }
  }

  subscribe(listener: (event: PlugboardEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setCommandTarget(target: CommandTarget): void {
    this.#target = target;
  }

  request(stationId: string, action: string, payload: unknown, timeoutMs?: number): Promise<unknown> {
    const pending = this.#target?.callLocal(stationId, action, payload, timeoutMs);
    return pending ?? Promise.reject(new StationOfflineError(stationId));
  }
}
