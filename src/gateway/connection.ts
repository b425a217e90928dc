import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { RpcEndpoint, type RpcOptions } from '../protocol/index.ts';
import { validatorForVersion } from '../protocol/validator.ts';
import { versionOfSubprotocol, type OcppVersion } from '../protocol/versions.ts';
import type { ChargerSocket } from './socket.ts';
import type { AdmittedCertificate, FrameInfo, GatewayOptions } from './types.ts';

/** The gateway side of a connection: what a connection needs from the registry that holds it. */
export interface ConnectionHost {
  readonly options: GatewayOptions;
  connectionEnded(conn: ChargerConnection, code: number, reason: string, replaced: boolean): void;
  socketGone(socket: ChargerSocket): void;
}

/** Rejects calls to a charger whose connection is closed (or was replaced). */
export class ChargerNotConnectedError extends Error {
  readonly identity: string;

  constructor(identity: string, detail: string) {
    super(`Charger "${identity}" is not connected (${detail})`);
    this.name = 'ChargerNotConnectedError';
    this.identity = identity;
  }
}

export const REPLACED_REASON = 'replaced by a new connection';
// RFC 6455 §7.4.2 leaves 4000-4999 to applications; no standard code says "superseded".
export const REPLACED_CODE = 4000;

const BAD_MESSAGE_WINDOW_MS = 60_000;

export interface ConnectionInit {
  identity: string;
  protocol: string;
  remoteAddress: string;
  secure: boolean;
  seq: number;
  certificate?: AdmittedCertificate | null;
}

/**
 * One live charger. Kept small on purpose (one of these per charger, 10,000 per process):
 * plain fields, prototype methods, and a shared set of socket handlers in socket.ts.
 */
export class ChargerConnection {
  readonly identity: string;
  readonly protocol: string;
  /** the OCPP version of the negotiated subprotocol (none negotiated: 1.6) */
  readonly version: OcppVersion;
  readonly connectedAt: Date;
  readonly remoteAddress: string;
  readonly secure: boolean;
  /** Order of the upgrade that created it; the newest authenticated upgrade wins the identity. */
  readonly seq: number;
  /** The client certificate the charger was admitted with (security profile 3); null otherwise. */
  readonly certificate: AdmittedCertificate | null;

  private readonly host: ConnectionHost;
  private readonly socket: ChargerSocket;
  private readonly rpc: RpcEndpoint;
  private closedReason: string | null = null;
  /** closeAfterReply: close once the next answer to one of the charger's CALLs is sent */
  private closeAfterReplyWith: { code: number; reason: string } | null = null;
  private alive = true;
  private badMessages = 0;
  private badWindowStart = 0;
  /**
   * The charger's child logger, made on first use: pino's child() costs about 15 us (it runs
   * the redaction over the bindings) and a few hundred bytes, per charger, and most
   * connections never log anything below the configured level.
   */
  private childLog: Logger | null = null;

  constructor(host: ConnectionHost, socket: ChargerSocket, init: ConnectionInit) {
    this.identity = init.identity;
    this.protocol = init.protocol;
    this.version = versionOfSubprotocol(init.protocol);
    this.connectedAt = new Date();
    this.remoteAddress = init.remoteAddress;
    this.secure = init.secure;
    this.seq = init.seq;
    this.certificate = init.certificate ?? null;
    this.host = host;
    this.socket = socket;
    this.rpc = new RpcEndpoint(new RpcBridge(this, host));
    socket.conn = this;
  }

  get log(): Logger {
    return (this.childLog ??= this.host.options.log.child({ chargePointId: this.identity }));
  }

  get isOpen(): boolean {
    return this.closedReason === null;
  }

  /** Our CALLs to this charger not yet answered: the one in flight plus those queued behind it. */
  get pendingCalls(): number {
    return this.rpc.pendingCalls;
  }

  /** The charger's CALLs received and not yet answered (graceful stop waits for them). */
  get pendingInbound(): number {
    return this.rpc.pendingInbound;
  }

  /**
   * Graceful stop, step one: read nothing more from the charger. CALLs already read are still
   * handled and answered; what it sends from now on stays unread, so it is neither stored nor
   * answered, and the charger sends it again after reconnecting.
   */
  pauseReading(): void {
    if (this.closedReason === null) this.socket.pause();
  }

  /** Graceful stop, last step: close with `code`, reading again only to see the charger's close frame. */
  closeAfterDrain(code: number, reason: string): void {
    this.close(code, reason);
    this.socket.resume();
  }

  get maxFrameBytes(): number {
    return this.host.options.maxFrameBytes;
  }

  /** Sends a CALL to the charger and resolves with its CALLRESULT payload. */
  call(action: string, payload: unknown, opts?: { timeoutMs?: number }): Promise<unknown> {
    if (this.closedReason !== null) {
      return Promise.reject(new ChargerNotConnectedError(this.identity, `connection closed: ${this.closedReason}`));
    }
    return this.rpc.call(action, payload, opts);
  }

  /**
   * Closes the connection right after the answer to the CALL being handled goes out (e.g. a
   * BootNotification answered Rejected because the client certificate does not belong to the
   * charger), so that the charger reads the answer before the close.
   */
  closeAfterReply(code: number, reason: string): void {
    if (this.closedReason === null) this.closeAfterReplyWith = { code, reason };
  }

  close(code = 1000, reason = ''): void {
    if (this.closedReason !== null) return;
    // ChargerSocket.close finishes this connection right after the close frame is queued.
    this.socket.close(code, reason);
  }

  /** @internal The same identity connected again: end this one now, before the new one is announced. */
  replace(): void {
    if (this.closedReason !== null) return;
    this.finish(REPLACED_CODE, REPLACED_REASON, true);
    this.socket.close(REPLACED_CODE, REPLACED_REASON);
  }

  /** @internal One tick of the shared keepalive timer. */
  keepaliveTick(): void {
    if (this.closedReason !== null) return;
    if (!this.alive) {
      const reason = 'no pong or other traffic since the previous ping';
      this.log.info({ reason }, 'terminating unresponsive charger connection');
      this.finish(1006, reason, false);
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /** @internal */
  markAlive(): void {
    this.alive = true;
  }

  /** @internal */
  receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closedReason !== null) return;
    this.alive = true;
    if (isBinary) {
      // OCPP-J 1.6 §4.1.2: messages are UTF-8 JSON in text frames. A binary frame has no
      // message id we could answer, and a charger that sends them will not interoperate,
      // so we say so and hang up (RFC 6455 §7.4.1: 1003 "cannot accept this type of data").
      const reason = 'binary frames are not supported: OCPP-J uses text frames';
      this.log.warn({ reason }, 'closing charger connection');
      this.close(1003, reason);
      return;
    }
    // binaryType stays 'nodebuffer', so `ws` hands text frames over as one Buffer.
    const text = (data as Buffer).toString('utf8');
    try {
      this.rpc.handleText(text);
    } catch (err) {
      // The RPC layer answers bad frames itself; reaching here is our bug, not the charger's.
      this.log.error({ err }, 'unexpected error while handling a charger message');
    }
  }

  /** @internal Counts one bad message; over the per-minute limit the charger is disconnected. */
  badMessage(reason: string): void {
    if (this.closedReason !== null) return;
    const now = Date.now();
    if (now - this.badWindowStart >= BAD_MESSAGE_WINDOW_MS) {
      this.badWindowStart = now;
      this.badMessages = 0;
    }
    this.badMessages++;
    this.log.debug({ reason, count: this.badMessages }, 'bad message from charger');
    const limit = this.host.options.maxBadMessagesPerMinute;
    if (this.badMessages > limit) {
      this.log.warn(
        { reason, badMessages: this.badMessages, limitPerMinute: limit },
        'disconnecting charger: too many bad messages',
      );
      this.close(1008, `more than ${limit} bad messages per minute`);
    }
  }

  /** @internal */
  sendText(text: string): void {
    // A response computed after the socket closed has nowhere to go; dropping it is right.
    if (this.closedReason !== null || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(text);
    // A CALLRESULT ([3,...) or CALLERROR ([4,...) is an answer; our own CALLs ([2,...) are not.
    const pending = this.closeAfterReplyWith;
    if (pending !== null && (text.startsWith('[3') || text.startsWith('[4'))) this.close(pending.code, pending.reason);
  }

  /** @internal Called for every close of the socket, ours or `ws`'s, and for the echo of the peer's. */
  socketClosing(code: number, reason: string): void {
    this.finish(code, reason, false);
  }

  /** @internal The TCP connection is gone. */
  socketClosed(code: number, reason: string): void {
    this.finish(code, reason, false);
    this.host.socketGone(this.socket);
  }

  /** @internal */
  socketError(err: Error & { code?: string }): void {
    // `ws` has already closed the socket with the matching status code (see ChargerSocket).
    this.log.warn({ code: err.code, reason: err.message }, 'charger WebSocket error');
  }

  private finish(code: number, reason: string, replaced: boolean): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason === '' ? `code ${code}` : reason;
    this.rpc.close(this.closedReason);
    this.host.connectionEnded(this, code, reason, replaced);
  }
}

/**
 * The RPC layer's view of a connection. A separate object with prototype methods keeps
 * the RPC plumbing (send, onFrame, ...) off ChargerConnection's public surface without
 * allocating a closure per callback per charger.
 */
class RpcBridge implements RpcOptions {
  private readonly conn: ChargerConnection;
  private readonly host: ConnectionHost;

  constructor(conn: ChargerConnection, host: ConnectionHost) {
    this.conn = conn;
    this.host = host;
  }

  /** The schemas and error spellings of the version this connection negotiated. */
  get validator(): RpcOptions['validator'] {
    return validatorForVersion(this.conn.version);
  }

  get callTimeoutMs(): number {
    return this.host.options.callTimeoutMs;
  }

  get log(): Logger {
    return this.conn.log;
  }

  send(text: string): void {
    this.conn.sendText(text);
  }

  onCall(action: string, payload: unknown): Promise<unknown> {
    return this.host.options.onCall(this.conn, action, payload);
  }

  onFrame(direction: 'in' | 'out', text: string, info: FrameInfo): void {
    this.host.options.onFrame?.(this.conn, direction, text, info);
  }

  onBadMessage(reason: string): void {
    this.conn.badMessage(reason);
  }

  onCallHandled(action: string, durationMs: number, errorCode: string | null): void {
    this.host.options.onCallHandled?.(action, durationMs, errorCode);
  }
}
