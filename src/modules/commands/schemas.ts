// Schemas shared by the command routes.
import { Type } from 'typebox';
import { HttpError } from '../../http/errors.ts';
import { BoundedNumber } from '../../http/schemas.ts';
import { ActionNotInVersionError, ANY_VERSION_CENTRAL_ACTIONS, CommandPayloadError, UnknownCommandError } from './service.ts';

export const MAX_TIMEOUT_SECONDS = 300;

export const ActionName = Type.Unsafe<string>({
  type: 'string',
  enum: [...ANY_VERSION_CENTRAL_ACTIONS],
  description:
    'an action the central system sends to a charger in the station\'s OCPP version: 1.6 (Core, the other profiles and the Security Whitepaper) or 2.0.1; ' +
    'an action of the other version only is 400 not_in_version',
});

export const TimeoutQuery = Type.Object({
  timeout: Type.Optional(
    BoundedNumber({
      minimum: 0.1,
      maximum: MAX_TIMEOUT_SECONDS,
      description: 'seconds to wait for the charger\'s answer (default: the configured OCPP call timeout)',
    }),
  ),
});

export const timeoutMs = (q: { timeout?: number }) => (q.timeout === undefined ? undefined : Math.round(q.timeout * 1000));

/** The charger's CALLRESULT payload, as it sent it (it has passed the official response schema). */
export const ChargerResponse = Type.Object({}, { additionalProperties: true, description: 'the charger\'s response payload (its CALLRESULT), schema-valid' });

/** The error responses of a route that sends a command to a charger. */
export const commandErrors = {
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
  502: Type.Ref('ErrorBody'),
  504: Type.Ref('ErrorBody'),
};

export const COMMAND_DESCRIPTION =
  'The answer is the charger\'s own response payload. Errors: 400 invalid request (nothing sent); 404 unknown station; ' +
  '409 station_offline (not connected, nothing sent) or station_not_accepted (Pending/Rejected); ' +
  '502 charger_error (it answered with a CALLERROR: code and description in details) or invalid_charger_response; ' +
  '504 charger_timeout (no answer in time; the charger may still act on it).';

/** The command module's own errors as HTTP errors; anything else passes through to the shared mapping. */
export function toHttp(err: unknown, unknownActionStatus: 400 | 404 = 404): unknown {
  if (err instanceof UnknownCommandError) {
    return new HttpError(err.chargerAction ? 400 : unknownActionStatus, err.chargerAction ? 'not_a_command' : 'unknown_action', err.message, { action: err.action });
  }
  if (err instanceof ActionNotInVersionError) return new HttpError(400, 'not_in_version', err.message, { action: err.action, version: err.version });
  if (err instanceof CommandPayloadError) return new HttpError(400, 'validation_failed', err.message, { action: err.action, errors: err.errors });
  return err;
}

/** Runs fn, translating the command module's errors. */
export async function translated<T>(fn: () => Promise<T>, unknownActionStatus: 400 | 404 = 404): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toHttp(err, unknownActionStatus);
  }
}
