// Queries of the firmware campaigns and their stations. Nothing else. Executor first (ADR 0003).
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, FirmwareCampaignStationsTable, FirmwareCampaignsTable } from '../../db/schema.ts';

type Exec = Kysely<Database>;

export async function insertCampaign(db: Exec, row: Insertable<FirmwareCampaignsTable>, stationIds: readonly string[]): Promise<number> {
  const res = await db.insertInto('firmware_campaigns').values(row).returning('id').executeTakeFirstOrThrow();
  const id = Number(res.id);
  // Chunked: one statement per 500 rows keeps under SQLite's bound-parameter limit.
  for (let i = 0; i < stationIds.length; i += 500) {
    await db
      .insertInto('firmware_campaign_stations')
      .values(stationIds.slice(i, i + 500).map((stationId, j) => ({ campaign_id: id, station_id: stationId, position: i + j, state: 'pending' as const })))
      .execute();
  }
  return id;
}

export function getCampaign(db: Exec, id: number) {
  return db.selectFrom('firmware_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listCampaigns(db: Exec, page: { limit: number; offset: number }, status?: string) {
  let q = db.selectFrom('firmware_campaigns').selectAll();
  if (status) q = q.where('status', '=', status as FirmwareCampaignsTable['status']);
  return q.orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
}

export async function countCampaigns(db: Exec, status?: string): Promise<number> {
  let q = db.selectFrom('firmware_campaigns').select((eb) => eb.fn.countAll<number>().as('n'));
  if (status) q = q.where('status', '=', status as FirmwareCampaignsTable['status']);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function runningCampaignIds(db: Exec): Promise<number[]> {
  const rows = await db.selectFrom('firmware_campaigns').select('id').where('status', '=', 'running').orderBy('id').execute();
  return rows.map((r) => Number(r.id));
}

export async function isFirmwareInRunningCampaign(db: Exec, firmwareId: number): Promise<boolean> {
  const row = await db.selectFrom('firmware_campaigns').select('id').where('firmware_id', '=', firmwareId).where('status', '=', 'running').limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function patchCampaign(db: Exec, id: number, patch: Updateable<FirmwareCampaignsTable>): Promise<void> {
  await db.updateTable('firmware_campaigns').set(patch).where('id', '=', id).execute();
}

export function campaignStations(db: Exec, campaignId: number) {
  return db.selectFrom('firmware_campaign_stations').selectAll().where('campaign_id', '=', campaignId).orderBy('position').execute();
}

export async function patchCampaignStation(db: Exec, campaignId: number, stationId: string, patch: Updateable<FirmwareCampaignStationsTable>): Promise<void> {
  await db.updateTable('firmware_campaign_stations').set(patch).where('campaign_id', '=', campaignId).where('station_id', '=', stationId).execute();
}

/** Every station of the campaign still in `from` moves to `to`. */
export async function moveCampaignStations(db: Exec, campaignId: number, from: FirmwareCampaignStationsTable['state'], to: FirmwareCampaignStationsTable['state'], at: string): Promise<void> {
  await db.updateTable('firmware_campaign_stations').set({ state: to, finished_at: at }).where('campaign_id', '=', campaignId).where('state', '=', from).execute();
}
