// The generic command endpoint (any central-system action of the station's OCPP version) and bulk commands.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { toErrorResponse } from '../../http/errors.ts';
import { standardErrors } from '../../http/schemas.ts';
import { isAnyVersionCentralAction, MAX_BULK_STATIONS, UnknownCommandError } from './service.ts';
import { ActionName, ChargerResponse, COMMAND_DESCRIPTION, commandErrors, TimeoutQuery, timeoutMs, toHttp, translated } from './schemas.ts';
import { registerFriendlyRoutes } from './friendly-routes.ts';

const tags = ['Commands'];

const BulkError = Type.Object({
  status: Type.Integer({ description: 'the HTTP status the same failure gets from the single-charger endpoint' }),
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

const BulkResult = Type.Object({
  stationId: Type.String(),
  ok: Type.Boolean(),
  response: Type.Optional(ChargerResponse),
  error: Type.Optional(BulkError),
});

export function registerRoutes(api: Api, ctx: AppContext): void {
  const commands = () => ctx.services.commands;

  api.post('/stations/:id/ocpp/:action', {
    // Before schema validation, so that a wrong action gets a message that says what is wrong
    // rather than "must be equal to one of the allowed values", and an empty body means {}.
    preValidation: async (req) => {
      const { action } = req.params as { action: string };
      if (!isAnyVersionCentralAction(action)) throw toHttp(new UnknownCommandError(action, ['1.6', '2.0.1']));
      req.body ??= {};
    },
    schema: {
      tags,
      summary: 'Send any OCPP command of the station\'s version (1.6 or 2.0.1) to a charger; the answer is the charger\'s response',
      description:
        'The body is the OCPP request payload of the action, checked against the official OCA JSON schema of the station\'s ' +
        'OCPP version (1.6 with the Security Whitepaper, or 2.0.1) before anything is sent: 400 validation_failed lists what is wrong; ' +
        'an action the station\'s version does not have is 400 not_in_version. ' +
        'Any schema-valid value is sent as is. ' + COMMAND_DESCRIPTION,
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 255, description: 'station (charge point) id' }), action: ActionName }),
      querystring: TimeoutQuery,
      body: Type.Object({}, { additionalProperties: true, description: 'the OCPP request payload of the action in the station\'s version (may be omitted when it is {})' }),
      response: { 200: ChargerResponse, ...commandErrors, ...standardErrors },
    },
  }, (req) => translated(() => commands().send(req.params.id, req.params.action, req.body, { timeoutMs: timeoutMs(req.query) })));

  api.post('/commands/bulk', {
    schema: {
      tags,
      summary: 'Send the same command to many chargers; one result per charger',
      description:
        'The payload is checked once per OCPP version among the chargers against that version\'s official schema (400 if it is ' +
        'invalid for all of them, nothing sent; chargers of a version it is invalid for get that error as their result). Then every charger gets the ' +
        'command independently, in parallel up to a bound; a charger that is offline, refuses or times out has ok=false with ' +
        'the error it would get from the single-charger endpoint, and never fails the others. Results are in the order of stationIds.',
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          stationIds: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: MAX_BULK_STATIONS, uniqueItems: true }),
          action: ActionName,
          payload: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'the OCPP request payload (default {})' })),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ results: Type.Array(BulkResult), succeeded: Type.Integer(), failed: Type.Integer() }),
        ...standardErrors,
      },
    },
  }, async (req) => {
    const outcomes = await translated(() => commands().bulk(req.body.stationIds, req.body.action, req.body.payload ?? {}, { timeoutMs: timeoutMs(req.query) }), 400);
    const results = outcomes.map((o) => {
      if (o.ok) return { stationId: o.stationId, ok: true, response: o.response as Record<string, unknown> };
      const { status, body, log } = toErrorResponse(toHttp(o.error, 400), req.id);
      if (log) req.log.error({ err: o.error, stationId: o.stationId, requestId: req.id }, 'bulk command failed');
      return { stationId: o.stationId, ok: false, error: { status, error: body.error, message: body.message, ...(body.details === undefined ? {} : { details: body.details }) } };
    });
    const succeeded = results.filter((r) => r.ok).length;
    return { results, succeeded, failed: results.length - succeeded };
  });

  registerFriendlyRoutes(api, ctx);
}
