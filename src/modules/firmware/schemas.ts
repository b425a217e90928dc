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
  SignatureMismatchError,
  SigningCertificateRefusedError,
  SigningKeyUnusableError,
  SigningNotConfiguredError,
} from './errors.ts';
import { certificateInfo, type CertificateInfo } from './signing.ts';
import { X509Certificate } from 'node:crypto';
import { FileTooLargeError } from './files.ts';
import type { FirmwareFile } from './repository.ts';
import type { FirmwareUpdate } from './updates.ts';
import type { DiagnosticsFile, DiagnosticsRequest } from './diagnostics.ts';

export const CertificateInfoView = Type.Object(
  {
    subject: Type.String(),
    issuer: Type.String(),
    serialNumber: Type.String({ description: 'hex, upper case' }),
    fingerprint256: Type.String({ description: 'SHA-256 fingerprint, AA:BB:...' }),
    validFrom: DateTime(),
    validTo: DateTime(),
    keyType: Type.String({ description: 'rsa or ec' }),
  },
  { title: 'CertificateInfo' },
);

export const FirmwareSignatureView = Type.Object(
  {
    source: Type.Union([Type.Literal('plugboard'), Type.Literal('vendor')], { description: "plugboard: signed with Plugboard's firmware signing key; vendor: stored through the API" }),
    verified: Type.Boolean({ description: 'Plugboard verified it against the image (false: stored with unverified: true)' }),
    signature: Type.String({ description: 'base64, sent as firmware.signature' }),
    signingCertificate: Type.String({ description: 'PEM, sent as firmware.signingCertificate' }),
    certificate: CertificateInfoView,
    signedAt: DateTime(),
  },
  { title: 'FirmwareSignature' },
);

function certInfoOf(pem: string): CertificateInfo {
  return certificateInfo(new X509Certificate(pem));
}

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
    signature: Type.Union([FirmwareSignatureView, Type.Null()], { description: 'what SignedUpdateFirmware sends with it; null: unsigned' }),
  },
  { title: 'FirmwareFile' },
);

export function toFirmwareFile(f: FirmwareFile, downloadUrl: string): Static<typeof FirmwareFileView> {
  const signature =
    f.signature && f.signing_certificate && f.signature_source
      ? {
          source: f.signature_source,
          verified: f.signature_verified === 1,
          signature: f.signature,
          signingCertificate: f.signing_certificate,
          certificate: certInfoOf(f.signing_certificate),
          signedAt: f.signed_at ?? f.created_at,
        }
      : null;
  return { id: Number(f.id), name: f.name, version: f.version, filename: f.filename, sizeBytes: Number(f.size_bytes), sha256: f.sha256, downloadUrl, createdAt: f.created_at, signature };
}

const CommandStatus = Type.Union([Type.Literal('sending'), Type.Literal('accepted'), Type.Literal('error')], {
  description: 'sending: sent, no answer yet; accepted: the charger confirmed it; error: not delivered (see error)',
});

const UpdateCommandStatus = Type.Union([Type.Literal('sending'), Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('error')], {
  description: 'sending: sent, no answer yet; accepted: the charger confirmed it; rejected: SignedUpdateFirmware answered Rejected, InvalidCertificate or RevokedCertificate (see failure); error: not delivered (see error)',
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
    signed: Type.Boolean({ description: 'a SignedUpdateFirmware (Security Whitepaper); its requestId is this id' }),
    requestId: Nullable(Type.Integer({ description: 'signed: the requestId sent (SignedFirmwareStatusNotification refers to it)' })),
    installDate: Nullable(DateTime('signed: the installDateTime sent')),
    signingCertificateSha256: Nullable(Type.String({ description: 'signed: SHA-256 fingerprint of the signing certificate sent' })),
    commandStatus: UpdateCommandStatus,
    error: Nullable(Type.String()),
    failed: Type.Boolean({ description: 'the update ended unsuccessfully (see failure)' }),
    failure: Nullable(
      Type.String({
        description:
          'why: a failure status the charger reported (DownloadFailed, InstallationFailed, InvalidSignature, InstallVerificationFailed), its refusal (Rejected, InvalidCertificate, RevokedCertificate), or not delivered',
      }),
    ),
    firmwareStatus: Nullable(
      Type.String({
        description:
          'the last (Signed)FirmwareStatusNotification: Downloading, Downloaded, DownloadFailed, Installing, Installed, InstallationFailed; signed also DownloadScheduled, DownloadPaused, SignatureVerified, InvalidSignature, InstallScheduled, InstallRebooting, InstallVerificationFailed',
      }),
    ),
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
    signed: u.signed === 1,
    requestId: u.signed === 1 ? Number(u.id) : null,
    installDate: u.install_date,
    signingCertificateSha256: u.signing_certificate_sha256,
    commandStatus: u.command_status,
    error: u.error,
    failed: u.failure !== null || u.command_status === 'error',
    failure: u.failure ?? (u.command_status === 'error' ? 'not delivered' : null),
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

export const LogRequestView = Type.Object(
  {
    id: Type.Integer(),
    requestId: Type.Integer({ description: 'the GetLog requestId (the same as id)' }),
    stationId: Type.String(),
    logType: Type.String({ description: 'SecurityLog or DiagnosticsLog' }),
    remoteLocation: Type.String({ description: 'the upload location sent to the charger' }),
    ownReceiver: Type.Boolean({ description: 'true when the location is Plugboard\'s upload receiver' }),
    oldestTimestamp: Nullable(DateTime()),
    latestTimestamp: Nullable(DateTime()),
    retries: Nullable(Type.Integer()),
    retryInterval: Nullable(Type.Integer()),
    commandStatus: CommandStatus,
    error: Nullable(Type.String()),
    status: Nullable(Type.String({ description: 'the charger\'s answer to GetLog: Accepted, Rejected, AcceptedCanceled' })),
    filename: Nullable(Type.String({ description: 'GetLog.conf filename' })),
    uploadStatus: Nullable(Type.String({ description: 'the last LogStatusNotification: BadMessage, NotSupportedOperation, PermissionDenied, Uploaded, UploadFailure, Uploading' })),
    uploadStatusAt: Nullable(DateTime()),
    expiresAt: Nullable(DateTime('uploads to the location are refused after this')),
    requestedAt: DateTime(),
  },
  { title: 'LogRequest' },
);

export function toLogRequest(r: DiagnosticsRequest): Static<typeof LogRequestView> {
  return {
    id: Number(r.id),
    requestId: Number(r.id),
    stationId: r.station_id,
    logType: r.log_type ?? 'DiagnosticsLog',
    remoteLocation: r.location,
    ownReceiver: r.upload_token !== null,
    oldestTimestamp: r.start_time,
    latestTimestamp: r.stop_time,
    retries: r.retries,
    retryInterval: r.retry_interval,
    commandStatus: r.command_status,
    error: r.error,
    status: r.answer_status,
    filename: r.file_name,
    uploadStatus: r.diagnostics_status,
    uploadStatusAt: r.diagnostics_status_at,
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
  if (err instanceof SignatureMismatchError) return new HttpError(422, 'signature_invalid', err.message);
  if (err instanceof SigningCertificateRefusedError) return new HttpError(409, `signing_certificate_${err.reason}`, err.message);
  if (err instanceof SigningNotConfiguredError) return new HttpError(409, 'signing_not_configured', err.message);
  if (err instanceof SigningKeyUnusableError) return new HttpError(409, 'signing_key_unusable', err.message);
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
