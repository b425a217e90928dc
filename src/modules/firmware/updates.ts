// UpdateFirmware and what follows it (OCPP 1.6 §4.5, §5.19, §6.31): the request is recorded
// before it is sent, so that a FirmwareStatusNotification arriving before the .conf still finds
// it; each notification is kept as a timeline and sets the update's status; the firmware
// version comes from the charger's next BootNotification.
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { FirmwareUpdatesTable } from '../../db/schema.ts';
import { ocpp16Validator } from '../../protocol/index.ts';
import type { CentralToCharger, ChargerToCentral } from '../../protocol/ocpp16.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { toIsoTimestamp } from '../../time.ts';
import * as store from './store.ts';
import { InvalidFirmwareRequestError } from './errors.ts';
import type { FirmwareRepository } from './repository.ts';

export type FirmwareUpdate = Selectable<FirmwareUpdatesTable>;
export type FirmwareStatus = ChargerToCentral['FirmwareStatusNotification']['req']['status'];

export interface UpdateFirmwareInput {
  /** a file of the repository: its download URL becomes the location */
  firmwareId?: number;
  /** any URL the charger can retrieve the firmware from */
  location?: string;
  /** default: now */
  retrieveDate?: string;
  retries?: number;
  retryInterval?: number;
}

/** Statuses after which the charger has the new image (the next boot runs it, or tried to). */
const DOWNLOADED_OR_LATER: ReadonlySet<string> = new Set(['Downloaded', 'Installing', 'Installed', 'InstallationFailed']);

/** A message of the error that ended a send, for the record. */
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export function createUpdates({ ctx, repository, onProgress }: { ctx: AppContext; repository: FirmwareRepository; onProgress(update: FirmwareUpdate): void }) {
  const db = ctx.db;
  const iso = () => ctx.now().toISOString();

  const updates = {
    /**
     * Sends UpdateFirmware and returns the recorded update. Send failures (offline, not
     * Accepted, CALLERROR, timeout) are recorded on the update (command_status error) and
     * rethrown for the API to map.
     */
    async request(stationId: string, input: UpdateFirmwareInput, opts: { campaignId?: number; onRecorded?(updateId: number): Promise<unknown>; timeoutMs?: number } = {}): Promise<FirmwareUpdate> {
      const station = await ctx.services.stations.get(stationId);
      if (!station) throw new StationNotFoundError(stationId);
      if ((input.firmwareId === undefined) === (input.location === undefined)) {
        throw new InvalidFirmwareRequestError('give either firmwareId (a file of the repository) or location (a URL), not both');
      }
      const location = input.firmwareId !== undefined ? repository.downloadUrl(await repository.get(input.firmwareId)) : input.location!;
      const payload: CentralToCharger['UpdateFirmware']['req'] = {
        location,
        retrieveDate: input.retrieveDate ? toIsoTimestamp(input.retrieveDate) : iso(),
        ...(input.retries === undefined ? {} : { retries: input.retries }),
        ...(input.retryInterval === undefined ? {} : { retryInterval: input.retryInterval }),
      };
      const v = ocpp16Validator.validateRequest('UpdateFirmware', payload, 'local');
      if (!v.ok) throw new InvalidFirmwareRequestError(`invalid UpdateFirmware request: ${v.message.replace(/^\w+Request: /, '')}`, { errors: v.errors });

      const row = {
        station_id: stationId,
        firmware_id: input.firmwareId ?? null,
        campaign_id: opts.campaignId ?? null,
        location,
        retrieve_date: payload.retrieveDate,
        retries: payload.retries ?? null,
        retry_interval: payload.retryInterval ?? null,
        command_status: 'sending' as const,
        error: null,
        firmware_status: null,
        firmware_status_at: null,
        firmware_version_before: station.firmware_version,
        firmware_version_after: null,
        booted_at: null,
        requested_at: iso(),
      };
      const id = await db.write((trx) => store.insertUpdate(trx, row));
      await opts.onRecorded?.(id);
      try {
        await ctx.services.stations.sendCommand(stationId, 'UpdateFirmware', payload, { timeoutMs: opts.timeoutMs });
      } catch (err) {
        await db.write((trx) => store.patchUpdate(trx, id, { command_status: 'error', error: describe(err) }));
        throw err;
      }
      // The .conf is empty (§6.32): answering at all is the charger's acceptance.
      await db.write((trx) => store.patchUpdate(trx, id, { command_status: 'accepted' }));
      return (await store.getUpdate(db.kysely, id))!;
    },

    /** FirmwareStatusNotification: kept in the timeline, linked to the latest update sent. */
    async statusNotification(stationId: string, status: FirmwareStatus): Promise<void> {
      const at = iso();
      const update = await db.write(async (trx) => {
        const latest = await store.latestSentUpdate(trx, stationId);
        await store.insertFirmwareStatus(trx, { station_id: stationId, update_id: latest ? Number(latest.id) : null, status, received_at: at });
        // Idle (§7.25) says nothing is going on; it is only sent when triggered, and does not
        // undo what the update reached.
        if (!latest || status === 'Idle') return null;
        await store.patchUpdate(trx, Number(latest.id), { firmware_status: status, firmware_status_at: at });
        return { ...latest, firmware_status: status, firmware_status_at: at };
      });
      if (update) onProgress(update);
    },

    /**
     * A BootNotification: when the station's latest update has its image downloaded and no boot
     * recorded yet, this is the boot into the new firmware (§4.5: Installing, reboot, Installed),
     * and its firmwareVersion is what the update achieved.
     */
    async onBoot(stationId: string): Promise<void> {
      const latest = await store.latestSentUpdate(db.kysely, stationId);
      if (!latest || latest.booted_at !== null || !DOWNLOADED_OR_LATER.has(latest.firmware_status ?? '')) return;
      const station = await ctx.services.stations.get(stationId);
      if (!station) return;
      await db.write((trx) => store.patchUpdate(trx, Number(latest.id), { firmware_version_after: station.firmware_version, booted_at: station.last_boot_at ?? iso() }));
    },

    get(id: number) {
      return store.getUpdate(db.kysely, id);
    },

    getMany(ids: readonly number[]) {
      return store.getUpdates(db.kysely, ids);
    },

    /** The station's recent updates and status notifications, newest first. */
    async stationHistory(stationId: string, limit: number) {
      const [list, timeline] = await Promise.all([store.listUpdates(db.kysely, stationId, limit), store.firmwareTimeline(db.kysely, stationId, limit)]);
      return { updates: list, timeline };
    },
  };
  return updates;
}

export type FirmwareUpdates = ReturnType<typeof createUpdates>;
