// Firmware campaigns: one firmware image to many stations, a wave of `waveSize` stations at a
// time. A wave is over when each of its stations reached Installed, failed (UpdateFirmware not
// delivered, DownloadFailed, InstallationFailed; signed campaigns also the charger's refusal,
// InvalidSignature, InstallVerificationFailed) or ran out of time; then the next wave starts.
// A signed campaign sends each station SignedUpdateFirmware with the image's stored signature,
// each with its own requestId (its update's id).
// The campaign stops as soon as its failures exceed the threshold. All state is in the
// database, so a restart resumes where it was; the work itself runs in the background,
// driven by FirmwareStatusNotifications and by a timer for the wave deadline.
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { FirmwareCampaignStationsTable, FirmwareCampaignsTable } from '../../db/schema.ts';
import * as store from './campaign-store.ts';
import { CampaignFinishedError, CampaignNotFoundError, InvalidFirmwareRequestError } from './errors.ts';
import type { FirmwareRepository } from './repository.ts';
import { FAILURE_STATUSES, type FirmwareUpdate, type FirmwareUpdates } from './updates.ts';
import { checkCertificateUsable, parseSigningCertificate } from './signing.ts';

export type Campaign = Selectable<FirmwareCampaignsTable>;
export type CampaignStation = Selectable<FirmwareCampaignStationsTable>;
type StationState = CampaignStation['state'];

export interface CampaignInput {
  firmwareId: number;
  stationIds: string[];
  waveSize: number;
  /** a count (stop when failures > n) or a percentage of all stations, written "20%" */
  failureThreshold: number | string;
  retrieveDate?: string;
  retries?: number;
  retryInterval?: number;
  /** how long a station of a wave may take to reach Installed; default 3600 */
  waveTimeoutSeconds?: number;
  /** send SignedUpdateFirmware with the image's stored signature (Security Whitepaper) */
  signed?: boolean;
}

export const DEFAULT_WAVE_TIMEOUT_SECONDS = 3600;
/** After a restart, chargers get this long to reconnect before the next wave is sent. */
export const RESUME_DELAY_MS = 15_000;

export function parseThreshold(value: number | string): { value: number; unit: 'count' | 'percent' } {
  if (typeof value === 'number') return { value, unit: 'count' };
  const m = /^\s*(\d{1,3})\s*%\s*$/.exec(value);
  if (!m || Number(m[1]) > 100) throw new InvalidFirmwareRequestError(`failureThreshold must be a count or a percentage such as "20%", not ${JSON.stringify(value)}`);
  return { value: Number(m[1]), unit: 'percent' };
}

export function thresholdExceeded(c: Pick<Campaign, 'failure_threshold' | 'failure_threshold_unit'>, failures: number, total: number): boolean {
  if (c.failure_threshold_unit === 'percent') return failures * 100 > c.failure_threshold * total;
  return failures > c.failure_threshold;
}

/** What an update means for its station in the campaign; null while it is still under way. */
function outcomeOf(u: FirmwareUpdate | undefined): { state: StationState; error: string | null } | null {
  if (!u) return null;
  if (u.command_status === 'error') return { state: 'failed', error: u.error ?? 'UpdateFirmware was not delivered' };
  if (u.failure !== null) return { state: 'failed', error: u.failure };
  if (u.firmware_status === 'Installed') return { state: 'installed', error: null };
  if (FAILURE_STATUSES.has(u.firmware_status ?? '')) return { state: 'failed', error: u.firmware_status };
  return null;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export function createCampaigns({ ctx, repository, updates }: { ctx: AppContext; repository: FirmwareRepository; updates: FirmwareUpdates }) {
  const db = ctx.db;
  const log = ctx.log.child({ component: 'firmware-campaigns' });
  const iso = () => ctx.now().toISOString();
  /** One advance at a time per campaign; a kick during a run makes it run once more. */
  const runs = new Map<number, { running: Promise<void>; again: boolean }>();
  const timers = new Map<number, NodeJS.Timeout>();
  let resumeTimer: NodeJS.Timeout | null = null;
  let stopped = false;

  function schedule(id: number, atMs: number): void {
    clearTimeout(timers.get(id));
    const timer = setTimeout(() => {
      timers.delete(id);
      kick(id);
    }, Math.max(0, atMs - Date.now()) + 50);
    timer.unref();
    timers.set(id, timer);
  }

  function kick(id: number): void {
    if (stopped) return;
    const current = runs.get(id);
    if (current) {
      current.again = true;
      return;
    }
    const run = { running: Promise.resolve(), again: true };
    run.running = (async () => {
      while (run.again && !stopped) {
        run.again = false;
        try {
          if (await advance(id)) run.again = true;
        } catch (err) {
          log.error({ err, campaignId: id }, 'advancing a firmware campaign failed');
        }
      }
    })().finally(() => runs.delete(id));
    runs.set(id, run);
  }

  /** One step of the campaign's state machine; true when it should be looked at again at once. */
  async function advance(id: number): Promise<boolean> {
    const campaign = await store.getCampaign(db.kysely, id);
    if (!campaign || campaign.status !== 'running') {
      clearTimeout(timers.get(id));
      return false;
    }
    const at = iso();
    const nowMs = ctx.now().getTime();
    const timeoutMs = campaign.wave_timeout_seconds * 1000;
    const rows = await store.campaignStations(db.kysely, id);

    // Settle the stations of the current wave whose update reached an outcome or its deadline.
    const updating = rows.filter((r) => r.state === 'updating');
    const byId = new Map((await updates.getMany(updating.flatMap((r) => (r.update_id === null ? [] : [Number(r.update_id)])))).map((u) => [Number(u.id), u]));
    let nextDeadline = Infinity;
    for (const r of updating) {
      let outcome = outcomeOf(r.update_id === null ? undefined : byId.get(Number(r.update_id)));
      const deadline = Date.parse(r.started_at ?? at) + timeoutMs;
      if (!outcome && deadline <= nowMs) outcome = { state: 'timed_out', error: `not Installed within ${campaign.wave_timeout_seconds} s` };
      if (!outcome) {
        nextDeadline = Math.min(nextDeadline, deadline);
        continue;
      }
      await db.write((trx) => store.patchCampaignStation(trx, id, r.station_id, { state: outcome.state, error: outcome.error, finished_at: at }));
      r.state = outcome.state;
    }

    const failures = rows.filter((r) => r.state === 'failed' || r.state === 'timed_out').length;
    if (thresholdExceeded(campaign, failures, rows.length)) {
      const reason = `${failures} of ${rows.length} stations failed, above the threshold of ${campaign.failure_threshold}${campaign.failure_threshold_unit === 'percent' ? '%' : ''}`;
      await db.write(async (trx) => {
        await store.moveCampaignStations(trx, id, 'pending', 'skipped', at);
        await store.patchCampaign(trx, id, { status: 'stopped', stop_reason: reason, updated_at: at, finished_at: at });
      });
      clearTimeout(timers.get(id));
      log.warn({ campaignId: id, failures }, 'firmware campaign stopped: too many failures');
      return false;
    }
    if (rows.some((r) => r.state === 'updating')) {
      schedule(id, nextDeadline);
      return false;
    }

    const pending = rows.filter((r) => r.state === 'pending');
    if (pending.length === 0) {
      await db.write((trx) => store.patchCampaign(trx, id, { status: 'completed', updated_at: at, finished_at: at }));
      clearTimeout(timers.get(id));
      log.info({ campaignId: id, failures }, 'firmware campaign completed');
      return false;
    }

    // The next wave: marked updating before anything is sent, so that a crash in between
    // leaves stations that time out rather than stations updated twice.
    const wave = campaign.current_wave + 1;
    const batch = pending.slice(0, campaign.wave_size);
    await db.write(async (trx) => {
      await store.patchCampaign(trx, id, { current_wave: wave, updated_at: at });
      for (const r of batch) await store.patchCampaignStation(trx, id, r.station_id, { state: 'updating', wave, started_at: at });
    });
    log.info({ campaignId: id, wave, stations: batch.length }, 'firmware campaign: next wave');
    await Promise.all(
      batch.map(async (r) => {
        try {
          await updates.request(
            r.station_id,
            {
              firmwareId: Number(campaign.firmware_id),
              ...(campaign.retrieve_date ? { retrieveDate: campaign.retrieve_date } : {}),
              ...(campaign.retries === null ? {} : { retries: campaign.retries }),
              ...(campaign.retry_interval === null ? {} : { retryInterval: campaign.retry_interval }),
              ...(campaign.signed === 1 ? { signed: true } : {}),
            },
            { campaignId: id, onRecorded: (updateId) => db.write((trx) => store.patchCampaignStation(trx, id, r.station_id, { update_id: updateId })) },
          );
        } catch (err) {
          // Recorded on the update too; the next step counts it as a failure.
          log.info({ campaignId: id, stationId: r.station_id, reason: describe(err) }, 'firmware campaign: UpdateFirmware not delivered');
          await db.write((trx) => store.patchCampaignStation(trx, id, r.station_id, { state: 'failed', error: describe(err), finished_at: iso() }));
        }
      }),
    );
    return true;
  }

  const campaigns = {
    async create(input: CampaignInput): Promise<number> {
      const threshold = parseThreshold(input.failureThreshold);
      const firmware = await repository.get(input.firmwareId);
      if (input.signed) {
        if (!firmware.signature || !firmware.signing_certificate) {
          throw new InvalidFirmwareRequestError(`firmware ${firmware.id} has no signature: sign it (POST /firmware/${firmware.id}/sign) or store the vendor's (PUT /firmware/${firmware.id}/signature) before a signed campaign`);
        }
        await checkCertificateUsable(parseSigningCertificate(firmware.signing_certificate), ctx.now(), (c) => ctx.services.certificates.isRevoked(c));
      }
      const known = await Promise.all(input.stationIds.map((s) => ctx.services.stations.get(s)));
      const unknown = input.stationIds.filter((_, i) => !known[i]);
      if (unknown.length > 0) throw new InvalidFirmwareRequestError(`unknown stations: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', ...' : ''}`, { unknownStationIds: unknown });
      const at = iso();
      const id = await db.write((trx) =>
        store.insertCampaign(
          trx,
          {
            firmware_id: Number(firmware.id),
            location: repository.downloadUrl(firmware),
            retrieve_date: input.retrieveDate ?? null,
            retries: input.retries ?? null,
            retry_interval: input.retryInterval ?? null,
            wave_size: input.waveSize,
            failure_threshold: threshold.value,
            failure_threshold_unit: threshold.unit,
            wave_timeout_seconds: input.waveTimeoutSeconds ?? DEFAULT_WAVE_TIMEOUT_SECONDS,
            signed: input.signed ? 1 : 0,
            status: 'running',
            current_wave: 0,
            stop_reason: null,
            created_at: at,
            updated_at: at,
            finished_at: null,
          },
          input.stationIds,
        ),
      );
      kick(id);
      return id;
    },

    async get(id: number): Promise<{ campaign: Campaign; stations: CampaignStation[]; updates: Map<number, FirmwareUpdate> }> {
      const campaign = await store.getCampaign(db.kysely, id);
      if (!campaign) throw new CampaignNotFoundError(id);
      const stations = await store.campaignStations(db.kysely, id);
      const list = await updates.getMany(stations.flatMap((s) => (s.update_id === null ? [] : [Number(s.update_id)])));
      return { campaign, stations, updates: new Map(list.map((u) => [Number(u.id), u])) };
    },

    async listPage(page: { limit: number; offset: number }, status?: string) {
      const [items, total] = await Promise.all([store.listCampaigns(db.kysely, page, status), store.countCampaigns(db.kysely, status)]);
      return { items, total };
    },

    /**
     * Stops the campaign: stations not started are cancelled. Stations of the current wave keep
     * their update (OCPP 1.6 cannot call an UpdateFirmware back); their status stays visible.
     */
    async cancel(id: number): Promise<void> {
      const campaign = await store.getCampaign(db.kysely, id);
      if (!campaign) throw new CampaignNotFoundError(id);
      if (campaign.status !== 'running') throw new CampaignFinishedError(id, campaign.status);
      const at = iso();
      await db.write(async (trx) => {
        await store.moveCampaignStations(trx, id, 'pending', 'cancelled', at);
        await store.patchCampaign(trx, id, { status: 'cancelled', stop_reason: 'cancelled by the operator', updated_at: at, finished_at: at });
      });
      clearTimeout(timers.get(id));
    },

    /** An update of a campaign moved on: the campaign may too. */
    onUpdateProgress(update: FirmwareUpdate): void {
      if (update.campaign_id !== null) kick(Number(update.campaign_id));
    },

    /** After a start: running campaigns continue once chargers had time to reconnect. */
    resumeLater(delayMs = RESUME_DELAY_MS): void {
      resumeTimer = setTimeout(() => {
        resumeTimer = null;
        store
          .runningCampaignIds(db.kysely)
          .then((ids) => ids.forEach(kick))
          .catch((err: unknown) => log.error({ err }, 'resuming firmware campaigns failed'));
      }, delayMs);
      resumeTimer.unref();
    },

    /** Stops timers and waits for running steps (before the database closes). */
    async stop(): Promise<void> {
      stopped = true;
      if (resumeTimer) clearTimeout(resumeTimer);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...runs.values()].map((r) => r.running));
    },
  };
  return campaigns;
}

export type Campaigns = ReturnType<typeof createCampaigns>;
