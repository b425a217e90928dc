// REST endpoints of smart charging: the profiles a station holds (Plugboard's view), setting and
// clearing them (SetChargingProfile, ClearChargingProfile), composite schedules (the station's
// answer beside the expected one), and the station's smart charging limits.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { BoundedInteger, ConnectorIdInteger, IdParam, standardErrors } from '../../http/schemas.ts';
import { ChargerResponse, COMMAND_DESCRIPTION, commandErrors, translated } from '../commands/schemas.ts';
import { ClearBody, Comparison, CompositeSchedule, InstalledProfile, Limits, LimitsView, Purpose, ScheduleQuery, SetProfileBody } from './schemas.ts';
import { MAX_OCPP_INT, type ChargingProfile } from './types.ts';

const tags = ['Smart charging'];
const StationId = IdParam.properties.id;
const notFound = { 404: Type.Ref('ErrorBody') };
const commandResponses = { ...commandErrors, ...standardErrors };

const RULES =
  'Refused with 400 invalid_command, nothing sent, when OCPP 1.6 forbids it: a ChargePointMaxProfile on a connector other than 0; ' +
  'a TxProfile on connector 0 or without a transaction running on the connector (its transactionId, when given, must be that ' +
  'transaction\'s; when absent Plugboard fills it in); a first period not starting at 0 or periods not increasing; a Recurring ' +
  'profile without recurrencyKind or startSchedule; a stack level, period count, rate unit or profile count beyond the station\'s ' +
  'ChargeProfileMaxStackLevel, ChargingScheduleMaxPeriods, ChargingScheduleAllowedChargingRateUnit or MaxChargingProfilesInstalled ' +
  '(read from the station with GetConfiguration before its first profile and cached until it boots again, or set with ' +
  'PUT /stations/{id}/charging-limits). ';

const ClearResult = Type.Object({
  status: Type.Union([Type.Literal('Accepted'), Type.Literal('Unknown')], { description: 'the station\'s answer' }),
  removed: Type.Integer({ description: 'profiles that left Plugboard\'s view of the station (after Accepted, and after Unknown: the station holds none of them)' }),
});

export function registerRoutes(api: Api, ctx: AppContext): void {
  const sc = () => ctx.services.smartCharging;

  api.get('/stations/:id/charging-profiles', {
    schema: {
      tags,
      summary: 'The charging profiles a station holds, as Plugboard knows them',
      description:
        'Recorded when the station accepts a SetChargingProfile (or starts the transaction of a RemoteStartTransaction that carried ' +
        'a profile); removed by ClearChargingProfile, by a replacing profile (same id, or same purpose and stack level) and, for ' +
        'TxProfiles, when their transaction stops. The same holds whichever route sent the command (these routes, the generic ' +
        '/ocpp/{action} endpoint, bulk commands, remote start).',
      params: IdParam,
      querystring: Type.Object({ connectorId: Type.Optional(ConnectorIdInteger(0)), purpose: Type.Optional(Purpose) }),
      response: { 200: Type.Object({ items: Type.Array(InstalledProfile) }), ...notFound, ...standardErrors },
    },
  }, async (req) => ({ items: await sc().listProfiles(req.params.id, { connectorId: req.query.connectorId, purpose: req.query.purpose }) }));

  api.post('/stations/:id/charging-profiles', {
    schema: {
      tags,
      summary: 'Install a charging profile on a station (SetChargingProfile)',
      description: RULES + 'The answer is the station\'s status and the request as sent. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      body: SetProfileBody,
      response: {
        200: Type.Object({
          status: Type.Union([Type.Literal('Accepted'), Type.Literal('Rejected'), Type.Literal('NotSupported')], { description: 'the station\'s answer' }),
          request: SetProfileBody,
        }),
        ...commandResponses,
      },
    },
  }, (req) => translated(() => sc().setChargingProfile(req.params.id, { connectorId: req.body.connectorId, csChargingProfiles: req.body.csChargingProfiles as ChargingProfile })));

  api.delete('/stations/:id/charging-profiles/:profileId', {
    schema: {
      tags,
      summary: 'Clear one charging profile by its id (ClearChargingProfile with id)',
      description: 'Sent even when Plugboard does not know the profile: the station may hold it. ' + COMMAND_DESCRIPTION,
      params: Type.Object({ id: StationId, profileId: BoundedInteger({ minimum: 0, maximum: MAX_OCPP_INT }) }),
      response: { 200: ClearResult, ...commandResponses },
    },
  }, (req) => translated(() => sc().clearChargingProfile(req.params.id, { id: req.params.profileId })));

  api.post('/stations/:id/charging-profiles/clear', {
    schema: {
      tags,
      summary: 'Clear charging profiles by id, by connector/purpose/stack level, or all (ClearChargingProfile)',
      description: 'An empty body clears every profile of the station. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      body: ClearBody,
      response: { 200: ClearResult, ...commandResponses },
    },
  }, (req) => translated(() => sc().clearChargingProfile(req.params.id, req.body)));

  api.get('/stations/:id/composite-schedule', {
    schema: {
      tags,
      summary: 'Ask the station for its composite schedule (GetCompositeSchedule), beside the one Plugboard expects',
      description:
        '`charger` is the station\'s answer. `expected` is computed from the profiles Plugboard installed, with the merge rules of ' +
        'OCPP 1.6 §3.13, from the station\'s scheduleStart and in its unit when none is asked for; `comparison` lists where they differ ' +
        '(periods Plugboard expects no limit for are not compared: the station reports its own maximum there). ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: ScheduleQuery,
      response: { 200: Type.Object({ charger: ChargerResponse, expected: CompositeSchedule, comparison: Comparison }), ...commandResponses },
    },
  }, (req) => translated(() => sc().getCompositeSchedule(req.params.id, req.query)));

  api.get('/stations/:id/expected-schedule', {
    schema: {
      tags,
      summary: 'The composite schedule Plugboard expects on a connector (nothing is sent to the station)',
      description: 'Computed from Plugboard\'s view of the installed profiles and the transaction running on the connector; works while the station is offline.',
      params: IdParam,
      querystring: Type.Intersect([ScheduleQuery, Type.Object({ start: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })) })]),
      response: { 200: CompositeSchedule, ...notFound, ...standardErrors },
    },
  }, (req) => sc().expectedSchedule(req.params.id, { ...req.query, start: req.query.start ? new Date(req.query.start) : undefined }));

  api.get('/stations/:id/charging-limits', {
    schema: {
      tags,
      summary: 'The station\'s smart charging limits as Plugboard holds them (nothing is sent)',
      params: IdParam,
      response: { 200: LimitsView, ...notFound, ...standardErrors },
    },
  }, (req) => sc().limits(req.params.id));

  api.put('/stations/:id/charging-limits', {
    schema: {
      tags,
      summary: 'Set the station\'s smart charging limits (then never read from the station)',
      description: 'null leaves a limit unenforced. Use this for a station whose configuration should not be read, or to enforce stricter limits.',
      params: IdParam,
      body: Limits,
      response: { 200: LimitsView, ...notFound, ...standardErrors },
    },
  }, (req) => sc().setLimits(req.params.id, req.body));

  api.post('/stations/:id/charging-limits/refresh', {
    schema: {
      tags,
      summary: 'Read the smart charging limits from the station now (GetConfiguration)',
      description: 'Replaces operator-set limits. A station that answers GetConfiguration with an error has them stored as unknown. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      response: { 200: LimitsView, ...commandResponses },
    },
  }, (req) => translated(() => sc().refreshLimits(req.params.id)));

  api.delete('/stations/:id/charging-limits', {
    schema: {
      tags,
      summary: 'Forget the station\'s smart charging limits (read again before its next profile)',
      params: IdParam,
      response: { 204: Type.Null(), ...notFound, ...standardErrors },
    },
  }, async (req, reply) => {
    await sc().forgetLimits(req.params.id);
    return reply.code(204).send(null);
  });
}
