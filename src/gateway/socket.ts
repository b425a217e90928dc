import { WebSocket } from 'ws';
import type { ChargerConnection } from './connection.ts';

// RFC 6455 §7.4.1 codes that `ws` itself sends when it gives up on a peer. It sends them
// without a reason; we add one so that the charger's log (and ours) says what happened.
const INTERNAL_CLOSE_REASONS: Record<number, string> = {
  1002: 'WebSocket protocol error',
  1007: 'text frame is not valid UTF-8',
  1009: 'message too big',
};

/**
 * The server-side WebSocket for one charger. It points back at its connection so that
 * one set of shared event handlers serves every socket (no closures per connection).
 */
export class ChargerSocket extends WebSocket {
  conn: ChargerConnection | null = null;

  override close(code?: number, data?: string | Buffer): void {
    let reason = data;
    if (reason === undefined && code !== undefined && code in INTERNAL_CLOSE_REASONS) {
      reason = INTERNAL_CLOSE_REASONS[code];
      if (code === 1009 && this.conn !== null) reason = `message larger than ${this.conn.maxFrameBytes} bytes`;
    }
    super.close(code, reason);
    // Every close passes here, whether we started it, `ws` gave up on the peer, or we
    // echo the peer's close frame, so the connection is finished at the first sign.
    this.conn?.socketClosing(code ?? 1005, reason === undefined ? '' : reason.toString());
  }

  /** Wires the shared handlers; call once, right after the upgrade. */
  listen(): void {
    this.on('message', onSocketMessage);
    this.on('pong', onSocketAlive);
    // A charger's own pings prove it alive as much as its pongs do.
    this.on('ping', onSocketAlive);
    this.on('close', onSocketClose);
    this.on('error', onSocketError);
  }
}

// One set of handlers for every socket; `this` is the socket that emitted the event.

function onSocketMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  (this as ChargerSocket).conn?.receive(data, isBinary);
}

function onSocketAlive(this: WebSocket): void {
  (this as ChargerSocket).conn?.markAlive();
}

function onSocketError(this: WebSocket, err: Error): void {
  (this as ChargerSocket).conn?.socketError(err);
}

function onSocketClose(this: WebSocket, code: number, reason: Buffer): void {
  (this as ChargerSocket).conn?.socketClosed(code, reason.toString());
}
