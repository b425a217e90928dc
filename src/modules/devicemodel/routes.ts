// REST endpoints of the 2.0.1 device model: report requests (GetBaseReport, GetReport), the
// stored model (components, variables, reports) and SetNetworkProfile.
import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { HttpError } from '../../http/errors.ts';
import { Nullable } from '../../http/list-query.ts';
import { BoundedInteger, IdParam, MAX_INT32, Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { COMMAND_DESCRIPTION, commandErrors, TimeoutQuery, timeoutMs } from '../commands/schemas.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { BadSettingNameError } from './configuration.ts';
import { COMPONENT_CRITERIA, NotInVersionError, REPORT_BASES, type ReportRow } from './service.ts';

const tags = ['Device model'];
const StationId = IdParam.properties.id;

const Evse = Type.Object({ id: BoundedInteger({ minimum: 0, maximum: MAX_INT32 }), connectorId: Type.Optional(BoundedInteger({ minimum: 0, maximum: MAX_INT32 })) }, { additionalProperties: false });
const Component = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 50 }), instance: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), evse: Type.Optional(Evse) },
  { additionalProperties: false },
);
const Variable = Type.Object({ name: Type.String({ minLength: 1, maxLength: 50 }), instance: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })) }, { additionalProperties: false });

const ReportRequested = Type.Object({
  requestId: Type.Integer({ description: 'the requestId sent; the NotifyReport parts carry it (GET /stations/{id}/device-model/reports/{requestId})' }),
  status: Type.String({ description: "the station's answer: Accepted, Rejected, NotSupported or EmptyResultSet" }),
  statusInfo: Type.Optional(Type.Object({}, { additionalProperties: true })),
});

const ReportView = Type.Object({
  requestId: Type.Integer(),
  kind: Type.String({ description: 'GetBaseReport:<reportBase>, GetReport, or Unrequested (a NotifyReport Plugboard did not ask for)' }),
  criteria: Nullable(Type.Object({}, { additionalProperties: true })),
  status: Type.String({ description: 'Requested (no part yet), Rejected, Failed (no answer), InProgress (parts with tbc), Complete' }),
  answerStatus: Nullable(Type.String()),
  lastSeqNo: Nullable(Type.Integer()),
  parts: Type.Integer(),
  variables: Type.Integer({ description: 'reportData entries received' }),
  generatedAt: Nullable(Type.String()),
  requestedAt: Type.String(),
  completedAt: Nullable(Type.String()),
});

const VariableView = Type.Object({
  component: Component,
  variable: Variable,
  key: Type.String({ description: 'component[.instance][/evse[.connector]]/variable[.instance]: the name in the configuration API' }),
  attributes: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'VariableAttributeType: type (Actual, Target, MinSet, MaxSet), value, mutability, persistent, constant' }),
  characteristics: Nullable(Type.Object({}, { additionalProperties: true }, )),
  updatedAt: Type.String(),
});

const ComponentView = Type.Object({ name: Type.String(), instance: Type.Optional(Type.String()), evse: Type.Optional(Evse), variables: Type.Integer() });

function reportView(r: ReportRow) {
  return {
    requestId: r.request_id,
    kind: r.kind,
    criteria: r.criteria === null ? null : (JSON.parse(r.criteria) as Record<string, unknown>),
    status: r.status,
    answerStatus: r.answer_status,
    lastSeqNo: r.last_seq_no,
    parts: r.parts,
    variables: r.variables,
    generatedAt: r.generated_at,
    requestedAt: r.requested_at,
    completedAt: r.completed_at,
  };
}

async function versionMapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NotInVersionError) throw new HttpError(400, 'not_in_version', err.message);
    if (err instanceof BadSettingNameError) throw new HttpError(400, 'invalid_setting_name', err.message);
    throw err;
  }
}

export function registerRoutes(api: Api, ctx: AppContext): void {
  const dm = () => ctx.services.deviceModel;
  const known = async (id: string) => {
    if (!(await ctx.services.stations.get(id))) throw new StationNotFoundError(id);
  };

  api.post('/stations/:id/device-model/base-report', {
    schema: {
      tags,
      summary: 'Ask a 2.0.1 station for a base report (GetBaseReport)',
      description:
        'The station answers, then sends its report in NotifyReport parts carrying the returned requestId; each part is stored as the station\'s ' +
        'device model (GET /stations/{id}/device-model/variables). A 1.6 station: 400 not_in_version. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object({ reportBase: Type.Unsafe<(typeof REPORT_BASES)[number]>({ type: 'string', enum: [...REPORT_BASES] }) }, { additionalProperties: false }),
      response: { 200: ReportRequested, ...commandErrors, ...standardErrors },
    },
  }, (req) => versionMapped(() => dm().getBaseReport(req.params.id, req.body.reportBase, { timeoutMs: timeoutMs(req.query) })));

  api.post('/stations/:id/device-model/report', {
    schema: {
      tags,
      summary: 'Ask a 2.0.1 station for a report of some components and variables (GetReport)',
      description: 'componentVariable and/or componentCriteria, as GetReport; without either, the station reports everything. A 1.6 station: 400 not_in_version. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          componentVariable: Type.Optional(Type.Array(Type.Object({ component: Component, variable: Type.Optional(Variable) }, { additionalProperties: false }), { minItems: 1 })),
          componentCriteria: Type.Optional(Type.Array(Type.Unsafe<(typeof COMPONENT_CRITERIA)[number]>({ type: 'string', enum: [...COMPONENT_CRITERIA] }), { minItems: 1, maxItems: 4 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: ReportRequested, ...commandErrors, ...standardErrors },
    },
  }, (req) => versionMapped(() => dm().getReport(req.params.id, req.body, { timeoutMs: timeoutMs(req.query) })));

  api.get('/stations/:id/device-model/reports', {
    schema: {
      tags,
      summary: 'The device model reports of a station, newest first',
      params: IdParam,
      querystring: PageQuery,
      response: { 200: Page(ReportView), 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    await known(req.params.id);
    const { limit = 50, offset = 0 } = req.query;
    const page = await dm().reports(req.params.id, { limit, offset });
    return { items: page.items.map(reportView), total: page.total, limit, offset };
  });

  api.get('/stations/:id/device-model/reports/:requestId', {
    schema: {
      tags,
      summary: 'One report of a station by its requestId: in progress or complete',
      params: Type.Object({ id: StationId, requestId: BoundedInteger({ minimum: -MAX_INT32, maximum: MAX_INT32 }) }),
      response: { 200: ReportView, 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    await known(req.params.id);
    const row = await dm().getReportRow(req.params.id, req.params.requestId);
    if (!row) throw new HttpError(404, 'not_found', `station ${req.params.id} has no report ${req.params.requestId}`);
    return reportView(row);
  });

  api.get('/stations/:id/device-model/components', {
    schema: {
      tags,
      summary: 'The components of a station\'s stored device model, with how many variables each has',
      params: IdParam,
      response: { 200: Type.Object({ items: Type.Array(ComponentView) }), 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    await known(req.params.id);
    return { items: await dm().components(req.params.id) };
  });

  api.get('/stations/:id/device-model/variables', {
    schema: {
      tags,
      summary: 'The variables of a station\'s stored device model (from its NotifyReports)',
      description: 'Filters: component (name), instance (component instance), evseId, variable (name), q (part of a component or variable name, any case).',
      params: IdParam,
      querystring: Type.Object({
        ...PageQuery.properties,
        component: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
        instance: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
        evseId: Type.Optional(BoundedInteger({ minimum: 0, maximum: MAX_INT32 })),
        variable: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
      }),
      response: { 200: Page(VariableView), 404: Type.Ref('ErrorBody'), ...standardErrors },
    },
  }, async (req) => {
    await known(req.params.id);
    const { limit = 50, offset = 0, component, instance, evseId, variable, q } = req.query;
    const page = await dm().variables(req.params.id, { component, componentInstance: instance, evseId, variable, q }, { limit, offset });
    return { items: page.items, total: page.total, limit, offset };
  });

  api.post('/stations/:id/network-profile', {
    schema: {
      tags,
      summary: 'Set a network connection profile on a 2.0.1 station (SetNetworkProfile)',
      description:
        'configurationSlot and connectionData as SetNetworkProfile (checked against the 2.0.1 schema before sending). OCPP 1.6 has no such command: ' +
        'a 1.6 station answers 400 not_in_version. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        {
          configurationSlot: Type.Integer(),
          connectionData: Type.Object({}, { additionalProperties: true, description: 'NetworkConnectionProfileType: ocppVersion, ocppTransport, ocppCsmsUrl, messageTimeout, securityProfile, ocppInterface, apn?, vpn?' }),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ status: Type.String(), statusInfo: Type.Optional(Type.Object({}, { additionalProperties: true })) }), ...commandErrors, ...standardErrors },
    },
  }, (req) => versionMapped(() => dm().setNetworkProfile(req.params.id, req.body as never, { timeoutMs: timeoutMs(req.query) })));

  const AttributeType = Type.Unsafe<'Actual' | 'Target' | 'MinSet' | 'MaxSet'>({ type: 'string', enum: ['Actual', 'Target', 'MinSet', 'MaxSet'], description: '2.0.1 attribute (default Actual); 1.6 keys have Actual only' });
  const SettingName = Type.String({ minLength: 1, maxLength: 220, description: '1.6: the key; 2.0.1: component[.instance][/evse[.connector]]/variable[.instance]' });
  const StatusInfo = Type.Optional(Type.Object({}, { additionalProperties: true }));

  api.get('/stations/:id/settings', {
    schema: {
      tags,
      summary: 'Read configuration from a station of either version (GetConfiguration / GetVariables)',
      description:
        'One API for 1.6 keys and 2.0.1 variables: name is a 1.6 key, or component[.instance][/evse[.connector]]/variable[.instance] for 2.0.1. ' +
        'Without name: every key (1.6) or every variable of the stored device model (2.0.1). Per-item status: 1.6 Accepted or UnknownKey; 2.0.1 the ' +
        'attributeStatus. 2.0.1 requests are split to respect the station\'s ItemsPerMessage / BytesPerMessage for GetVariables. ' +
        'The raw forms stay: GET /stations/{id}/configuration (1.6) and POST /stations/{id}/ocpp/GetVariables. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: Type.Object({ ...TimeoutQuery.properties, name: Type.Optional(Type.Array(SettingName, { maxItems: 1000, description: 'repeat for several: ?name=a&name=b' })), attributeType: Type.Optional(AttributeType) }),
      response: {
        200: Type.Object({
          version: Type.String(),
          items: Type.Array(Type.Object({ name: Type.String(), value: Nullable(Type.String()), readonly: Nullable(Type.Boolean()), status: Type.String(), attributeType: Type.Optional(Type.String()), statusInfo: StatusInfo })),
        }),
        ...commandErrors,
        ...standardErrors,
      },
    },
  }, (req) => versionMapped(() => dm().getSettings(req.params.id, req.query.name, { timeoutMs: timeoutMs(req.query), attributeType: req.query.attributeType })));

  api.put('/stations/:id/settings', {
    schema: {
      tags,
      summary: 'Set configuration on a station of either version (ChangeConfiguration / SetVariables)',
      description:
        'values in order; 1.6: one ChangeConfiguration per key (Accepted, Rejected, RebootRequired, NotSupported); 2.0.1: SetVariables, split to respect ' +
        'ItemsPerMessage / BytesPerMessage for SetVariables, one result per item (its attributeStatus). The raw forms stay: PUT /stations/{id}/configuration/{key} (1.6) ' +
        'and POST /stations/{id}/ocpp/SetVariables. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      body: Type.Object(
        { values: Type.Array(Type.Object({ name: SettingName, value: Type.String({ maxLength: 1000 }), attributeType: Type.Optional(AttributeType) }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }) },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ version: Type.String(), items: Type.Array(Type.Object({ name: Type.String(), status: Type.String(), attributeType: Type.Optional(Type.String()), statusInfo: StatusInfo })) }),
        ...commandErrors,
        ...standardErrors,
      },
    },
  }, (req) => versionMapped(() => dm().setSettings(req.params.id, req.body.values, { timeoutMs: timeoutMs(req.query) })));

  const Limits = Type.Object({ getVariables: Nullable(Type.Integer()), setVariables: Nullable(Type.Integer()), getReport: Nullable(Type.Integer()) });
  api.get('/stations/:id/capabilities', {
    schema: {
      tags,
      summary: 'What a station can do, from either version',
      description:
        '1.6: read from the charger now (GetConfiguration of LocalAuthListMaxLength, SendLocalListMaxLength, ChargeProfileMaxStackLevel, ChargingScheduleMaxPeriods, ' +
        'MaxChargingProfilesInstalled, ChargingScheduleAllowedChargingRateUnit, ConnectorPhaseRotation). 2.0.1: from the stored device model (LocalAuthListCtrlr, ' +
        'SmartChargingCtrlr, EVSE SupplyPhases, DeviceDataCtrlr ItemsPerMessage/BytesPerMessage). null: not reported. ' + COMMAND_DESCRIPTION,
      params: IdParam,
      querystring: TimeoutQuery,
      response: {
        200: Type.Object({
          version: Type.String(),
          localAuthListMaxLength: Nullable(Type.Integer()),
          sendLocalListMaxLength: Nullable(Type.Integer()),
          smartCharging: Type.Object({ maxStackLevel: Nullable(Type.Integer()), maxPeriods: Nullable(Type.Integer()), maxProfilesInstalled: Nullable(Type.Integer()), rateUnits: Nullable(Type.Array(Type.String())) }),
          phases: Nullable(Type.Integer()),
          itemsPerMessage: Limits,
          bytesPerMessage: Limits,
        }),
        ...commandErrors,
        ...standardErrors,
      },
    },
  }, (req) => versionMapped(() => dm().capabilities(req.params.id, { timeoutMs: timeoutMs(req.query) })));
}
