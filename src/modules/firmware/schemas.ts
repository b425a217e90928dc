// Schemas and row-to-API mappings shared by the firmware module's routes, and the mapping of
// its domain errors to HTTP errors.
import { Type, type Static } from 'typebox';
import { HttpError } from '../../http/errors.ts';
import { DateTime, Nullable } from '../../http/list-query.ts';
import { BoundedInteger } from '../../http/schemas.ts';
import {
  CampaignFinishedError,
  CampaignNotFoundError,
  DiagnosticsFileNotFoundError,
  FirmwareInUseError,
  FirmwareNotFoundError,
  InvalidFirmwareRequestError,
} from './errors.ts';
import { FileTooLargeError } from './files.ts';
import type { FirmwareFile } from './repository.ts';
import type { FirmwareUpdate } from './updates.ts';
import type { DiagnosticsFile, DiagnosticsRequest } from './diagnostics.ts';

export const FirmwareFileView = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    version: Nullable(Type.String()),
    filename: Type.String({ description: 'the last segment of the download URL' }),
    sizeBytes: Type.Integer(),
    sha256: Type.String({ description: 'hex SHA-256 of the content' }),
    downloadUrl: Type.String({ description: 'the URL chargers download it from (on the charger listener, files.publicBaseUrl)' }),
    createdAt: DateTime(),
  },
  { title: 'FirmwareFile' },
);

export function toFirmwareFile(f: FirmwareFile, downloadUrl: string): Static<typeof FirmwareFileView> {
  return { id: Number(f.id), name: f.name, version: f.version, filename: f.filename, sizeBytes: Number(f.size_bytes), sha256: f.sha256, downloadUrl, createdAt: f.created_at };
}

const CommandStatus = Type.Union([Type.Literal('sending'), Type.Literal('accepted'), Type.Literal('error')], {
  description: 'sending: sent, no answer yet; accepted: the charger confirmed it; error: not delivered (see error)',
});

export const FirmwareUpdateView = Type.Object(
  {
    id: Type.Integer(),
    stationId: Type.String(),
    firmwareId: Nullable(Type.Integer()),
    campaignId: Nullable(Type.Integer()),
    location: Type.String(),
    retrieveDate: DateTime(),
    retries: Nullable(Type.Integer()),
    retryInterval: Nullable(Type.Integer()),
    commandStatus: CommandStatus,
    error: Nullable(Type.String()),
    firmwareStatus: Nullable(Type.String({ description: 'the last FirmwareStatusNotification: Downloading, Downloaded, DownloadFailed, Installing, Installed, InstallationFailed' })),
    firmwareStatusAt: Nullable(DateTime()),
    firmwareVersionBefore: Nullable(Type.String()),
    firmwareVersionAfter: Nullable(Type.String({ description: 'firmwareVersion of the first BootNotification after the image was downloaded' })),
    bootedAt: Nullable(DateTime()),
    requestedAt: DateTime(),
  },
  { title: 'FirmwareUpdate' },
);

export function toFirmwareUpdate(u: FirmwareUpdate): Static<typeof FirmwareUpdateView> {
  return {
    id: Number(u.id),
    stationId: u.station_id,
    firmwareId: u.firmware_id === null ? null : Number(u.firmware_id),
    campaignId: u.campaign_id === null ? null : Number(u.campaign_id),
    location: u.location,
    retrieveDate: u.retrieve_date,
    retries: u.retries,
    retryInterval: u.retry_interval,
    commandStatus: u.command_status,
    error: u.error,
    firmwareStatus: u.firmware_status,
    firmwareStatusAt: u.firmware_status_at,
    firmwareVersionBefore: u.firmware_version_before,
    firmwareVersionAfter: u.firmware_version_after,
    bootedAt: u.booted_at,
    requestedAt: u.requested_at,
  };
}

export const TimelineEntry = Type.Object(
  {
    id: Type.Integer(),
    status: Type.String(),
    receivedAt: DateTime(),
    requestId: Nullable(Type.Integer({ description: 'the update (or diagnostics request) it was linked to: the latest sent before it' })),
  },
  { title: 'StatusNotificationEntry' },
);

export function toTimeline(rows: Array<{ id: number; status: string; received_at: string; update_id?: number | null; request_id?: number | null }>) {
  // Stored newest first (the last N); shown oldest first, as a timeline reads.
  return rows
    .map((r) => {
      const link = r.update_id ?? r.request_id ?? null;
      return { id: Number(r.id), status: r.status, receivedAt: r.received_at, requestId: link === null ? null : Number(link) };
    })
    .reverse();
}

export const DiagnosticsRequestView = Type.Object(
  {
    id: Type.Integer(),
    stationId: Type.String(),
    location: Type.String({ description: 'the upload location sent to the charger' }),
    ownReceiver: Type.Boolean({ description: 'true when the location is Plugboard\'s upload receiver' }),
    startTime: Nullable(DateTime()),
    stopTime: Nullable(DateTime()),
    retries: Nullable(Type.Integer()),
    retryInterval: Nullable(Type.Integer()),
    commandStatus: CommandStatus,
    error: Nullable(Type.String()),
    fileName: Nullable(Type.String({ description: 'GetDiagnostics.conf fileName; null when the charger has no diagnostics' })),
    diagnosticsStatus: Nullable(Type.String({ description: 'the last DiagnosticsStatusNotification: Uploading, Uploaded, UploadFailed' })),
    diagnosticsStatusAt: Nullable(DateTime()),
    expiresAt: Nullable(DateTime('uploads to the location are refused after this')),
    requestedAt: DateTime(),
  },
  { title: 'DiagnosticsRequest' },
);

export function toDiagnosticsRequest(r: DiagnosticsRequest): Static<typeof DiagnosticsRequestView> {
  return {
    id: Number(r.id),
    stationId: r.station_id,
    location: r.location,
    ownReceiver: r.upload_token !== null,
    startTime: r.start_time,
    stopTime: r.stop_time,
    retries: r.retries,
    retryInterval: r.retry_interval,
    commandStatus: r.command_status,
    error: r.error,
    fileName: r.file_name,
    diagnosticsStatus: r.diagnostics_status,
    diagnosticsStatusAt: r.diagnostics_status_at,
    expiresAt: r.expires_at,
    requestedAt: r.requested_at,
  };
}

export const DiagnosticsFileView = Type.Object(
  {
    id: Type.Integer(),
    stationId: Type.String(),
    requestId: Type.Integer(),
    filename: Type.String(),
    sizeBytes: Type.Integer(),
    sha256: Type.String(),
    contentType: Nullable(Type.String()),
    uploadedAt: DateTime(),
    contentPath: Type.String({ description: 'API path of the content: GET it with an API key' }),
  },
  { title: 'DiagnosticsFile' },
);

export function toDiagnosticsFile(f: DiagnosticsFile): Static<typeof DiagnosticsFileView> {
  return {
    id: Number(f.id),
    stationId: f.station_id,
    requestId: Number(f.request_id),
    filename: f.filename,
    sizeBytes: Number(f.size_bytes),
    sha256: f.sha256,
    contentType: f.content_type,
    uploadedAt: f.uploaded_at,
    contentPath: `/api/v1/diagnostics/${Number(f.id)}/content`,
  };
}

/** The firmware module's errors as HTTP errors; anything else passes through to the shared mapping. */
export function toHttp(err: unknown): unknown {
  if (err instanceof InvalidFirmwareRequestError) return new HttpError(400, 'bad_request', err.message, err.details);
  if (err instanceof FirmwareNotFoundError) return new HttpError(404, 'firmware_not_found', err.message);
  if (err instanceof DiagnosticsFileNotFoundError) return new HttpError(404, 'diagnostics_file_not_found', err.message);
  if (err instanceof CampaignNotFoundError) return new HttpError(404, 'campaign_not_found', err.message);
  if (err instanceof CampaignFinishedError) return new HttpError(409, 'campaign_finished', err.message);
  if (err instanceof FirmwareInUseError) return new HttpError(409, 'firmware_in_use', err.message);
  if (err instanceof FileTooLargeError) return new HttpError(413, 'file_too_large', err.message, { maxBytes: err.maxBytes });
  return err;
}

export async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toHttp(err);
  }
}

export const PAST_LIMIT = Type.Object({
  limit: Type.Optional(BoundedInteger({ minimum: 1, maximum: 500, default: 50, description: 'how many of the most recent entries' })),
});
