// The OCPP-J RPC state machine of one connection (OCPP-J 1.6 §4), without the socket: frames
// arrive through handleText and leave through opts.send, so it runs the same under `ws`, in
// the simulator and in tests.
//
// Kept small because a process holds one per charger (10,000 and more): eight plain fields, no
// closures of its own, queues created only while something waits in them. The options object
// is used as given and never copied, so its callbacks may be prototype methods or getters.
import type { Logger } from 'pino';
import { isErrorCode16, normalizeErrorCode, OcppError, wireErrorCode, type ErrorCode16 } from './errors.ts';
import {
  encodeCall,
  encodeCallError,
  encodeCallResult,
  MessageType,
  parseFrame,
  type CallErrorFrame,
  type CallFrame,
  type CallResultFrame,
  type FrameError,
  UNKNOWN_MESSAGE_ID,
} from './frames.ts';
import type { OcppValidator } from './validator.ts';

export interface FrameInfo {
  type: number;
  messageId: string | null;
  action: string | null;
  /**
   * True for a frame that should be counted but not written to the message log: a CALLRESULT
   * or CALLERROR for an unknown message id beyond the per-minute sample, so a charger flooding
   * them cannot push its real history out of the log.
   */
  unlogged?: boolean;
}

export interface RpcOptions {
  /** writes a frame to the peer */
  send(text: string): void;
  /** Handles an inbound CALL; returns the response payload or throws OcppError (any other throw -> InternalError, logged). */
  onCall(action: string, payload: unknown, messageId: string): Promise<unknown>;
  validator: OcppValidator;
  callTimeoutMs: number;
  log: Logger;
  /**
   * Which end of the link this is: 'central' (default) accepts the actions a charger sends
   * and sends the Central System's; 'charger' is the reverse, for the simulator.
   */
  role?: 'central' | 'charger';
  /**
   * Every frame in or out, for the message log and metrics. The action is filled in for
   * results and errors by matching the CALL. `type` is 0 for a frame whose MessageTypeId
   * could not be read.
   */
  onFrame?(direction: 'in' | 'out', text: string, info: FrameInfo): void;
  /**
   * An inbound frame we refused: malformed, schema-invalid, an unknown or wrong-way action,
   * a duplicate message id, a CALLRESULT/CALLERROR for a message id we never sent (or already
   * had answered). The gateway counts these to rate-limit or disconnect a charger.
   */
  onBadMessage?(reason: string): void;
  /** An inbound CALL of a known action was answered: for latency and error metrics. */
  onCallHandled?(action: string, durationMs: number, errorCode: string | null): void;
}

/** The peer did not answer a CALL in time. */
export class RpcTimeoutError extends Error {
  readonly code = 'Timeout';
  action: string;
  messageId: string;
  timeoutMs: number;

  constructor(action: string, messageId: string, timeoutMs: number) {
    super(`${action} (message ${messageId}) got no response within ${timeoutMs} ms`);
    this.name = 'RpcTimeoutError';
    this.action = action;
    this.messageId = messageId;
    this.timeoutMs = timeoutMs;
  }
}

/** The peer answered a CALL with a CALLERROR. The code is in its 1.6 spelling. */
export class RpcCallError extends Error {
  code: string;
  description: string;
  details: unknown;
  action: string;

  constructor(action: string, code: string, description: string, details: unknown) {
    super(description === '' ? `${action} failed: ${code}` : `${action} failed: ${code}: ${description}`);
    this.name = 'RpcCallError';
    this.action = action;
    this.code = code;
    this.description = description;
    this.details = details;
  }
}

/** The connection closed before the CALL was answered (or before it could be sent). */
export class RpcClosedError extends Error {
  readonly code = 'Closed';
  reason: string;

  constructor(action: string, reason: string) {
    super(`${action} not answered: connection closed (${reason})`);
    this.name = 'RpcClosedError';
    this.reason = reason;
  }
}

interface OutboundCall {
  id: string;
  action: string;
  text: string;
  timeoutMs: number;
  resolve: (payload: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

// Message ids are unique per process, which makes them unique per connection (OCPP-J 1.6
// §4.1.4) without a counter per endpoint. The random prefix keeps ids from repeating across
// restarts, for chargers that remember the last ids they saw. At most 4 + 1 + 16 characters.
const ID_PREFIX = Math.floor(Math.random() * 36 ** 4)
  .toString(36)
  .padStart(4, '0');
let idCounter = 0;

function nextMessageId(): string {
  idCounter++;
  return `${ID_PREFIX}-${idCounter}`;
}

const INTERNAL_ERROR_DESCRIPTION = 'Internal error while processing the request';

/**
 * OCPP-J 1.6 §4.1.1 asks a charger to wait for each answer, so more than one waiting CALL is
 * already tolerance on our part; past this many the peer is flooding us, and the extra CALLs
 * are refused instead of held in memory.
 */
export const MAX_QUEUED_INBOUND_CALLS = 100;

/**
 * Per minute and connection, how many CALLRESULT/CALLERROR frames for unknown message ids are
 * logged (a warning each) and written to the message log; the rest are only counted, and one
 * summary line says how many were left out.
 */
export const UNMATCHED_SAMPLE_PER_MINUTE = 5;
const UNMATCHED_WINDOW_MS = 60_000;
/** Ids of our timed-out CALLs remembered, so their late answers are not taken for misbehaviour. */
const LATE_IDS_KEPT = 4;

/** Unknown-id answers in the current minute; created on the first one. */
interface UnmatchedWindow {
  start: number;
  seen: number;
  /** left out of the log and the message log since the last summary */
  skipped: number;
}

/** Peer-chosen strings echoed into a description or log line are cut to a sane length. */
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}

export class RpcEndpoint {
  private readonly opts: RpcOptions;
  private closedReason: string | null = null;
  /** OCPP-J 1.6 §4.1.1: at most one CALL of ours awaits an answer; the rest wait in outQueue. */
  private outstanding: OutboundCall | null = null;
  private outQueue: OutboundCall[] | null = null;
  /** the inbound CALL being handled; later ones wait in inQueue, in arrival order */
  private inCurrent: CallFrame | null = null;
  private inQueue: CallFrame[] | null = null;
  /** ids of our most recent timed-out CALLs, newest last; created on the first timeout */
  private lateIds: string[] | null = null;
  private unmatched: UnmatchedWindow | null = null;

  constructor(opts: RpcOptions) {
    this.opts = opts;
  }

  get pendingCalls(): number {
    return (this.outstanding === null ? 0 : 1) + (this.outQueue?.length ?? 0);
  }

  /** The peer's CALLs received and not yet answered: the one being handled plus those queued behind it. */
  get pendingInbound(): number {
    return (this.inCurrent === null ? 0 : 1) + (this.inQueue?.length ?? 0);
  }

  /** Feed every inbound text frame. Never throws for anything the peer sends. */
  handleText(text: string): void {
    if (this.closedReason !== null) return;
    const parsed = parseFrame(text, this.opts.validator.version);
    if (!parsed.ok) {
      this.receiveMalformed(text, parsed);
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case MessageType.CALL:
        this.receiveCall(text, frame);
        break;
      case MessageType.CALLRESULT:
        this.receiveResult(text, frame);
        break;
      default:
        this.receiveError(text, frame);
    }
  }

  /**
   * Sends a CALL and resolves with the peer's (schema-valid) CALLRESULT payload. Rejects with
   * OcppError when the payload is invalid (it is never sent), RpcCallError on a CALLERROR,
   * RpcTimeoutError, or RpcClosedError. The timeout runs from the moment the CALL is sent.
   */
  call(action: string, payload: unknown, opts?: { timeoutMs?: number }): Promise<unknown> {
    if (this.closedReason !== null) return Promise.reject(new RpcClosedError(action, this.closedReason));
    const o = this.opts;
    const validator = o.validator;
    const mine = o.role === 'charger' ? validator.isChargerAction(action) : validator.isCentralAction(action);
    if (!mine) {
      const known = validator.isKnownAction(action);
      return Promise.reject(
        new OcppError(
          known ? 'NotSupported' : 'NotImplemented',
          known
            ? `${action} is not sent by the ${o.role === 'charger' ? 'Charge Point' : 'Central System'}`
            : `${action} is not an OCPP ${validator.version} action`,
        ),
      );
    }
    const body = payload ?? {};
    const validation = validator.validateRequest(action, body, 'local');
    if (!validation.ok) {
      return Promise.reject(
        new OcppError(validation.code, `Not sending an invalid ${action}: ${validation.message}`, {
          errors: validation.errors,
        }),
      );
    }
    const id = nextMessageId();
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const pending: OutboundCall = {
      id,
      action,
      text: encodeCall(id, action, body),
      timeoutMs: opts?.timeoutMs ?? o.callTimeoutMs,
      resolve,
      reject,
      timer: undefined,
    };
    if (this.outstanding === null && this.outQueue === null) {
      this.transmit(pending);
    } else {
      (this.outQueue ??= []).push(pending);
      if (this.outstanding === null) this.pump();
    }
    return promise;
  }

  /** Rejects the outstanding call and every queued one, and drops queued inbound CALLs. Idempotent. */
  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.summariseUnmatched();
    const outstanding = this.outstanding;
    const queued = this.outQueue;
    this.outstanding = null;
    this.outQueue = null;
    // The charger got no answer to these, so it will send them again after reconnecting.
    this.inQueue = null;
    if (outstanding !== null) {
      clearTimeout(outstanding.timer);
      outstanding.reject(new RpcClosedError(outstanding.action, reason));
    }
    if (queued !== null) {
      for (const call of queued) call.reject(new RpcClosedError(call.action, reason));
    }
  }

  // ---- outbound CALLs -------------------------------------------------------------------

  private transmit(call: OutboundCall): void {
    this.outstanding = call;
    call.timer = setTimeout(RpcEndpoint.timeOut, call.timeoutMs, this, call);
    try {
      this.opts.send(call.text);
    } catch (err) {
      clearTimeout(call.timer);
      this.outstanding = null;
      call.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.frameSeen('out', call.text, { type: MessageType.CALL, messageId: call.id, action: call.action });
  }

  /** Sends queued CALLs while the slot is free (a failed send frees it again at once). */
  private pump(): void {
    const queue = this.outQueue;
    if (queue === null) return;
    while (this.outstanding === null && this.closedReason === null && queue.length > 0) {
      this.transmit(queue.shift() as OutboundCall);
    }
    if (queue.length === 0 && this.outQueue === queue) this.outQueue = null;
  }

  // A static method with the endpoint as an argument: setTimeout needs no closure per call.
  private static timeOut(endpoint: RpcEndpoint, call: OutboundCall): void {
    if (endpoint.outstanding !== call) return;
    endpoint.outstanding = null;
    const late = (endpoint.lateIds ??= []);
    if (late.length >= LATE_IDS_KEPT) late.shift();
    late.push(call.id);
    endpoint.opts.log.warn(
      { action: call.action, messageId: call.id, timeoutMs: call.timeoutMs },
      'no response to CALL in time; giving up on it',
    );
    call.reject(new RpcTimeoutError(call.action, call.id, call.timeoutMs));
    endpoint.pump();
  }

  /** Frees the slot if `id` answers the outstanding CALL; null for a late or unknown id. */
  private takeOutstanding(id: string): OutboundCall | null {
    const call = this.outstanding;
    if (call === null || call.id !== id) return null;
    clearTimeout(call.timer);
    this.outstanding = null;
    return call;
  }

  /** True (once) when `id` is that of one of our recent CALLs that timed out. */
  private takeLate(id: string): boolean {
    const late = this.lateIds;
    const at = late === null ? -1 : late.indexOf(id);
    if (at < 0) return false;
    (late as string[]).splice(at, 1);
    return true;
  }

  /**
   * A CALLRESULT/CALLERROR that answers no CALL of ours. A late answer to a CALL that timed out
   * is normal (the charger was merely slow): logged and recorded. Any other id (never sent, or
   * answered already) counts as a bad message; only a sample per minute is logged and
   * recorded, so a flood of them costs neither the log nor the station's message history.
   */
  private receiveUnmatched(text: string, type: number, id: string): void {
    const kind = type === MessageType.CALLRESULT ? 'CALLRESULT' : 'CALLERROR';
    if (this.takeLate(id)) {
      this.frameSeen('in', text, { type, messageId: id, action: null });
      this.opts.log.warn({ messageId: id }, `late ${kind} for a CALL that had timed out; ignored`);
      return;
    }
    const now = Date.now();
    let w = this.unmatched;
    if (w === null) {
      w = this.unmatched = { start: now, seen: 0, skipped: 0 };
    } else if (now - w.start >= UNMATCHED_WINDOW_MS) {
      this.summariseUnmatched();
      w.start = now;
      w.seen = 0;
    }
    w.seen++;
    const sampled = w.seen <= UNMATCHED_SAMPLE_PER_MINUTE;
    if (sampled) {
      this.opts.log.warn({ messageId: clip(id) }, `${kind} for an unknown message id (no such CALL outstanding); ignored`);
    } else {
      w.skipped++;
    }
    this.frameSeen('in', text, sampled ? { type, messageId: id, action: null } : { type, messageId: id, action: null, unlogged: true });
    this.badMessage(`${kind} for unknown message id ${clip(id)}`);
  }

  /** One line for the unknown-id answers left out of the log since the last summary. */
  private summariseUnmatched(): void {
    const w = this.unmatched;
    if (w === null || w.skipped === 0) return;
    this.opts.log.warn(
      { skipped: w.skipped, perMinuteLogged: UNMATCHED_SAMPLE_PER_MINUTE },
      'more CALLRESULT/CALLERROR frames for unknown message ids ignored; not logged or written to the message log',
    );
    w.skipped = 0;
  }

  private receiveResult(text: string, frame: CallResultFrame): void {
    const o = this.opts;
    const call = this.takeOutstanding(frame.id);
    if (call === null) {
      this.receiveUnmatched(text, MessageType.CALLRESULT, frame.id);
      return;
    }
    this.frameSeen('in', text, { type: MessageType.CALLRESULT, messageId: frame.id, action: call.action });
    const validation = o.validator.validateResponse(call.action, frame.payload, 'peer');
    if (validation.ok) {
      call.resolve(frame.payload);
    } else {
      this.badMessage(`invalid ${call.action} response: ${validation.message}`);
      call.reject(
        new OcppError(validation.code, `Invalid ${call.action} response: ${validation.message}`, {
          payload: frame.payload,
          errors: validation.errors,
        }),
      );
    }
    this.pump();
  }

  private receiveError(text: string, frame: CallErrorFrame): void {
    const call = this.takeOutstanding(frame.id);
    if (call === null) {
      this.receiveUnmatched(text, MessageType.CALLERROR, frame.id);
      return;
    }
    this.frameSeen('in', text, { type: MessageType.CALLERROR, messageId: frame.id, action: call.action });
    call.reject(new RpcCallError(call.action, normalizeErrorCode(frame.code), frame.description, frame.details));
    this.pump();
  }

  // ---- inbound frames we cannot use -----------------------------------------------------

  private receiveMalformed(text: string, error: FrameError): void {
    const o = this.opts;
    const isResponse = error.messageType === MessageType.CALLRESULT || error.messageType === MessageType.CALLERROR;
    // A broken answer to our CALL fails that CALL now rather than at its timeout.
    const call = isResponse && error.messageId !== null ? this.takeOutstanding(error.messageId) : null;
    this.frameSeen('in', text, { type: error.messageType ?? 0, messageId: error.messageId, action: call?.action ?? null });
    this.badMessage(error.description);
    if (call !== null) {
      call.reject(
        new OcppError(error.code, `Malformed response to ${call.action}: ${error.description}`, {
          frame: text.length > 1000 ? `${text.slice(0, 1000)}...` : text,
        }),
      );
      this.pump();
    }
    if (error.ignore) {
      o.log.warn({ messageId: error.messageId, reason: error.description }, 'ignored an unusable frame');
      return;
    }
    o.log.warn({ messageId: error.messageId, reason: error.description }, 'malformed frame; answering with CALLERROR');
    const replyId = error.messageId ?? UNKNOWN_MESSAGE_ID;
    const code = (this.opts.validator.version === '2.0.1' && error.wireCode) || wireErrorCode(this.opts.validator.version, error.code);
    this.reply(encodeCallError(replyId, code, error.description), MessageType.CALLERROR, replyId, null);
  }

  // ---- inbound CALLs --------------------------------------------------------------------

  private receiveCall(text: string, frame: CallFrame): void {
    const o = this.opts;
    const { id, action } = frame;
    this.frameSeen('in', text, { type: MessageType.CALL, messageId: id, action });

    if (this.isInboundBusy(id)) {
      // OCPP-J 1.6 §4.1.4 wants ids unique per sender and connection but names no error code
      // for a reused one. Its payload is fine, so the constraint codes do not fit, and
      // ProtocolError means "incomplete"; GenericError ("any other error") is the honest one.
      // It is answered without being processed: handling it twice could double-book a
      // transaction.
      this.refuseCall(id, action, 'GenericError', `MessageId ${id} is already in use by a CALL being processed`);
      return;
    }

    const validator = o.validator;
    const forUs = o.role === 'charger' ? validator.isCentralAction(action) : validator.isChargerAction(action);
    if (!forUs) {
      // OCPP-J 1.6 §4.2.3: NotImplemented for an action we do not know at all, NotSupported
      // for one we know but that does not travel in this direction (a charger sending Reset).
      // Action names are case-sensitive (§4.2.1), so "heartbeat" is unknown.
      const known = validator.isKnownAction(action);
      this.refuseCall(
        id,
        action,
        known ? 'NotSupported' : 'NotImplemented',
        known ? `${action} is not accepted in this direction` : `Unknown action ${clip(action)}`,
      );
      return;
    }

    const validation = validator.validateRequest(action, frame.payload, 'peer');
    if (!validation.ok) {
      this.refuseCall(id, action, validation.code, validation.message, { errors: validation.errors });
      return;
    }

    if (this.inCurrent === null) {
      void this.runInbound(frame);
    } else if ((this.inQueue?.length ?? 0) >= MAX_QUEUED_INBOUND_CALLS) {
      this.refuseCall(id, action, 'GenericError', `More than ${MAX_QUEUED_INBOUND_CALLS} CALLs awaiting an answer`);
    } else {
      (this.inQueue ??= []).push(frame);
    }
  }

  private isInboundBusy(id: string): boolean {
    if (this.inCurrent?.id === id) return true;
    return this.inQueue?.some((queued) => queued.id === id) ?? false;
  }

  private refuseCall(
    id: string,
    action: string,
    code: ErrorCode16,
    description: string,
    details?: Record<string, unknown>,
  ): void {
    const o = this.opts;
    o.log.warn({ messageId: id, action: clip(action), code, reason: description }, 'refused inbound CALL');
    this.badMessage(`${code}: ${description}`);
    // Unknown actions stay out of metrics and logs' action field: their names are whatever
    // the peer makes up.
    const known = o.validator.isKnownAction(action);
    if (known) this.callHandled(action, 0, code);
    this.reply(encodeCallError(id, wireErrorCode(o.validator.version, code), description, details), MessageType.CALLERROR, id, known ? action : null);
  }

  /**
   * Handles inbound CALLs one at a time in arrival order (a charger that pipelines
   * StartTransaction then StopTransaction must see them applied in that order).
   */
  private async runInbound(first: CallFrame): Promise<void> {
    let next: CallFrame | undefined = first;
    while (next !== undefined) {
      this.inCurrent = next;
      try {
        await this.handleInbound(next);
      } catch (err) {
        // Unreachable unless the logger itself throws; even then the queue must keep moving.
        this.opts.log.error({ err, messageId: next.id }, 'error after handling an inbound CALL');
      }
      next = this.closedReason === null ? this.inQueue?.shift() : undefined;
    }
    this.inCurrent = null;
    this.inQueue = null;
  }

  /** Every outcome, a handler's throw included, becomes a CALLRESULT or a CALLERROR. */
  private async handleInbound(frame: CallFrame): Promise<void> {
    const o = this.opts;
    const { id, action } = frame;
    const started = performance.now();
    let text: string;
    let errorCode: ErrorCode16 | null = null;
    try {
      const result = (await o.onCall(action, frame.payload, id)) ?? {};
      const validation = o.validator.validateResponse(action, result, 'local');
      if (validation.ok) {
        text = encodeCallResult(id, result);
      } else {
        // Our bug, never the charger's problem: it gets a plain InternalError, we get the details.
        o.log.error(
          { action, messageId: id, reason: validation.message, errors: validation.errors, payload: result },
          'handler returned a response that fails its schema; sent InternalError instead',
        );
        errorCode = 'InternalError';
        text = encodeCallError(id, wireErrorCode(o.validator.version, errorCode), INTERNAL_ERROR_DESCRIPTION);
      }
    } catch (err) {
      if (err instanceof OcppError && isErrorCode16(err.code)) {
        errorCode = err.code;
        text = encodeCallError(id, wireErrorCode(o.validator.version, err.code), err.message, err.details);
      } else {
        o.log.error({ err, action, messageId: id }, 'handler failed; sent InternalError');
        errorCode = 'InternalError';
        text = encodeCallError(id, wireErrorCode(o.validator.version, errorCode), INTERNAL_ERROR_DESCRIPTION);
      }
    }
    this.callHandled(action, performance.now() - started, errorCode);
    // A response finished after the connection closed has nowhere to go.
    if (this.closedReason !== null) return;
    this.reply(text, errorCode === null ? MessageType.CALLRESULT : MessageType.CALLERROR, id, action);
  }

  // The gateway's observers must not be able to break the protocol: a throw from one is
  // logged and otherwise ignored, so it can never leave a CALL unanswered or a queue stuck.
  private frameSeen(direction: 'in' | 'out', text: string, info: FrameInfo): void {
    try {
      this.opts.onFrame?.(direction, text, info);
    } catch (err) {
      this.opts.log.error({ err }, 'onFrame observer threw');
    }
  }

  private badMessage(reason: string): void {
    try {
      this.opts.onBadMessage?.(reason);
    } catch (err) {
      this.opts.log.error({ err }, 'onBadMessage observer threw');
    }
  }

  private callHandled(action: string, durationMs: number, errorCode: string | null): void {
    try {
      this.opts.onCallHandled?.(action, durationMs, errorCode);
    } catch (err) {
      this.opts.log.error({ err }, 'onCallHandled observer threw');
    }
  }

  private reply(text: string, type: number, messageId: string | null, action: string | null): void {
    const o = this.opts;
    try {
      o.send(text);
    } catch (err) {
      o.log.warn({ err, messageId }, 'could not send a response');
      return;
    }
    this.frameSeen('out', text, { type, messageId, action });
  }
}
