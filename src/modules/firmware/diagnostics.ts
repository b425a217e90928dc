// GetDiagnostics (OCPP 1.6 §4.4, §5.9, §6.21) with Plugboard as the upload target: each
// request gets its own upload URL on the charger listener (an unguessable token, valid for one
// station and for a limited time), DiagnosticsStatusNotifications are kept as a timeline, and
// the uploaded files are listed and downloadable through the API.
import { join } from 'node:path';
import type { Insertable, Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DiagnosticsFilesTable, DiagnosticsRequestsTable } from '../../db/schema.ts';
import { ocpp16Validator } from '../../protocol/index.ts';
import { validatorForVersion } from '../../protocol/validator.ts';
import type { CentralToCharger, ChargerToCentral } from '../../protocol/ocpp16.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { toIsoTimestamp } from '../../time.ts';
import * as store from './diagnostics-store.ts';
import { DiagnosticsFileNotFoundError, InvalidFirmwareRequestError } from './errors.ts';
import { newToken, removeStoredFile, type StoredFile } from './files.ts';

export type DiagnosticsRequest = Selectable<DiagnosticsRequestsTable>;
export type DiagnosticsFile = Selectable<DiagnosticsFilesTable>;
export type DiagnosticsStatus = ChargerToCentral['DiagnosticsStatusNotification']['req']['status'];

export interface GetDiagnosticsInput {
  /** where the charger uploads to; default: Plugboard's own receiver */
  location?: string;
  startTime?: string;
  stopTime?: string;
  retries?: number;
  retryInterval?: number;
}

export type LogType = CentralToCharger['GetLog']['req']['logType'];
export type LogUploadStatus = ChargerToCentral['LogStatusNotification']['req']['status'];

export interface GetLogInput {
  logType: LogType;
  /** where the charger uploads to; default: Plugboard's own receiver */
  remoteLocation?: string;
  oldestTimestamp?: string;
  latestTimestamp?: string;
  retries?: number;
  retryInterval?: number;
}

/** Uploads one request accepts (a charger that retries after a broken connection uploads again). */
export const MAX_FILES_PER_REQUEST = 5;

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export function diagnosticsDirectory(ctx: AppContext): string {
  return join(ctx.config.files.directory, 'diagnostics');
}

export function createDiagnostics({ ctx, baseUrl }: { ctx: AppContext; baseUrl(): string }) {
  const db = ctx.db;
  const iso = () => ctx.now().toISOString();
  const dir = () => diagnosticsDirectory(ctx);

  type RequestTarget = Pick<Insertable<DiagnosticsRequestsTable>, 'kind' | 'log_type' | 'upload_token' | 'location' | 'start_time' | 'stop_time'>;

  /** Stores a GetDiagnostics/GetLog request before it is sent; its upload URL stays valid while the charger may still be retrying (retries x retryInterval). */
  function recordRequest(stationId: string, target: RequestTarget, retry: { retries?: number; retryInterval?: number }): Promise<number> {
    const now = ctx.now();
    const graceSeconds = ctx.config.files.diagnosticsUploadTtlSeconds + (retry.retries ?? 0) * (retry.retryInterval ?? 0);
    return db.write((trx) =>
      store.insertRequest(trx, {
        station_id: stationId,
        ...target,
        retries: retry.retries ?? null,
        retry_interval: retry.retryInterval ?? null,
        command_status: 'sending',
        answer_status: null,
        error: null,
        file_name: null,
        diagnostics_status: null,
        diagnostics_status_at: null,
        expires_at: target.upload_token ? new Date(now.getTime() + graceSeconds * 1000).toISOString() : null,
        requested_at: now.toISOString(),
      }),
    );
  }

  /** Sends the recorded request's command; a failure to send is recorded on the request and rethrown. */
  async function sendRecorded<R>(id: number, send: () => Promise<R>): Promise<R> {
    try {
      return await send();
    } catch (err) {
      await db.write((trx) => store.patchRequest(trx, id, { command_status: 'error', error: describe(err) }));
      throw err;
    }
  }

  const diagnostics = {
    directory: dir,

    /**
     * Sends GetDiagnostics and returns the recorded request with the charger's fileName (absent
     * when it has nothing to upload). Send failures are recorded on the request and rethrown.
     */
    async request(stationId: string, input: GetDiagnosticsInput, opts: { timeoutMs?: number } = {}): Promise<DiagnosticsRequest> {
      if (!(await ctx.services.stations.get(stationId))) throw new StationNotFoundError(stationId);
      const token = input.location === undefined ? newToken() : null;
      // A directory URL (§6.21: "the location (directory) where the diagnostics file shall be
      // uploaded"): chargers that append their file name and those that upload to the URL as
      // given both land on the receiver.
      const location = input.location ?? `${baseUrl()}/files/diagnostics/${token}/`;
      const payload: CentralToCharger['GetDiagnostics']['req'] = {
        location,
        ...(input.retries === undefined ? {} : { retries: input.retries }),
        ...(input.retryInterval === undefined ? {} : { retryInterval: input.retryInterval }),
        ...(input.startTime === undefined ? {} : { startTime: toIsoTimestamp(input.startTime) }),
        ...(input.stopTime === undefined ? {} : { stopTime: toIsoTimestamp(input.stopTime) }),
      };
      if (payload.startTime && payload.stopTime && payload.startTime > payload.stopTime) {
        throw new InvalidFirmwareRequestError('startTime must not be after stopTime');
      }
      const v = ocpp16Validator.validateRequest('GetDiagnostics', payload, 'local');
      if (!v.ok) throw new InvalidFirmwareRequestError(`invalid GetDiagnostics request: ${v.message.replace(/^\w+Request: /, '')}`, { errors: v.errors });

      const id = await recordRequest(stationId, { kind: 'GetDiagnostics', log_type: null, upload_token: token, location, start_time: payload.startTime ?? null, stop_time: payload.stopTime ?? null }, input);
      const res = await sendRecorded(id, () => ctx.services.stations.sendCommand(stationId, 'GetDiagnostics', payload, { timeoutMs: opts.timeoutMs }));
      await db.write((trx) => store.patchRequest(trx, id, { command_status: 'accepted', file_name: res.fileName ?? null }));
      return (await store.getRequest(db.kysely, id))!;
    },

    /**
     * Sends GetLog (Security Whitepaper §4.5) and returns the recorded request with the charger's
     * answer (answer_status: Accepted, Rejected, AcceptedCanceled) and filename. The request's
     * row id is the OCPP requestId, so LogStatusNotifications find it. Uploads go to the same
     * receiver and token URLs as GetDiagnostics (ADR 0006). Send failures are recorded and rethrown.
     */
    async requestLog(stationId: string, input: GetLogInput, opts: { timeoutMs?: number } = {}): Promise<DiagnosticsRequest> {
      if (!(await ctx.services.stations.get(stationId))) throw new StationNotFoundError(stationId);
      const token = input.remoteLocation === undefined ? newToken() : null;
      const location = input.remoteLocation ?? `${baseUrl()}/files/diagnostics/${token}/`;
      const oldest = input.oldestTimestamp === undefined ? undefined : toIsoTimestamp(input.oldestTimestamp);
      const latest = input.latestTimestamp === undefined ? undefined : toIsoTimestamp(input.latestTimestamp);
      if (oldest && latest && oldest > latest) throw new InvalidFirmwareRequestError('oldestTimestamp must not be after latestTimestamp');
      const payloadFor = (requestId: number): CentralToCharger['GetLog']['req'] => ({
        logType: input.logType,
        requestId,
        log: { remoteLocation: location, ...(oldest === undefined ? {} : { oldestTimestamp: oldest }), ...(latest === undefined ? {} : { latestTimestamp: latest }) },
        ...(input.retries === undefined ? {} : { retries: input.retries }),
        ...(input.retryInterval === undefined ? {} : { retryInterval: input.retryInterval }),
      });
      // 2.0.1's GetLog (N01) has 1.6 Security Whitepaper's shape: the same payload in either version.
      const version = await ctx.services.stations.versionOf(stationId);
      const v = validatorForVersion(version).validateRequest('GetLog', payloadFor(1), 'local');
      if (!v.ok) throw new InvalidFirmwareRequestError(`invalid GetLog request: ${v.message.replace(/^\w+Request: /, '')}`, { errors: v.errors });

      const id = await recordRequest(stationId, { kind: 'GetLog', log_type: input.logType, upload_token: token, location, start_time: oldest ?? null, stop_time: latest ?? null }, input);
      const translation = () => ({ action: 'GetLog', payload: payloadFor(id), result: (r: CentralToCharger['GetLog']['res']) => r });
      const res = await sendRecorded(id, () => ctx.services.stations.sendIntent(stationId, { '1.6': translation, '2.0.1': translation }, { timeoutMs: opts.timeoutMs }));
      await db.write((trx) => store.patchRequest(trx, id, { command_status: 'accepted', answer_status: res.status, file_name: res.filename ?? null }));
      return (await store.getRequest(db.kysely, id))!;
    },

    /**
     * LogStatusNotification: kept in the timeline of the GetLog request its requestId names, whose
     * status it becomes (Idle, only sent when triggered, says nothing about an upload). One that
     * names no request of ours (none, or a GetLog another tool sent) is not stored; false then.
     */
    async logStatusNotification(stationId: string, status: LogUploadStatus, requestId: number | undefined): Promise<boolean> {
      if (requestId === undefined) return false;
      const at = iso();
      return db.write(async (trx) => {
        const request = await store.logRequest(trx, stationId, requestId);
        if (!request) return false;
        await store.insertDiagnosticsStatus(trx, { station_id: stationId, request_id: Number(request.id), status, received_at: at });
        if (status !== 'Idle') await store.patchRequest(trx, Number(request.id), { diagnostics_status: status, diagnostics_status_at: at });
        return true;
      });
    },

    /** A station's GetLog requests, newest first, each with its status notifications and files. */
    async logRequests(stationId: string, limit: number) {
      const requests = await store.listRequests(db.kysely, stationId, limit, 'GetLog');
      const ids = requests.map((r) => Number(r.id));
      const [statuses, files] = await Promise.all([store.statusesOfRequests(db.kysely, ids), store.filesOfRequests(db.kysely, ids)]);
      return requests.map((request) => ({
        request,
        statuses: statuses.filter((s) => Number(s.request_id) === Number(request.id)),
        files: files.filter((f) => Number(f.request_id) === Number(request.id)),
      }));
    },

    /** DiagnosticsStatusNotification: kept in the timeline, linked to the latest request sent. */
    async statusNotification(stationId: string, status: DiagnosticsStatus): Promise<void> {
      const at = iso();
      await db.write(async (trx) => {
        const latest = await store.latestSentRequest(trx, stationId);
        await store.insertDiagnosticsStatus(trx, { station_id: stationId, request_id: latest ? Number(latest.id) : null, status, received_at: at });
        // Idle (§7.21) is only sent when triggered and says nothing about the last upload.
        if (latest && status !== 'Idle') await store.patchRequest(trx, Number(latest.id), { diagnostics_status: status, diagnostics_status_at: at });
      });
    },

    /** The request an upload URL belongs to, while it accepts uploads; undefined otherwise. */
    async uploadTarget(token: string): Promise<DiagnosticsRequest | undefined> {
      const request = await store.requestByToken(db.kysely, token);
      if (!request || request.command_status === 'error' || request.answer_status === 'Rejected') return undefined;
      if (request.expires_at !== null && request.expires_at <= iso()) return undefined;
      if ((await store.countFilesOfRequest(db.kysely, Number(request.id))) >= MAX_FILES_PER_REQUEST) return undefined;
      return request;
    },

    /** Records a file received for `request`; the bytes are already under the directory. */
    async recordUpload(request: DiagnosticsRequest, file: StoredFile, meta: { filename: string; contentType: string | null; remoteAddress: string | null }): Promise<DiagnosticsFile> {
      const row = {
        station_id: request.station_id,
        request_id: Number(request.id),
        filename: meta.filename,
        stored_name: file.storedName,
        size_bytes: file.sizeBytes,
        sha256: file.sha256,
        content_type: meta.contentType,
        remote_address: meta.remoteAddress,
        uploaded_at: iso(),
      };
      try {
        const id = await db.write((trx) => store.insertFile(trx, row));
        return { id, ...row };
      } catch (err) {
        await removeStoredFile(dir(), file.storedName);
        throw err;
      }
    },

    async getFile(id: number): Promise<DiagnosticsFile> {
      const row = await store.getFile(db.kysely, id);
      if (!row) throw new DiagnosticsFileNotFoundError(id);
      return row;
    },

    pathOf(file: DiagnosticsFile): string {
      return join(dir(), file.stored_name);
    },

    async removeFile(id: number): Promise<void> {
      const row = await diagnostics.getFile(id);
      await db.write((trx) => store.deleteFile(trx, id));
      await removeStoredFile(dir(), row.stored_name);
    },

    async filesPage(stationId: string, page: { limit: number; offset: number }) {
      const [items, total] = await Promise.all([store.listFiles(db.kysely, stationId, page), store.countFiles(db.kysely, stationId)]);
      return { items, total };
    },

    /** Recent requests and status notifications of a station, newest first. */
    async stationHistory(stationId: string, limit: number) {
      const [requests, timeline] = await Promise.all([store.listRequests(db.kysely, stationId, limit), store.diagnosticsTimeline(db.kysely, stationId, limit)]);
      return { requests, timeline };
    },
  };
  return diagnostics;
}

export type Diagnostics = ReturnType<typeof createDiagnostics>;
