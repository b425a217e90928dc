// OCPP-J 1.6 §4.2.3 Table 7: the only error codes a 1.6 CALLERROR may carry. The misspelt
// "FormationViolation" and "OccurenceConstraintViolation" are kept on purpose: the J-errata
// (5.1/5.2) closed the spelling fix as "won't fix" for 1.6, so a 1.6 peer may match on them.
export const ERROR_CODES_16 = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;

export type ErrorCode16 = (typeof ERROR_CODES_16)[number];

const CODES_16: ReadonlySet<string> = new Set(ERROR_CODES_16);

export function isErrorCode16(code: string): code is ErrorCode16 {
  return CODES_16.has(code);
}

/**
 * An error that becomes a CALLERROR with this code. Handlers throw it to refuse a CALL;
 * the RPC layer rejects outbound calls with it when a payload fails its schema.
 */
export class OcppError extends Error {
  code: ErrorCode16;
  details: Record<string, unknown>;

  constructor(code: ErrorCode16, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'OcppError';
    this.code = code;
    this.details = details ?? {};
  }
}

// Peers built on 2.x libraries (ocpp-rpc among them) send the corrected 2.x spellings even on
// 1.6 connections. Inbound only: what we send always uses the 1.6 spelling (J-errata 5.1/5.2).
const SPELLINGS_2X: Readonly<Record<string, ErrorCode16>> = {
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
};

/** Maps a code received in a CALLERROR to its 1.6 spelling; any other string is returned unchanged. */
export function normalizeErrorCode(code: string): string {
  return Object.hasOwn(SPELLINGS_2X, code) ? SPELLINGS_2X[code] : code;
}

// OCPP 2.0.1 Part 4 §4.3: the 2.0.1 codes. Inside Plugboard every code keeps its 1.6 name
// (ErrorCode16); what goes on a 2.0.1 wire is spelt the 2.0.1 way (wireErrorCode).
export const ERROR_CODES_201 = [
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
] as const;

export type ErrorCode201 = (typeof ERROR_CODES_201)[number];

const CODES_201: ReadonlySet<string> = new Set(ERROR_CODES_201);

export function isErrorCode201(code: string): code is ErrorCode201 {
  return CODES_201.has(code);
}

const TO_201: Readonly<Partial<Record<ErrorCode16, ErrorCode201>>> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

/** The spelling of an error code on a connection of this version. */
export function wireErrorCode(version: '1.6' | '2.0.1', code: ErrorCode16): ErrorCode16 | ErrorCode201 {
  return (version === '2.0.1' && TO_201[code]) || code;
}
