// Friendly endpoints for the common commands. Each builds the OCPP payload, checks it against
// the official schema (400, nothing sent) and calls the owning module's service, which applies
// the protocol's rules (e.g. RemoteStart's connectorId > 0). The answer is the charger's
// response payload, as from the generic endpoint.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { ConnectorIdInteger, IdParam, NumericIdParam, standardErrors } from '../../http/schemas.ts';
import type { CentralAction, CentralToCharger } from '../../protocol/index.ts';
import { checkCommand } from './service.ts';
import { HttpError } from '../../http/errors.ts';
import { ChargerResponse, COMMAND_DESCRIPTION, commandErrors, translated } from './schemas.ts';

const tags = ['Commands'];
const response = { 200: ChargerResponse, ...commandErrors, ...standardErrors };
const StationId = IdParam.properties.id;

/** Checks the payload, then sends it through `send`; the command module's errors become HTTP errors. */
function checked<A extends CentralAction>(action: A, payload: CentralToCharger[A]['req'], send: (p: CentralToCharger[A]['req']) => Promise<unknown>) {
  return translated(async () => {
    checkCommand(action, payload);
    return (await send(payload)) as Record<string, unknown>;
  });
}

export function registerFriendlyRoutes(api: Api, ctx: AppContext): void {
  const { services } = ctx;

  api.post('/stations/:id/remote-start', {
    schema: {
      tags,
      summary: 'Start a transaction remotely (RemoteStartTransaction)',
      description: 'connectorId > 0 when given; a chargingProfile must be a TxProfile without transactionId (OCPP 1.6 §5.11, errata 3.41-3.42). ' + COMMAND_DESCRIPTION,
      params: IdParam,
      body: Type.Object(
        {
          connectorId: Type.Optional(Type.Integer({ minimum: 1 })),
          idTag: Type.String({ minLength: 1, maxLength: 20 }),
          chargingProfile: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'an OCPP 1.6 ChargingProfile with chargingProfilePurpose TxProfile' })),
        },
        { additionalProperties: false },
      ),
      response,
    },
  }, (req) => checked('RemoteStartTransaction', req.body as CentralToCharger['RemoteStartTransaction']['req'], (p) => services.transactions.remoteStart(req.params.id, p)));

  api.post('/transactions/:id/remote-stop', {
    schema: {
      tags,
      summary: 'Stop a transaction remotely (RemoteStopTransaction to the charger running it)',
      description: '404 when Plugboard knows no such transaction. Sent also when Plugboard has it as finished (a stop may be lost or closed by Plugboard): the answer is the charger\'s. ' + COMMAND_DESCRIPTION,
      params: NumericIdParam,
      response,
    },
  }, (req) => checked('RemoteStopTransaction', { transactionId: req.params.id }, () => services.transactions.remoteStop(req.params.id)));

  api.post('/stations/:id/reset', {
    schema: {
      tags,
      summary: 'Reset a charger or an EVSE (Reset)',
      description:
        'when: now (1.6 Hard, 2.0.1 Immediate) or idle (1.6 Soft, 2.0.1 OnIdle); the 1.6 type Hard/Soft still works and means the same. ' +
        'evseId (2.0.1 stations): reset that EVSE only; a 1.6 station has no EVSE reset (400 not_in_version). ' + COMMAND_DESCRIPTION,
      params: IdParam,
      body: Type.Object(
        {
          type: Type.Optional(Type.Union([Type.Literal('Hard'), Type.Literal('Soft')], { description: 'OCPP 1.6 form: Hard = now, Soft = idle' })),
          when: Type.Optional(Type.Union([Type.Literal('now'), Type.Literal('idle')])),
          evseId: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
      response,
    },
  }, (req) =>
    translated(async () => {
      const { type, when, evseId } = req.body;
      if (!type && !when) throw new HttpError(400, 'validation_failed', 'when (now or idle) or type (Hard or Soft) is required');
      if (evseId && (await services.stations.versionOf(req.params.id)) === '1.6') throw new HttpError(400, 'not_in_version', 'an OCPP 1.6 charger resets as a whole: evseId is OCPP 2.0.1');
      return services.stations.reset(req.params.id, { when: when ?? (type === 'Soft' ? 'idle' : 'now'), evseId });
    }));

  api.post('/stations/:id/connectors/:connectorId/unlock', {
    schema: {
      tags,
      summary: 'Unlock a connector (UnlockConnector)',
      description: 'connectorId in the 1.6 sense: EVSE n, connector 1 on a 2.0.1 station. POST /stations/{id}/evses/{evseId}/connectors/{connectorId}/unlock names a connector within an EVSE. ' + COMMAND_DESCRIPTION,
      params: Type.Object({ id: StationId, connectorId: ConnectorIdInteger(1) }),
      response,
    },
  }, (req) => translated(() => services.stations.unlockConnector(req.params.id, { evseId: req.params.connectorId })));

  api.post('/stations/:id/evses/:evseId/connectors/:connectorId/unlock', {
    schema: {
      tags,
      summary: 'Unlock a connector of an EVSE (UnlockConnector)',
      description: 'A 1.6 station has connector 1 per EVSE only (EVSE n = its connector n); another connectorId is 400 not_in_version. ' + COMMAND_DESCRIPTION,
      params: Type.Object({ id: StationId, evseId: ConnectorIdInteger(1), connectorId: ConnectorIdInteger(1) }),
      response,
    },
  }, (req) =>
    translated(async () => {
      const { evseId, connectorId } = req.params;
      if (connectorId !== 1 && (await services.stations.versionOf(req.params.id)) === '1.6') throw new HttpError(400, 'not_in_version', 'an OCPP 1.6 EVSE has connector 1 only');
      return services.stations.unlockConnector(req.params.id, { evseId, connectorId });
    }));

  api.post('/stations/:id/availability', {
    schema: {
      tags,
      summary: 'Change the availability of the whole charger, an EVSE or a connector (ChangeAvailability)',
      description:
        'Without evseId, connectorId is the 1.6 one (0: the whole charger; n: EVSE n). With evseId (0: the whole charger), ' +
        'connectorId is the connector within that EVSE (2.0.1; omitted: the whole EVSE). The answer may be Scheduled when the ' +
        'charger is busy. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      body: Type.Object(
        {
          connectorId: Type.Optional(Type.Integer({ minimum: 0 })),
          evseId: Type.Optional(Type.Integer({ minimum: 0 })),
          type: Type.Union([Type.Literal('Operative'), Type.Literal('Inoperative')]),
        },
        { additionalProperties: false },
      ),
      response,
    },
  }, (req) =>
    translated(async () => {
      const { connectorId, evseId, type } = req.body;
      const operative = type === 'Operative';
      if (evseId === undefined) {
        if (connectorId === undefined) throw new HttpError(400, 'validation_failed', 'connectorId (1.6: 0 = the whole charger) or evseId is required');
        return services.stations.changeAvailability(req.params.id, { operative, evseId: connectorId });
      }
      if (connectorId !== undefined && connectorId !== 1 && (await services.stations.versionOf(req.params.id)) === '1.6') {
        throw new HttpError(400, 'not_in_version', 'an OCPP 1.6 EVSE has connector 1 only');
      }
      return services.stations.changeAvailability(req.params.id, { operative, evseId, connectorId: evseId === 0 ? undefined : connectorId });
    }));

  api.get('/stations/:id/configuration', {
    schema: {
      tags,
      summary: 'Read configuration keys from the charger (GetConfiguration)',
      description: 'Asks the charger itself, so the charger must be online. Without key, every key the charger reports. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: Type.Object({ key: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { description: 'repeat for several keys: ?key=a&key=b' })) }),
      response,
    },
  }, (req) => checked('GetConfiguration', req.query.key?.length ? { key: req.query.key } : {}, (p) => services.stations.getConfiguration(req.params.id, p)));

  api.put('/stations/:id/configuration/:key', {
    schema: {
      tags,
      summary: 'Change one configuration key on the charger (ChangeConfiguration)',
      description: 'The value is sent as given; the charger answers Accepted, Rejected, RebootRequired or NotSupported. ' + COMMAND_DESCRIPTION,
      params: Type.Object({ id: StationId, key: Type.String({ minLength: 1, maxLength: 50 }) }),
      body: Type.Object({ value: Type.String({ maxLength: 500 }) }, { additionalProperties: false }),
      response,
    },
  }, (req) => checked('ChangeConfiguration', { key: req.params.key, value: req.body.value }, (p) => services.stations.changeConfiguration(req.params.id, p)));

  api.post('/stations/:id/clear-cache', {
    schema: {
      tags,
      summary: 'Clear the charger\'s authorization cache (ClearCache)',
      description: COMMAND_DESCRIPTION,
      params: IdParam,
      response,
    },
  }, (req) => checked('ClearCache', {}, (p) => services.authorization.clearCache(req.params.id, p)));

  api.post('/stations/:id/data-transfer', {
    schema: {
      tags,
      summary: 'Send a vendor-specific DataTransfer to the charger',
      description: COMMAND_DESCRIPTION,
      params: IdParam,
      body: Type.Object(
        { vendorId: Type.String({ minLength: 1, maxLength: 255 }), messageId: Type.Optional(Type.String({ maxLength: 50 })), data: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
      response,
    },
  }, (req) => checked('DataTransfer', req.body, (p) => services.stations.sendDataTransfer(req.params.id, p)));
}
