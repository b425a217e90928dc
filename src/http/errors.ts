// One error shape for every API response: `{ error, message, details?, requestId }`.
// Domain errors thrown by services are mapped here, so services never know about HTTP.
import { StationOfflineError } from '../bus/local.ts';
import { ChargerNotConnectedError } from '../gateway/index.ts';
import { OcppError, RpcCallError, RpcClosedError, RpcTimeoutError } from '../protocol/index.ts';
import { CommandRefusedError, InvalidCommandError, StationNotFoundError } from '../modules/stations/service.ts';
import { TransactionNotFoundError } from '../modules/transactions/service.ts';

export class HttpError extends Error {
  readonly statusCode: number;
  readonly error: string;
  readonly details: unknown;
  constructor(statusCode: number, error: string, message: string, details?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.error = error;
    this.details = details;
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const badRequest = (message: string, details?: unknown) => new HttpError(400, 'bad_request', message, details);
export const conflict = (message: string, details?: unknown) => new HttpError(409, 'conflict', message, details);

/** How many validation problems a 400 reports; the rest are counted, not listed. */
export const MAX_VALIDATION_ERRORS = 10;

interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The message of a schema-validation 400, one phrase per field, saying what is allowed: the
 * `const` branches of a union and an `enum` become "body/role must be one of: admin, read"
 * (instead of one "must be equal to constant" per branch and "must match a schema in anyOf"),
 * a bounded integer's own message replaces its type/minimum/maximum ones, and at most
 * MAX_VALIDATION_ERRORS phrases (and details) are reported, however many the input produced.
 */
export function describeValidation(context: string, errors: readonly SchemaError[]): { message: string; details: SchemaError[] } {
  const byPath = new Map<string, SchemaError[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath);
    if (list) list.push(e);
    else byPath.set(e.instancePath, [e]);
  }
  const phrases: string[] = [];
  for (const [path, list] of byPath) {
    const where = `${context}${path}`;
    const allowed = list.flatMap((e) =>
      e.keyword === 'const' ? [e.params?.allowedValue] : e.keyword === 'enum' ? ((e.params?.allowedValues as unknown[]) ?? []) : [],
    );
    const bounded = list.filter((e) => e.keyword === 'x-bounded');
    const kept = allowed.length
      ? list.filter((e) => !['const', 'enum', 'anyOf', 'oneOf'].includes(e.keyword))
      : bounded.length
        ? bounded
        : list;
    if (allowed.length) phrases.push(`${where} must be one of: ${[...new Set(allowed.map(String))].join(', ')}`);
    for (const e of kept) {
      const extra = e.keyword === 'additionalProperties' && e.params?.additionalProperty !== undefined ? ` (${String(e.params.additionalProperty)})` : '';
      const phrase = `${where} ${e.message ?? `fails ${e.keyword}`}${extra}`;
      if (!phrases.includes(phrase)) phrases.push(phrase);
    }
  }
  const shown = phrases.slice(0, MAX_VALIDATION_ERRORS);
  const more = phrases.length - shown.length;
  return {
    message: `invalid ${context}: ${shown.join(', ')}${more > 0 ? ` (and ${more} more)` : ''}`,
    details: errors.slice(0, MAX_VALIDATION_ERRORS),
  };
}

export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
  requestId: string;
}

/** Maps any thrown value to a status and body. Unknown errors are 500 without internals. */
export function toErrorResponse(err: unknown, requestId: string): { status: number; body: ErrorBody; log: boolean } {
  const body = (status: number, error: string, message: string, details?: unknown, log = false) => ({
    status,
    body: { error, message, ...(details === undefined ? {} : { details }), requestId },
    log,
  });
  if (err instanceof HttpError) return body(err.statusCode, err.error, err.message, err.details);
  const e = err as { validation?: unknown; validationContext?: string; statusCode?: number; code?: string; message?: string };
  if (Array.isArray(e?.validation)) {
    const { message, details } = describeValidation(e.validationContext ?? 'request', e.validation as SchemaError[]);
    return body(400, 'validation_failed', message, details);
  }
  if (err instanceof StationNotFoundError) return body(404, 'station_not_found', err.message);
  if (err instanceof TransactionNotFoundError) return body(404, 'transaction_not_found', err.message);
  if (err instanceof InvalidCommandError) return body(400, 'invalid_command', err.message);
  if (err instanceof CommandRefusedError) return body(409, 'station_not_accepted', err.message);
  if (err instanceof StationOfflineError || err instanceof ChargerNotConnectedError || err instanceof RpcClosedError) {
    return body(409, 'station_offline', err instanceof RpcClosedError ? `the charger disconnected before answering: ${err.message}` : err.message);
  }
  if (err instanceof RpcTimeoutError) return body(504, 'charger_timeout', err.message, { action: err.action, timeoutMs: err.timeoutMs });
  if (err instanceof RpcCallError) {
    return body(502, 'charger_error', `the charger answered ${err.action} with ${err.code}${err.description ? `: ${err.description}` : ''}`, {
      code: err.code,
      description: err.description,
      details: err.details,
    });
  }
  // Outbound payloads are validated before the call (400 there); an OcppError from a call is
  // the charger's answer failing the official schema.
  if (err instanceof OcppError) return body(502, 'invalid_charger_response', err.message, { code: err.code, ...err.details });
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return body(e.statusCode, (e.code ?? 'bad_request').toLowerCase(), e.message ?? 'bad request');
  }
  return body(500, 'internal_error', 'internal error; see the server log with this requestId', undefined, true);
}
