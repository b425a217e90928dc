// Sockets on the charger listeners that are not (yet) a WebSocket nor a plain HTTP request
// (issue 11): a TCP socket that never sends a byte, a TLS client that never says hello, an
// upgrade whose headers dribble in, or one still being authenticated. Each is closed when its
// request headers are not complete within timeoutMs, and at most maxPending (authentication
// included) are open at once: beyond, a new socket is closed at once. Node's own limits do not cover this: headersTimeout is checked
// every 30 s and applies to HTTP parsing only, the TLS handshake timeout is 120 s.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

export interface HandshakeLimits {
  /** a socket whose request headers are not complete this long after connecting is closed */
  timeoutMs: number;
  /** sockets in their handshake at once; a new one beyond it is closed at once */
  maxPending: number;
}

const REFUSED_LOG_MS = 10_000;

/**
 * Keyed by the TCP 4-tuple (local port, remote address and port), which a TLS socket shares
 * with the raw socket under it: no reaching into Node's internals to pair them.
 */
function keyOf(socket: Socket): string {
  return `${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}

interface Pending {
  socket: Socket;
  timer: NodeJS.Timeout;
  onClose: () => void;
}

export class HandshakeGuard {
  readonly #limits: HandshakeLimits;
  readonly #log: Logger;
  readonly #pending = new Map<string, Pending>();
  #refused = 0;
  #timedOut = 0;
  #lastLog = 0;

  constructor(limits: HandshakeLimits, log: Logger) {
    this.#limits = limits;
    this.#log = log;
    this.connection = this.connection.bind(this);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** The listener's 'connection' handler (the raw TCP socket, before any TLS). */
  connection(socket: Socket): void {
    if (this.#pending.size >= this.#limits.maxPending) {
      this.#refused++;
      socket.destroy();
      this.#logNow();
      return;
    }
    const key = keyOf(socket);
    const onClose = () => this.#forget(key);
    const timer = setTimeout(() => {
      this.#timedOut++;
      this.#forget(key);
      socket.destroy();
      this.#logNow();
    }, this.#limits.timeoutMs);
    timer.unref();
    socket.once('close', onClose);
    this.#pending.set(key, { socket, timer, onClose });
  }

  /**
   * The upgrade's headers are complete: no timeout from here (its credential check waits in a
   * bounded queue of its own, which must not cost it the connection), but it still counts as
   * pending until it is a WebSocket or closed.
   */
  headersIn(socket: Socket): void {
    const p = this.#pending.get(keyOf(socket));
    if (p !== undefined) clearTimeout(p.timer);
  }

  /** The socket became a WebSocket connection or carries an HTTP request: no handshake limit any more. */
  done(socket: Socket): void {
    this.#forget(keyOf(socket));
  }

  /** Closes every socket still in its handshake (stop). */
  closeAll(): void {
    for (const [key, p] of this.#pending) {
      this.#forget(key);
      p.socket.destroy();
    }
  }

  #forget(key: string): void {
    const p = this.#pending.get(key);
    if (p === undefined) return;
    clearTimeout(p.timer);
    p.socket.off('close', p.onClose);
    this.#pending.delete(key);
  }

  /** One line per REFUSED_LOG_MS at most, with the counts since the last one. */
  #logNow(): void {
    const now = Date.now();
    if (now - this.#lastLog < REFUSED_LOG_MS) return;
    this.#lastLog = now;
    this.#log.warn({ timedOut: this.#timedOut, refused: this.#refused, pending: this.#pending.size, ...this.#limits }, 'charger sockets closed in their handshake: too slow, or too many at once');
    this.#timedOut = 0;
    this.#refused = 0;
  }
}
