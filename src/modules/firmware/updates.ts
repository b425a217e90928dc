// UpdateFirmware and what follows it (OCPP 1.6 §4.5, §5.19, §6.31), and its signed twin of the
// Security Whitepaper, SignedUpdateFirmware with SignedFirmwareStatusNotification (ADR 0011):
// the request is recorded before it is sent, so that a notification arriving before the .conf
// still finds it; each notification is kept as a timeline and sets the update's status (a
// failure status ends it as failed, with that reason); the firmware version comes from the
// charger's next BootNotification. A signed update's requestId is its record's id.
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { FirmwareUpdatesTable } from '../../db/schema.ts';
import { validatorForVersion } from '../../protocol/validator.ts';
import type { CsmsToStation201 } from '../../protocol/ocpp201.ts';
import { firmwareIntent201 } from './ocpp201.ts';
import type { CentralToCharger, ChargerToCentral } from '../../protocol/ocpp16.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { toIsoTimestamp } from '../../time.ts';
import * as store from './store.ts';
import { InvalidFirmwareRequestError } from './errors.ts';
import type { FirmwareRepository } from './repository.ts';
import { checkCertificateUsable, decodeSignature, parseSigningCertificate } from './signing.ts';

export type FirmwareUpdate = Selectable<FirmwareUpdatesTable>;
export type FirmwareStatus = ChargerToCentral['FirmwareStatusNotification']['req']['status'];
export type SignedFirmwareStatus = ChargerToCentral['SignedFirmwareStatusNotification']['req']['status'];

/**
 * Statuses that end an update unsuccessfully: the update is marked failed with the status as
 * its reason (campaigns count it as a failed station).
 */
export const FAILURE_STATUSES: ReadonlySet<string> = new Set(['DownloadFailed', 'InstallationFailed', 'InvalidSignature', 'InstallVerificationFailed']);

export interface UpdateFirmwareInput {
  /** a file of the repository: its download URL becomes the location */
  firmwareId?: number;
  /** any URL the charger can retrieve the firmware from */
  location?: string;
  /** default: now */
  retrieveDate?: string;
  retries?: number;
  retryInterval?: number;
  /** SignedUpdateFirmware instead of UpdateFirmware (Security Whitepaper) */
  signed?: boolean;
  /** signed only: installDateTime, when the charger shall install it (default: as soon as it can) */
  installDate?: string;
  /** signed with a location: the base64 signature of the image there (a repository file carries its own) */
  signature?: string;
  /** signed with a location: the PEM signing certificate */
  signingCertificate?: string;
}

/** Statuses after which the charger has the new image (the next boot runs it, or tried to). */
const DOWNLOADED_OR_LATER: ReadonlySet<string> = new Set([
  'Downloaded',
  'SignatureVerified',
  'InstallScheduled',
  'Installing',
  'InstallRebooting',
  'Installed',
  'InstallationFailed',
  'InstallVerificationFailed',
]);

/** Statuses that end an update: Installed, or a failure. */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['Installed', ...FAILURE_STATUSES]);

function isFinal(u: FirmwareUpdate): boolean {
  return u.failure !== null || FINAL_STATUSES.has(u.firmware_status ?? '');
}

/** SignedUpdateFirmware.conf statuses that mean the charger took the request. */
const SIGNED_ACCEPTED: ReadonlySet<string> = new Set(['Accepted', 'AcceptedCanceled']);

/** A message of the error that ended a send, for the record. */
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export function createUpdates({ ctx, repository, onProgress }: { ctx: AppContext; repository: FirmwareRepository; onProgress(update: FirmwareUpdate): void }) {
  const db = ctx.db;
  const iso = () => ctx.now().toISOString();

  /**
   * AcceptedCanceled: the charger cancelled the firmware update it was working on for this one.
   * That earlier update, if it had not ended, ends as failed (a campaign counts it so).
   */
  async function cancelEarlier(stationId: string, updateId: number): Promise<void> {
    const earlier = await db.write(async (trx) => {
      const prev = await store.previousSentUpdate(trx, stationId, updateId);
      if (!prev || isFinal(prev)) return null;
      const patch = { failure: `cancelled by the charger for update ${updateId} (AcceptedCanceled)` };
      await store.patchUpdate(trx, Number(prev.id), patch);
      return { ...prev, ...patch };
    });
    if (earlier) onProgress(earlier);
  }

  async function record(stationId: string, status: string, requestId: number | undefined, anyKind = false): Promise<void> {
    const at = iso();
    const update = await db.write(async (trx) => {
      const named = requestId === undefined ? undefined : await (anyKind ? store.updateOfRequest : store.signedUpdateOf)(trx, stationId, requestId);
      const target = named ?? (await store.latestSentUpdate(trx, stationId));
      await store.insertFirmwareStatus(trx, { station_id: stationId, update_id: target ? Number(target.id) : null, status, received_at: at });
      // Idle (§7.25) says nothing is going on; it is only sent when triggered, and does not
      // undo what the update reached. Nor does a late notification of an earlier step (the
      // Security Whitepaper lets them arrive in any order) once the update reached its end:
      // Installed or a failure stays, the late one goes to the timeline only.
      if (!target || status === 'Idle') return null;
      if (isFinal(target) && !FINAL_STATUSES.has(status)) return null;
      const patch = { firmware_status: status, firmware_status_at: at, ...(FAILURE_STATUSES.has(status) && target.failure === null ? { failure: status } : {}) };
      await store.patchUpdate(trx, Number(target.id), patch);
      return { ...target, ...patch };
    });
    if (update) onProgress(update);
  }

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
      const file = input.firmwareId !== undefined ? await repository.get(input.firmwareId) : null;
      const location = file ? repository.downloadUrl(file) : input.location!;
      const retrieveDate = input.retrieveDate ? toIsoTimestamp(input.retrieveDate) : iso();
      const retrying = {
        ...(input.retries === undefined ? {} : { retries: input.retries }),
        ...(input.retryInterval === undefined ? {} : { retryInterval: input.retryInterval }),
      };
      if (!input.signed && (input.installDate !== undefined || input.signature !== undefined || input.signingCertificate !== undefined)) {
        throw new InvalidFirmwareRequestError('installDate, signature and signingCertificate belong to a signed update: add signed: true');
      }
      let signedFirmware: CentralToCharger['SignedUpdateFirmware']['req']['firmware'] | null = null;
      let certificateSha256: string | null = null;
      if (input.signed) {
        let signature: string;
        let pem: string;
        if (file) {
          if (input.signature !== undefined || input.signingCertificate !== undefined) {
            throw new InvalidFirmwareRequestError('a repository file carries its own signature: give signature and signingCertificate only with a location');
          }
          if (!file.signature || !file.signing_certificate) {
            throw new InvalidFirmwareRequestError(`firmware ${file.id} has no signature: sign it with Plugboard's key (POST /firmware/${file.id}/sign) or store the vendor's (PUT /firmware/${file.id}/signature)`);
          }
          signature = file.signature;
          pem = file.signing_certificate;
        } else {
          if (input.signature === undefined || input.signingCertificate === undefined) throw new InvalidFirmwareRequestError('a signed update of a location needs signature (base64) and signingCertificate (PEM)');
          decodeSignature(input.signature);
          signature = input.signature.trim();
          pem = input.signingCertificate.trim();
        }
        const cert = parseSigningCertificate(pem);
        // Whitepaper: never send a signed update whose certificate the charger must refuse.
        await checkCertificateUsable(cert, ctx.now(), (c) => ctx.services.certificates.isRevoked(c));
        certificateSha256 = cert.fingerprint256;
        signedFirmware = {
          location,
          retrieveDateTime: retrieveDate,
          ...(input.installDate ? { installDateTime: toIsoTimestamp(input.installDate) } : {}),
          signingCertificate: pem,
          signature,
        };
      }
      const version = await ctx.services.stations.versionOf(stationId);
      const plainPayload: CentralToCharger['UpdateFirmware']['req'] = { location, retrieveDate, ...retrying };
      const signedPayload = (requestId: number): CentralToCharger['SignedUpdateFirmware']['req'] => ({ requestId, ...retrying, firmware: signedFirmware! });
      // 2.0.1 has one UpdateFirmware, signed or not (L01), always with a requestId.
      const payload201 = (requestId: number): CsmsToStation201['UpdateFirmware']['req'] => ({ requestId, ...retrying, firmware: signedFirmware ?? { location, retrieveDateTime: retrieveDate } });
      // Checked before anything is recorded (the requestId, the record's id, is not known yet).
      const [checkedAction, checked] = version === '2.0.1' ? ['UpdateFirmware', payload201(1)] : signedFirmware ? ['SignedUpdateFirmware', signedPayload(1)] : ['UpdateFirmware', plainPayload];
      const v = validatorForVersion(version).validateRequest(checkedAction, checked, 'local');
      if (!v.ok) throw new InvalidFirmwareRequestError(`invalid ${checkedAction} request: ${v.message.replace(/^\w+Request: /, '')}`, { errors: v.errors });

      const row = {
        station_id: stationId,
        firmware_id: input.firmwareId ?? null,
        campaign_id: opts.campaignId ?? null,
        location,
        retrieve_date: retrieveDate,
        retries: input.retries ?? null,
        retry_interval: input.retryInterval ?? null,
        command_status: 'sending' as const,
        error: null,
        firmware_status: null,
        firmware_status_at: null,
        firmware_version_before: station.firmware_version,
        firmware_version_after: null,
        booted_at: null,
        requested_at: iso(),
        signed: signedFirmware ? 1 : 0,
        install_date: signedFirmware?.installDateTime ?? null,
        signing_certificate_sha256: certificateSha256,
        failure: null,
      };
      const id = await db.write((trx) => store.insertUpdate(trx, row));
      await opts.onRecorded?.(id);
      try {
        // The answer in Plugboard's terms: 1.6's UpdateFirmware.conf is empty (§6.32): answering
        // at all is the charger's acceptance.
        const status = await ctx.services.stations.sendIntent<string>(
          stationId,
          {
            '1.6': () =>
              signedFirmware
                ? { action: 'SignedUpdateFirmware', payload: signedPayload(id), result: (r: CentralToCharger['SignedUpdateFirmware']['res']) => r.status }
                : { action: 'UpdateFirmware', payload: plainPayload, result: () => 'Accepted' },
            '2.0.1': () => firmwareIntent201(payload201(id)),
          },
          { timeoutMs: opts.timeoutMs },
        );
        {
          const res = { status };
          if (!SIGNED_ACCEPTED.has(res.status)) {
            // Rejected, InvalidCertificate, RevokedCertificate: the charger will not try it.
            await db.write((trx) => store.patchUpdate(trx, id, { command_status: 'rejected', failure: res.status, error: `the charger answered ${res.status}` }));
            const update = (await store.getUpdate(db.kysely, id))!;
            onProgress(update);
            return update;
          }
          if (res.status === 'AcceptedCanceled') await cancelEarlier(stationId, id);
        }
      } catch (err) {
        await db.write((trx) => store.patchUpdate(trx, id, { command_status: 'error', error: describe(err) }));
        throw err;
      }
      await db.write((trx) => store.patchUpdate(trx, id, { command_status: 'accepted' }));
      return (await store.getUpdate(db.kysely, id))!;
    },

    /** FirmwareStatusNotification: kept in the timeline, linked to the latest update sent. */
    statusNotification(stationId: string, status: FirmwareStatus): Promise<void> {
      return record(stationId, status, undefined);
    },

    /**
     * SignedFirmwareStatusNotification: linked to the signed update its requestId names (this
     * station's), else (no requestId, or one we never sent) to the latest update sent.
     */
    signedStatusNotification(stationId: string, status: SignedFirmwareStatus, requestId: number | undefined): Promise<void> {
      return record(stationId, status, requestId);
    },

    /** 2.0.1 FirmwareStatusNotification: linked to the update its requestId names, else to the latest sent. */
    statusNotification201(stationId: string, status: string, requestId: number | undefined): Promise<void> {
      return record(stationId, status, requestId, true);
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
