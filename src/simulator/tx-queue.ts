// Transaction messages (StartTransaction, MeterValues of a transaction, StopTransaction) are
// delivered reliably and in order, as OCPP 1.6 §4.8-4.10 and §3.15 ask of a charger: queued
// while offline and replayed with their original timestamps once back, retried on error up to
// TransactionMessageAttempts times, TransactionMessageRetryInterval x attempt apart. The
// transactionId is filled in at sending time: the real one once the Start was answered, -1 when
// that answer never came (OCPP 1.6 errata 3.18).
import { OcppError } from '../protocol/errors.ts';
import { RpcCallError, RpcClosedError, RpcTimeoutError } from '../protocol/rpc.ts';
import type { TxMessage } from './connector.ts';

interface Queued extends TxMessage {
  attempts: number;
}

export interface TxQueueHost {
  /** connected and Accepted: messages may go out */
  ready(): boolean;
  call(action: string, payload: unknown): Promise<any>;
  attempts(): number;
  retryIntervalMs(): number;
  answered(message: TxMessage, response: any): void;
  /** given up after its attempts; for a Start, the transaction's later messages say -1 */
  dropped(message: TxMessage): void;
  queuedOffline(): void;
}

/** Beyond this, the oldest MeterValues give way (a real charger's flash is finite too). */
const MAX_QUEUED = 2000;

export class TxQueue {
  #items: Queued[] = [];
  #host: TxQueueHost;
  #pumping = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #drained: Array<() => void> = [];

  constructor(host: TxQueueHost) {
    this.#host = host;
  }

  get length(): number {
    return this.#items.length;
  }

  push(message: TxMessage): void {
    if (!this.#host.ready()) this.#host.queuedOffline();
    if (this.#items.length >= MAX_QUEUED) {
      const i = this.#items.findIndex((m) => m.action === 'MeterValues');
      if (i >= 0) this.#items.splice(i, 1);
    }
    this.#items.push({ ...message, attempts: 0 });
    this.pump();
  }

  /** Sends what is queued, one at a time; called again on every reconnect. */
  pump(): void {
    if (this.#pumping || this.#retryTimer !== null) return;
    this.#pumping = true;
    void this.#run().finally(() => {
      this.#pumping = false;
      if (this.#items.length === 0) this.#notifyDrained();
    });
  }

  /** Resolves once the queue is empty, or after timeoutMs. */
  drain(timeoutMs: number): Promise<void> {
    if (this.#items.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const list = this.#drained;
      function done() {
        clearTimeout(timer);
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        resolve();
      }
      list.push(done);
    });
  }

  stop(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#notifyDrained();
  }

  #notifyDrained(): void {
    for (const done of [...this.#drained]) done();
  }

  async #run(): Promise<void> {
    const host = this.#host;
    while (this.#items.length > 0 && host.ready()) {
      const item = this.#items[0];
      const payload = item.wire ? item.wire.payload : item.action === 'StartTransaction' ? item.payload : { ...item.payload, transactionId: item.tx.transactionId ?? -1 };
      item.attempts++;
      try {
        const response = await host.call(item.wire ? item.wire.action : item.action, payload);
        this.#items.shift();
        host.answered(item, response);
        continue;
      } catch (err) {
        // OcppError: our own payload failed its schema, and would fail every time.
        if (item.attempts >= host.attempts() || err instanceof OcppError) {
          this.#items.shift();
          host.dropped(item);
          continue;
        }
        if (err instanceof RpcClosedError || !(err instanceof RpcCallError || err instanceof RpcTimeoutError)) {
          // Connection gone (or not there): the next connection picks it up again.
          return;
        }
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = null;
          this.pump();
        }, host.retryIntervalMs() * item.attempts);
        return;
      }
    }
  }
}
