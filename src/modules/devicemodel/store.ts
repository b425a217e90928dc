// Queries of the device model (2.0.1 NotifyReport) and its report requests. Nothing else. Executor first (ADR 0003).
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, DeviceModelReportsTable, DeviceModelVariablesTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export async function insertReport(db: Exec, row: Insertable<DeviceModelReportsTable>): Promise<number> {
  const res = await db.insertInto('device_model_reports').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(res.id);
}

export function updateReport(db: Exec, id: number, patch: Updateable<DeviceModelReportsTable>) {
  return db.updateTable('device_model_reports').set(patch).where('id', '=', id).execute();
}

/** The newest report of the station with this requestId. */
export function reportByRequestId(db: Exec, stationId: string, requestId: number) {
  return db.selectFrom('device_model_reports').selectAll().where('station_id', '=', stationId).where('request_id', '=', requestId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export function getReport(db: Exec, stationId: string, id: number) {
  return db.selectFrom('device_model_reports').selectAll().where('station_id', '=', stationId).where('id', '=', id).executeTakeFirst();
}

export function listReports(db: Exec, stationId: string, page: { limit: number; offset: number }) {
  return db.selectFrom('device_model_reports').selectAll().where('station_id', '=', stationId).orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
}

export async function countReports(db: Exec, stationId: string): Promise<number> {
  const row = await db.selectFrom('device_model_reports').select((eb) => eb.fn.countAll<number>().as('n')).where('station_id', '=', stationId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The highest requestId of the station's reports (Plugboard's are row ids; a station's own may be anything). */
export async function maxRequestId(db: Exec): Promise<number> {
  const row = await db.selectFrom('device_model_reports').select((eb) => eb.fn.max('request_id').as('m')).executeTakeFirst();
  return Number(row?.m ?? 0);
}

export type VariableRow = Insertable<DeviceModelVariablesTable>;

/** Inserts or replaces one variable of a station's device model (its key: component, instance, EVSE, connector, variable, instance). */
export function upsertVariable(db: Exec, row: VariableRow) {
  return db
    .insertInto('device_model_variables')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['station_id', 'component', 'component_instance', 'evse_id', 'connector_id', 'variable', 'variable_instance'])
        .doUpdateSet({ attributes: row.attributes, characteristics: row.characteristics ?? null, request_id: row.request_id ?? null, updated_at: row.updated_at }),
    )
    .execute();
}

export interface VariableFilter {
  component?: string;
  componentInstance?: string;
  evseId?: number;
  variable?: string;
  /** substring of component or variable name */
  q?: string;
}

function filtered(db: Exec, stationId: string, f: VariableFilter) {
  let q = db.selectFrom('device_model_variables').where('station_id', '=', stationId);
  if (f.component !== undefined) q = q.where('component', '=', f.component);
  if (f.componentInstance !== undefined) q = q.where('component_instance', '=', f.componentInstance);
  if (f.evseId !== undefined) q = q.where('evse_id', '=', f.evseId);
  if (f.variable !== undefined) q = q.where('variable', '=', f.variable);
  if (f.q !== undefined) {
    const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    q = q.where((eb) => eb.or([eb(eb.fn('lower', ['component']), 'like', like), eb(eb.fn('lower', ['variable']), 'like', like)]));
  }
  return q;
}

export function listVariables(db: Exec, stationId: string, f: VariableFilter, page: { limit: number; offset: number }) {
  return filtered(db, stationId, f)
    .selectAll()
    .orderBy('component')
    .orderBy('component_instance')
    .orderBy('evse_id')
    .orderBy('connector_id')
    .orderBy('variable')
    .orderBy('variable_instance')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countVariables(db: Exec, stationId: string, f: VariableFilter): Promise<number> {
  const row = await filtered(db, stationId, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The station's components with how many variables each has. */
export function listComponents(db: Exec, stationId: string) {
  return db
    .selectFrom('device_model_variables')
    .select(['component', 'component_instance', 'evse_id', 'connector_id'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('station_id', '=', stationId)
    .groupBy(['component', 'component_instance', 'evse_id', 'connector_id'])
    .orderBy('component')
    .orderBy('component_instance')
    .orderBy('evse_id')
    .orderBy('connector_id')
    .execute();
}

/** One variable by its key (no EVSE / instance: '' and -1). */
export function getVariable(db: Exec, stationId: string, key: { component: string; componentInstance: string; evseId: number; connectorId: number; variable: string; variableInstance: string }) {
  return db
    .selectFrom('device_model_variables')
    .selectAll()
    .where('station_id', '=', stationId)
    .where('component', '=', key.component)
    .where('component_instance', '=', key.componentInstance)
    .where('evse_id', '=', key.evseId)
    .where('connector_id', '=', key.connectorId)
    .where('variable', '=', key.variable)
    .where('variable_instance', '=', key.variableInstance)
    .executeTakeFirst();
}
