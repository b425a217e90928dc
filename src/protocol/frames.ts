import type { ErrorCode16, ErrorCode201 } from './errors.ts';

// OCPP-J 1.6 §4.1.3
export const MessageType = { CALL: 2, CALLRESULT: 3, CALLERROR: 4 } as const;

export interface CallFrame {
  type: 2;
  id: string;
  action: string;
  payload: unknown;
}

export interface CallResultFrame {
  type: 3;
  id: string;
  payload: unknown;
}

export interface CallErrorFrame {
  type: 4;
  id: string;
  code: string;
  description: string;
  details: unknown;
}

export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

export interface FrameError {
  ok: false;
  /** the id to echo in the CALLERROR, when element 1 was a string */
  messageId: string | null;
  code: ErrorCode16;
  description: string;
  /** true: send no CALLERROR for this frame (see parseFrame) */
  ignore: boolean;
  /** element 0 when it was a number, so a caller can tell a broken response from a broken CALL */
  messageType: number | null;
  /**
   * On a 2.0.1 connection, the 2.0.1-only code the CALLERROR carries instead of `code`
   * (OCPP 2.0.1 Part 4 §4.3): RpcFrameworkError for a frame that is not a valid RPC message,
   * MessageTypeNotSupported for an unknown MessageTypeId. `code` stays the nearest 1.6 code.
   */
  wireCode?: 'RpcFrameworkError' | 'MessageTypeNotSupported';
}

export type ParseResult = { ok: true; frame: Frame } | FrameError;

// OCPP-J 1.6 §4.1.4: "maximum length of 36 characters, to allow for GUIDs".
export const MAX_MESSAGE_ID_LENGTH = 36;

// 1.6 says nothing about the id of a CALLERROR for a frame whose id could not be read.
// "-1" is what ocpp-rpc sends and what OCPP 2.x-J later wrote down for this case; a peer
// cannot mistake it for one of its own ids, since no sane sender numbers from -1.
export const UNKNOWN_MESSAGE_ID = '-1';

function fail(
  messageId: string | null,
  messageType: number | null,
  code: ErrorCode16,
  description: string,
  ignore = false,
): FrameError {
  return { ok: false, messageId, code, description, ignore, messageType };
}

/** A frame that is no valid RPC message: RpcFrameworkError on a 2.0.1 wire, FormationViolation on 1.6. */
function notRpc(version: '1.6' | '2.0.1', messageId: string | null, messageType: number | null, description: string, ignore = false): FrameError {
  const error = fail(messageId, messageType, 'FormationViolation', description, ignore);
  if (version === '2.0.1') error.wireCode = 'RpcFrameworkError';
  return error;
}

// OCPP-J 1.6 §4.1.2: an empty payload may arrive as `null` instead of `{}`.
function isPayload(value: unknown): boolean {
  return value === null || (typeof value === 'object' && !Array.isArray(value));
}

/**
 * Decodes one text frame (OCPP-J 1.6 §4). Failures say which CALLERROR to answer with.
 *
 * A broken CALLRESULT or CALLERROR is reported with `ignore: true`: a CALLERROR only ever
 * answers a CALL (§4.2.3), and answering a response could make two peers bounce errors at
 * each other forever (EVerest libocpp made the same change). The caller still gets the
 * message id so it can fail the call the broken response was meant for.
 */
export function parseFrame(text: string, version: '1.6' | '2.0.1' = '1.6'): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // OCPP 2.0.1 Part 4 §4.2.3: RpcFrameworkError, messageId "-1" when it cannot be read.
    return notRpc(version, null, null, 'Message is not valid JSON');
  }
  if (!Array.isArray(value)) {
    return notRpc(version, null, null, 'Message must be a JSON array');
  }
  const type: unknown = value[0];
  const rawId: unknown = value[1];
  const id = typeof rawId === 'string' ? rawId : null;
  if (typeof type !== 'number') {
    return notRpc(version, id, null, 'MessageTypeId must be a number');
  }
  if (type !== MessageType.CALL && type !== MessageType.CALLRESULT && type !== MessageType.CALLERROR) {
    // OCPP 2.0.1 Part 4 §4.3: answered with MessageTypeNotSupported. OCPP-J 1.6 §4.1.3: ignored;
    // 1.6 has no such code, so there is nothing valid to answer with.
    if (version === '2.0.1') return { ...fail(id, type, 'FormationViolation', `Unknown MessageTypeId ${type}`), wireCode: 'MessageTypeNotSupported' };
    return fail(id, type, 'FormationViolation', `Unknown MessageTypeId ${type}`, true);
  }
  const isResponse = type !== MessageType.CALL;
  if (id === null) {
    return notRpc(version, null, type, 'MessageId must be a string', isResponse);
  }
  // An over-long or empty id is a malformed frame rather than a bad payload field, which
  // makes FormationViolation ("not conform the PDU structure") the closest 1.6 code. The id
  // is still echoed: it is the only way the peer can match the error to its CALL.
  if (id.length === 0 || id.length > MAX_MESSAGE_ID_LENGTH) {
    return notRpc(version, id, type, `MessageId must be 1 to ${MAX_MESSAGE_ID_LENGTH} characters long`, isResponse);
  }

  switch (type) {
    case MessageType.CALL: {
      if (value.length !== 4) {
        return notRpc(version, id, type, 'CALL must have 4 elements: [2, messageId, action, payload]');
      }
      const action: unknown = value[2];
      if (typeof action !== 'string' || action.length === 0) {
        return notRpc(version, id, type, 'Action must be a non-empty string');
      }
      if (!isPayload(value[3])) {
        return fail(id, type, 'FormationViolation', 'Payload must be a JSON object');
      }
      return { ok: true, frame: { type, id, action, payload: value[3] ?? {} } };
    }
    case MessageType.CALLRESULT: {
      if (value.length !== 3) {
        return fail(id, type, 'FormationViolation', 'CALLRESULT must have 3 elements: [3, messageId, payload]', true);
      }
      if (!isPayload(value[2])) {
        return fail(id, type, 'FormationViolation', 'Payload must be a JSON object', true);
      }
      return { ok: true, frame: { type, id, payload: value[2] ?? {} } };
    }
    default: {
      if (value.length !== 5) {
        return fail(
          id,
          type,
          'FormationViolation',
          'CALLERROR must have 5 elements: [4, messageId, errorCode, errorDescription, errorDetails]',
          true,
        );
      }
      const [, , code, description, details] = value as unknown[];
      if (typeof code !== 'string' || typeof description !== 'string' || !isPayload(details)) {
        return fail(
          id,
          type,
          'FormationViolation',
          'CALLERROR needs a string errorCode, a string errorDescription and an object errorDetails',
          true,
        );
      }
      return { ok: true, frame: { type: MessageType.CALLERROR, id, code, description, details: details ?? {} } };
    }
  }
}

export function encodeCall(id: string, action: string, payload: unknown): string {
  return JSON.stringify([MessageType.CALL, id, action, payload ?? {}]);
}

export function encodeCallResult(id: string, payload: unknown): string {
  return JSON.stringify([MessageType.CALLRESULT, id, payload ?? {}]);
}

/**
 * OCPP-J 1.6 §4.2.3: errorDescription is "" and errorDetails is {} when there is nothing to say.
 * A null id (unreadable frame) goes out as UNKNOWN_MESSAGE_ID.
 */
export function encodeCallError(
  id: string | null,
  code: ErrorCode16 | ErrorCode201,
  description: string,
  details?: Record<string, unknown>,
): string {
  const messageId = id ?? UNKNOWN_MESSAGE_ID;
  const safeDetails = details && typeof details === 'object' && !Array.isArray(details) ? details : {};
  try {
    return JSON.stringify([MessageType.CALLERROR, messageId, code, description ?? '', safeDetails]);
  } catch {
    // Details that cannot be serialised (a cycle, a BigInt) must not stop the error from going out.
    return JSON.stringify([MessageType.CALLERROR, messageId, code, description ?? '', {}]);
  }
}
