// Device model of OCPP 2.0.1 stations (issue 12, ADR 0014): what a station reports of itself in
// NotifyReport (B07/B08, multi-part by requestId, seqNo and tbc), the report requests
// (GetBaseReport, GetReport) whose requestId is the report row's id, browsing the stored model,
// and SetNetworkProfile. The configuration API of both versions is configuration.ts.
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DeviceModelReportsTable, DeviceModelVariablesTable } from '../../db/schema.ts';
import type { OCPP20 } from 'typed-ocpp';
import type { SendOptions } from '../stations/service.ts';
import * as store from './store.ts';
import { variableKey } from './keys.ts';
import { createConfigurationApi } from './configuration.ts';

export { parseVariableKey, variableKey } from './keys.ts';

type ReportData = NonNullable<OCPP20.NotifyReportRequest['reportData']>[number];
type VariableAttribute = ReportData['variableAttribute'][number];
type Characteristics = NonNullable<ReportData['variableCharacteristics']>;
type StatusInfo = NonNullable<OCPP20.GetBaseReportResponse['statusInfo']>;
type ComponentVariable = NonNullable<OCPP20.GetReportRequest['componentVariable']>[number];
type AttributeEnum = NonNullable<VariableAttribute['type']>;

export type ReportRow = Selectable<DeviceModelReportsTable>;
export type VariableRow = Selectable<DeviceModelVariablesTable>;
export type ReportBase = OCPP20.GetBaseReportRequest['reportBase'];
export const REPORT_BASES: readonly ReportBase[] = ['ConfigurationInventory', 'FullInventory', 'SummaryInventory'];
export type ComponentCriterion = NonNullable<OCPP20.GetReportRequest['componentCriteria']>[number];
export const COMPONENT_CRITERIA: readonly ComponentCriterion[] = ['Active', 'Available', 'Enabled', 'Problem'];

/** A station of the other version asked for a 2.0.1-only command (a 400, nothing sent). */
export class NotInVersionError extends Error {
  readonly stationId: string;
  constructor(stationId: string, message: string) {
    super(message);
    this.name = 'NotInVersionError';
    this.stationId = stationId;
  }
}

export interface ReportRequestResult {
  requestId: number;
  status: string;
  statusInfo?: StatusInfo;
}

/** The station's variable in Plugboard's terms. */
export interface DeviceVariable {
  component: { name: string; instance?: string; evse?: { id: number; connectorId?: number } };
  variable: { name: string; instance?: string };
  /** component[.instance][/evse[.connector]]/variable[.instance], the configuration API's name */
  key: string;
  attributes: VariableAttribute[];
  characteristics: Characteristics | null;
  updatedAt: string;
}

export function toDeviceVariable(r: VariableRow): DeviceVariable {
  const component: DeviceVariable['component'] = { name: r.component };
  if (r.component_instance !== '') component.instance = r.component_instance;
  if (r.evse_id >= 0) component.evse = { id: r.evse_id, ...(r.connector_id >= 0 ? { connectorId: r.connector_id } : {}) };
  const variable: DeviceVariable['variable'] = { name: r.variable };
  if (r.variable_instance !== '') variable.instance = r.variable_instance;
  return {
    component,
    variable,
    key: variableKey(component, variable),
    attributes: JSON.parse(r.attributes) as VariableAttribute[],
    characteristics: r.characteristics === null ? null : (JSON.parse(r.characteristics) as Characteristics),
    updatedAt: r.updated_at,
  };
}

export function createDeviceModelService(ctx: AppContext) {
  const { db } = ctx;
  const iso = () => ctx.now().toISOString();
  const stations = () => ctx.services.stations;

  async function require201(stationId: string, what: string): Promise<void> {
    const version = await stations().versionOf(stationId);
    if (version !== '2.0.1') throw new NotInVersionError(stationId, `station ${stationId} speaks OCPP ${version}: ${what} exists only in OCPP 2.0.1`);
  }

  /** A report row whose id is the requestId sent, then the command; the station's answer is recorded on the row. */
  async function requestReport(stationId: string, kind: string, criteria: unknown, send: (requestId: number) => Promise<{ status: string; statusInfo?: StatusInfo }>): Promise<ReportRequestResult> {
    const requestId = await db.write(async (trx) => {
      const id = await store.insertReport(trx, { station_id: stationId, request_id: 0, kind, criteria: criteria === undefined ? null : JSON.stringify(criteria), status: 'Requested', requested_at: iso() });
      await store.updateReport(trx, id, { request_id: id });
      return id;
    });
    let res: { status: string; statusInfo?: StatusInfo };
    try {
      res = await send(requestId);
    } catch (err) {
      await db.write((trx) => store.updateReport(trx, requestId, { status: 'Failed', answer_status: (err as Error).message.slice(0, 500) }));
      throw err;
    }
    await db.write(async (trx) => {
      const row = await store.getReport(trx, stationId, requestId);
      // The NotifyReport may already have come (the station sends it right after answering).
      const status = res.status === 'Accepted' ? (row?.status ?? 'Requested') : 'Rejected';
      await store.updateReport(trx, requestId, { answer_status: res.status, status });
    });
    return { requestId, status: res.status, ...(res.statusInfo ? { statusInfo: res.statusInfo } : {}) };
  }

  const service = {
    /** NotifyReport (B07/B08): each part's variables stored; tbc false completes the report. */
    async notifyReport(stationId: string, req: OCPP20.NotifyReportRequest): Promise<void> {
      const at = iso();
      await db.write(async (trx) => {
        let report = await store.reportByRequestId(trx, stationId, req.requestId);
        if (!report) {
          const id = await store.insertReport(trx, { station_id: stationId, request_id: req.requestId, kind: 'Unrequested', status: 'InProgress', requested_at: at });
          report = (await store.getReport(trx, stationId, id))!;
        }
        for (const d of req.reportData ?? []) {
          await store.upsertVariable(trx, {
            station_id: stationId,
            component: d.component.name,
            component_instance: d.component.instance ?? '',
            evse_id: d.component.evse?.id ?? -1,
            connector_id: d.component.evse?.connectorId ?? -1,
            variable: d.variable.name,
            variable_instance: d.variable.instance ?? '',
            attributes: JSON.stringify(d.variableAttribute.map(({ customData: _c, ...a }) => a)),
            characteristics: d.variableCharacteristics ? JSON.stringify((({ customData: _c, ...c }) => c)(d.variableCharacteristics)) : null,
            request_id: req.requestId,
            updated_at: at,
          });
        }
        const complete = !req.tbc;
        await store.updateReport(trx, report.id, {
          status: complete ? 'Complete' : 'InProgress',
          last_seq_no: Math.max(report.last_seq_no ?? -1, req.seqNo),
          parts: report.parts + 1,
          variables: report.variables + (req.reportData?.length ?? 0),
          generated_at: report.generated_at ?? req.generatedAt,
          ...(complete ? { completed_at: at } : {}),
        });
      });
    },

    /** GetBaseReport (B07): ConfigurationInventory, FullInventory or SummaryInventory; the answer and the requestId the NotifyReports will carry. */
    async getBaseReport(stationId: string, reportBase: ReportBase, opts: SendOptions = {}): Promise<ReportRequestResult> {
      await require201(stationId, 'GetBaseReport');
      return requestReport(stationId, `GetBaseReport:${reportBase}`, undefined, (requestId) => stations().sendCommand201(stationId, 'GetBaseReport', { requestId, reportBase }, opts));
    },

    /** GetReport (B08): by componentVariable and/or componentCriteria. */
    async getReport(stationId: string, q: { componentVariable?: ComponentVariable[]; componentCriteria?: ComponentCriterion[] }, opts: SendOptions = {}): Promise<ReportRequestResult> {
      await require201(stationId, 'GetReport');
      const criteria = { ...(q.componentVariable?.length ? { componentVariable: q.componentVariable } : {}), ...(q.componentCriteria?.length ? { componentCriteria: q.componentCriteria } : {}) };
      return requestReport(stationId, 'GetReport', criteria, (requestId) => stations().sendCommand201(stationId, 'GetReport', { requestId, ...criteria }, opts));
    },

    /** SetNetworkProfile (B09): 2.0.1 only; a 1.6 station has no such command. */
    async setNetworkProfile(stationId: string, req: OCPP20.SetNetworkProfileRequest, opts: SendOptions = {}): Promise<OCPP20.SetNetworkProfileResponse> {
      await require201(stationId, 'SetNetworkProfile');
      return stations().sendCommand201(stationId, 'SetNetworkProfile', req, opts);
    },

    getReportRow(stationId: string, requestId: number) {
      return store.reportByRequestId(db.kysely, stationId, requestId);
    },

    async reports(stationId: string, page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.listReports(db.kysely, stationId, page), store.countReports(db.kysely, stationId)]);
      return { items, total };
    },

    async variables(stationId: string, filter: store.VariableFilter, page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.listVariables(db.kysely, stationId, filter, page), store.countVariables(db.kysely, stationId, filter)]);
      return { items: items.map(toDeviceVariable), total };
    },

    async components(stationId: string) {
      const rows = await store.listComponents(db.kysely, stationId);
      return rows.map((r) => ({
        name: r.component,
        ...(r.component_instance !== '' ? { instance: r.component_instance } : {}),
        ...(r.evse_id >= 0 ? { evse: { id: r.evse_id, ...(r.connector_id >= 0 ? { connectorId: r.connector_id } : {}) } } : {}),
        variables: Number(r.n),
      }));
    },

    /**
     * The stored value of a variable's attribute (default Actual) of a component without instance or EVSE, or null.
     * anyEvse: the component on any EVSE (the first reported), for per-EVSE variables such as EVSE SupplyPhases.
     */
    async storedValue(stationId: string, component: string, variable: string, attribute: AttributeEnum = 'Actual', variableInstance?: string, anyEvse = false): Promise<string | null> {
      const pick = (attributes: string) => (JSON.parse(attributes) as VariableAttribute[]).find((a) => (a.type ?? 'Actual') === attribute)?.value ?? null;
      if (anyEvse) {
        const rows = await store.listVariables(db.kysely, stationId, { component, variable }, { limit: 100, offset: 0 });
        for (const r of rows) if (r.variable_instance === (variableInstance ?? '')) { const v = pick(r.attributes); if (v !== null) return v; }
        return null;
      }
      const row = await store.getVariable(db.kysely, stationId, { component, componentInstance: '', evseId: -1, connectorId: -1, variable, variableInstance: variableInstance ?? '' });
      return row ? pick(row.attributes) : null;
    },
  };
  const configuration = createConfigurationApi(ctx, () => service);
  return Object.assign(service, {
    /** Reads configuration by name, either version (configuration.ts). */
    getSettings: configuration.get,
    /** Sets configuration by name, either version (configuration.ts). */
    setSettings: configuration.set,
    /** List sizes, smart-charging limits, rate units, phases, message limits: from either version (configuration.ts). */
    capabilities: configuration.capabilities,
  });
}

export type DeviceModelService = ReturnType<typeof createDeviceModelService>;
