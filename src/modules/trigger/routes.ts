// REST endpoint of the Remote Trigger profile: POST /stations/{id}/trigger.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { HttpError } from '../../http/errors.ts';
import { IdParam, standardErrors } from '../../http/schemas.ts';
import { COMMAND_DESCRIPTION, commandErrors, TimeoutQuery, timeoutMs, translated } from '../commands/schemas.ts';
import { BootTriggerRefusedError, EXTENDED_REQUESTED_MESSAGES, REQUESTED_MESSAGES, REQUESTED_MESSAGES_201, TriggerNotInVersionError, type ExtendedRequestedMessage, type TriggerIntent } from './service.ts';

const tags = ['Commands'];

/** The body of both trigger routes: which message (of those the route's OCPP message can ask for), where, and force. */
function triggerBody<M extends string>(messages: readonly M[], withEvse = false) {
  return Type.Object(
    {
      requestedMessage: Type.Unsafe<M>({ type: 'string', enum: [...new Set(messages)] }),
      connectorId: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
      ...(withEvse
        ? {
            evse: Type.Optional(
              Type.Object(
                { id: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), connectorId: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })) },
                { additionalProperties: false, description: 'OCPP 2.0.1 stations: the EVSE (and connector within it) the message is for; without it, connectorId n names EVSE n' },
              ),
            ),
          }
        : {}),
      force: Type.Optional(Type.Boolean({ description: 'send BootNotification even to an Accepted station (against errata 3.40)' })),
    },
    { additionalProperties: false },
  );
}

const TRIGGER_RESPONSES = {
  200: Type.Object({ status: Type.Union([Type.Literal('Accepted'), Type.Literal('Rejected'), Type.Literal('NotImplemented')]) }),
  ...commandErrors,
  ...standardErrors,
};

export function registerRoutes(api: Api, ctx: AppContext): void {
  api.post('/stations/:id/trigger', {
    schema: {
      tags,
      summary: 'Ask a charger to send a message now (TriggerMessage)',
      description:
        'The answer is the charger\'s: Accepted (the requested message follows, and is handled like any other), Rejected ' +
        '(e.g. a connectorId the charger does not have) or NotImplemented. connectorId applies to MeterValues and StatusNotification ' +
        '(0: the charge point itself); without it, the charger sends the message for every connector where that makes sense. ' +
        'BootNotification to an Accepted station is refused with 409 boot_trigger_refused (OCPP 1.6 errata 3.40: the trigger is ' +
        'meant for Pending chargers, and a charger may reinitialise when it sends one) unless force is true. ' +
        'An OCPP 2.0.1 station gets its own TriggerMessage (its messages, e.g. TransactionEvent, and evse); a message or field ' +
        'the station\'s version does not have is 400 not_in_version. ' +
        'ExtendedTriggerMessage (Security Whitepaper) is POST /stations/{id}/extended-trigger. ' +
        COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: triggerBody<string>([...REQUESTED_MESSAGES, ...REQUESTED_MESSAGES_201], true),
      response: TRIGGER_RESPONSES,
    },
  }, async (req) => {
    const { force, ...payload } = req.body;
    return refusalMapped(() => translated(() => ctx.services.trigger.trigger(req.params.id, payload as TriggerIntent, { force, timeoutMs: timeoutMs(req.query) })));
  });

  api.post('/stations/:id/extended-trigger', {
    schema: {
      tags,
      summary: 'Ask a charger to send a message now (ExtendedTriggerMessage, Security Whitepaper)',
      description:
        'Like POST /stations/{id}/trigger, with the messages of the Security Whitepaper: LogStatusNotification (the charger reports ' +
        'the log upload under way, or Idle) and SignChargePointCertificate (the charger sends a SignCertificate with a new CSR) ' +
        'besides BootNotification, FirmwareStatusNotification, Heartbeat, MeterValues and StatusNotification. ' +
        'connectorId is sent only when given (0: the charge point itself); it applies to MeterValues and StatusNotification. ' +
        'The answer is the charger\'s: Accepted, Rejected or NotImplemented. BootNotification to an Accepted station is refused ' +
        'with 409 boot_trigger_refused unless force is true, as for TriggerMessage. ' +
        COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: triggerBody<ExtendedRequestedMessage>(EXTENDED_REQUESTED_MESSAGES),
      response: TRIGGER_RESPONSES,
    },
  }, async (req) => {
    const { force, ...payload } = req.body;
    return refusalMapped(() => translated(() => ctx.services.trigger.extendedTrigger(req.params.id, payload, { force, timeoutMs: timeoutMs(req.query) })));
  });
}

async function refusalMapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BootTriggerRefusedError) throw new HttpError(409, 'boot_trigger_refused', err.message);
    if (err instanceof TriggerNotInVersionError) throw new HttpError(400, 'not_in_version', err.message);
    throw err;
  }
}
