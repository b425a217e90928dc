// Firmware Management (OCPP 1.6 §5.19 UpdateFirmware, §5.9 GetDiagnostics) with real
// transfers: the firmware is downloaded over HTTP(S) from the location given, a diagnostics
// file is uploaded with an HTTP PUT, and the status notifications follow what happened
// (Downloading -> Downloaded -> Installing -> reboot -> Installed, or DownloadFailed;
// Uploading -> Uploaded, or UploadFailed). SignedUpdateFirmware (Security Whitepaper) also
// verifies the signature over the downloaded image with the signing certificate (SHA-256,
// RSA or ECDSA) before installing: SignatureVerified, or InvalidSignature and no install.
import { createVerify, X509Certificate, type Verify } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { OCPP16 } from 'typed-ocpp';
import type { Station } from './station.ts';

const TRANSFER_TIMEOUT_MS = 60_000;
/** a firmware image is read and counted, never kept; this bounds a runaway download */
const MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;

interface TransferResult {
  status: number;
  bytes: number;
}

function transfer(url: URL, st: Station, method: 'GET' | 'PUT', body?: Buffer, redirects = 3, onData?: (chunk: Buffer) => void): Promise<TransferResult> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!client) return Promise.reject(new Error(`${url.protocol} is not supported (SupportedFileTransferProtocols: HTTP,HTTPS)`));
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method,
        timeout: TRANSFER_TIMEOUT_MS,
        ...(url.protocol === 'https:' ? { ca: st.env.tls.ca, rejectUnauthorized: st.env.tls.rejectUnauthorized } : {}),
        headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
      },
      (res) => {
        const location = res.headers.location;
        if (method === 'GET' && res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location && redirects > 0) {
          res.resume();
          transfer(new URL(location, url), st, method, body, redirects - 1, onData).then(resolve, reject);
          return;
        }
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_DOWNLOAD_BYTES) req.destroy(new Error('download too large'));
          else if (ok({ status: res.statusCode ?? 0, bytes })) onData?.(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('transfer timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const ok = (r: TransferResult) => r.status >= 200 && r.status < 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tries once plus `retries` times, retryInterval apart (§5.19, §5.9); false when every attempt failed. */
async function withRetries(st: Station, retries: number, retryIntervalS: number, attempt: () => Promise<TransferResult>): Promise<TransferResult | null> {
  for (let i = 0; i <= retries && st.running; i++) {
    if (i > 0) await sleep(retryIntervalS * 1000);
    try {
      const r = await attempt();
      if (ok(r)) return r;
    } catch {
      // counted as a failed attempt
    }
  }
  return null;
}

/** "https://host/fw/acme-2.1.0.bin" -> "acme-2.1.0": what the station reports after installing it. */
function versionFrom(location: URL, previous: string): string {
  const base = location.pathname.split('/').pop() ?? '';
  const name = base.replace(/\.[A-Za-z0-9]+$/, '');
  return (name || `${previous}+1`).slice(0, 50);
}

/**
 * UpdateFirmware: answered at once (the response is empty); at retrieveDate the download
 * starts. Installation waits until no transaction runs, then the station reboots with the
 * new version and reports Installed after its BootNotification. An empty image fails to
 * install (InstallationFailed), which gives tests a way to reach that status.
 */
export function updateFirmware(st: Station, req: OCPP16.UpdateFirmwareRequest): void {
  st.signedRequestId = null;
  let url: URL;
  try {
    url = new URL(req.location);
  } catch {
    setTimeout(() => void st.setFirmwareStatus('DownloadFailed'), 0);
    return;
  }
  const wait = Math.max(0, Date.parse(req.retrieveDate) - Date.now()) || 0;
  setTimeout(() => void install(st, url, req.retries ?? 0, req.retryInterval ?? 30), Math.min(wait, 2_147_483_647));
}

async function install(st: Station, url: URL, retries: number, retryIntervalS: number): Promise<void> {
  if (!st.running) return;
  await st.setFirmwareStatus('Downloading');
  const image = await withRetries(st, retries, retryIntervalS, () => transfer(url, st, 'GET'));
  if (!st.running) return;
  if (!image) {
    await st.setFirmwareStatus('DownloadFailed');
    return;
  }
  await st.setFirmwareStatus('Downloaded');
  if (image.bytes === 0) {
    await st.setFirmwareStatus('InstallationFailed');
    return;
  }
  // A charger does not pull the plug on a car: no new sessions, and the running ones finish.
  st.maintenance = true;
  while (st.running && st.connectors.some((c) => c.tx !== null)) await sleep(500);
  if (!st.running) return;
  // Installing is told before the reboot (the station waits for the answer), Installed after it.
  await st.setFirmwareStatus('Installing');
  st.firmwareVersion = versionFrom(url, st.firmwareVersion);
  await st.reboot('Firmware', { installed: true });
}

/**
 * SignedUpdateFirmware: a certificate that does not parse or is outside its validity is
 * answered InvalidCertificate; otherwise Accepted (AcceptedCanceled when a signed update was
 * under way), and at retrieveDateTime the download starts, with the signature checked over the
 * bytes as they arrive. The statuses go out as SignedFirmwareStatusNotification with requestId.
 */
export function signedUpdateFirmware(st: Station, req: OCPP16.SignedUpdateFirmwareRequest): { status: 'Accepted' | 'AcceptedCanceled' | 'InvalidCertificate' } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(req.firmware.signingCertificate);
  } catch {
    return { status: 'InvalidCertificate' };
  }
  const now = Date.now();
  if (Date.parse(cert.validTo) <= now || Date.parse(cert.validFrom) > now) return { status: 'InvalidCertificate' };
  const busy = st.signedRequestId !== null && !['Idle', 'Installed', 'DownloadFailed', 'InstallationFailed', 'InvalidSignature', 'InstallVerificationFailed'].includes(st.firmwareStatus);
  st.signedRequestId = req.requestId;
  const requestId = req.requestId;
  let url: URL | null = null;
  try {
    url = new URL(req.firmware.location);
  } catch {
    url = null;
  }
  const wait = Math.max(0, Date.parse(req.firmware.retrieveDateTime) - Date.now()) || 0;
  setTimeout(() => void installSigned(st, requestId, url, cert, Buffer.from(req.firmware.signature, 'base64'), req.retries ?? 0, req.retryInterval ?? 30), Math.min(wait, 2_147_483_647));
  return { status: busy ? 'AcceptedCanceled' : 'Accepted' };
}

async function installSigned(st: Station, requestId: number, url: URL | null, cert: X509Certificate, signature: Buffer, retries: number, retryIntervalS: number): Promise<void> {
  // A newer SignedUpdateFirmware took over: this one stops.
  const current = () => st.running && st.signedRequestId === requestId;
  if (!current()) return;
  await st.setFirmwareStatus('Downloading');
  let verifier: Verify = createVerify('sha256');
  const image = url
    ? await withRetries(st, retries, retryIntervalS, () => {
        verifier = createVerify('sha256');
        return transfer(url, st, 'GET', undefined, 3, (chunk) => verifier.update(chunk));
      })
    : null;
  if (!current()) return;
  if (!image) {
    await st.setFirmwareStatus('DownloadFailed');
    return;
  }
  await st.setFirmwareStatus('Downloaded');
  let verified: boolean;
  try {
    verified = verifier.verify(cert.publicKey, signature);
  } catch {
    verified = false;
  }
  if (!current()) return;
  if (!verified) {
    await st.setFirmwareStatus('InvalidSignature');
    return;
  }
  await st.setFirmwareStatus('SignatureVerified');
  if (image.bytes === 0) {
    await st.setFirmwareStatus('InstallationFailed');
    return;
  }
  st.maintenance = true;
  while (current() && st.connectors.some((c) => c.tx !== null)) await sleep(500);
  if (!current()) return;
  await st.setFirmwareStatus('Installing');
  await st.setFirmwareStatus('InstallRebooting');
  if (url) st.firmwareVersion = versionFrom(url, st.firmwareVersion);
  await st.reboot('Firmware', { installed: true });
}

/**
 * GetDiagnostics: answers with the file name, then uploads a small JSON file with an HTTP PUT
 * to the location (a location ending in "/" is a folder: the file name is appended).
 */
export function getDiagnostics(st: Station, req: OCPP16.GetDiagnosticsRequest): { fileName?: string } {
  const fileName = `${st.id.replace(/[^A-Za-z0-9._-]/g, '_')}-diagnostics-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  let url: URL | null = null;
  try {
    url = new URL(req.location.endsWith('/') ? req.location + fileName : req.location);
  } catch {
    url = null;
  }
  setTimeout(() => void upload(st, url, fileName, req.retries ?? 0, req.retryInterval ?? 30), 0);
  return { fileName };
}

async function upload(st: Station, url: URL | null, fileName: string, retries: number, retryIntervalS: number): Promise<void> {
  st.setDiagnosticsStatus('Uploading');
  const body = Buffer.from(
    JSON.stringify(
      {
        fileName,
        stationId: st.id,
        vendor: st.spec.vendor,
        model: st.spec.model,
        firmwareVersion: st.firmwareVersion,
        generatedAt: new Date().toISOString(),
        connectors: st.connectors.map((c) => ({ connectorId: c.id, status: c.status, meterWh: Math.floor(c.registerWh), transactionId: c.tx?.transactionId ?? null })),
        configuration: st.config.report().configurationKey,
      },
      null,
      2,
    ),
  );
  const result = url ? await withRetries(st, retries, retryIntervalS, () => transfer(url, st, 'PUT', body)) : null;
  if (!st.running) return;
  st.setDiagnosticsStatus(result ? 'Uploaded' : 'UploadFailed');
}
