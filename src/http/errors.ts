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
  if (e?.validation) {
    return body(400, 'validation_failed', `invalid ${e.validationContext ?? 'request'}: ${e.message}`, e.validation);
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
