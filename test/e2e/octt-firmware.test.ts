// The OCTT 1.6 central-system test cases of the Firmware Management profile (OCA "Test case
// document OCTT for OCPP 1.6", chapter 3, as condensed in ocpp-checklist.md §4.2), replayed
// against a real Plugboard. SimulatedCharger plays the OCTT's charge point and does what a
// real one does: it downloads the firmware over HTTP from the location it was given (Plugboard's
// charger listener) and uploads its diagnostics file to the location it was given (Plugboard's
// receiver). The operator acts through the REST API. Each case has its own station.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { ISO_UTC, acceptedCharger } from './support.ts';

const MAX_DIAGNOSTICS_BYTES = 64 * 1024;
let app: TestApp;
let filesDir: string;

before(async () => {
  filesDir = mkdtempSync(join(tmpdir(), 'plugboard-octt-fw-'));
  app = await startOpenApp({ files: { directory: filesDir, maxDiagnosticsBytes: MAX_DIAGNOSTICS_BYTES } });
});
after(async () => {
  await app.cleanup();
  rmSync(filesDir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function uploadFirmware(name: string, image: Buffer): Promise<{ id: number; downloadUrl: string; sha256: string }> {
  const res = await fetch(`${app.httpUrl()}/api/v1/firmware?name=${name}&version=2.0.0&filename=${name}.bin`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-api-key': ADMIN_KEY },
    body: image,
  });
  assert.equal(res.status, 201);
  return (await res.json()) as { id: number; downloadUrl: string; sha256: string };
}

interface Download {
  image: Buffer | null;
  attempts: number[];
}

/**
 * The charger's side of UpdateFirmware (OCPP 1.6 §4.5): after answering, it waits for
 * retrieveDate, reports Downloading, fetches the location (retries + 1 attempts), and reports
 * Downloaded or DownloadFailed. The rest (installing, rebooting) each case plays itself.
 */
function firmwareHandlers(jobs: Array<Promise<Download>>, cp: () => SimulatedCharger) {
  return {
    UpdateFirmware: (req: { location: string; retrieveDate: string; retries?: number }) => {
      jobs.push(
        new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Date.parse(req.retrieveDate) - Date.now()))).then(async () => {
          await cp().call('FirmwareStatusNotification', { status: 'Downloading' });
          const download: Download = { image: null, attempts: [] };
          for (let attempt = 0; attempt <= (req.retries ?? 0) && !download.image; attempt++) {
            const res = await fetch(req.location);
            download.attempts.push(res.status);
            if (res.ok) download.image = Buffer.from(await res.arrayBuffer());
            else await res.body?.cancel();
          }
          await cp().call('FirmwareStatusNotification', { status: download.image ? 'Downloaded' : 'DownloadFailed' });
          return download;
        }),
      );
      return {};
    },
  };
}

/** The charger's side of GetDiagnostics (§4.4): it answers with its file name, then uploads it. */
function diagnosticsHandlers(jobs: Array<Promise<{ status: number }>>, cp: () => SimulatedCharger, file: Buffer, fileName: string) {
  return {
    GetDiagnostics: (req: { location: string }) => {
      jobs.push(
        new Promise((resolve) => setImmediate(resolve)).then(async () => {
          await cp().call('DiagnosticsStatusNotification', { status: 'Uploading' });
          const res = await fetch(`${req.location}${fileName}`, { method: 'PUT', body: file }).catch(() => ({ status: 0 }) as Response);
          await cp().call('DiagnosticsStatusNotification', { status: res.status === 200 ? 'Uploaded' : 'UploadFailed' });
          return { status: res.status };
        }),
      );
      return { fileName };
    },
  };
}

async function firmwareStatus(stationId: string) {
  const res = await app.request('GET', `/api/v1/stations/${stationId}/firmware-status`);
  assert.equal(res.status, 200);
  return res.body;
}

const timelineOf = (body: { timeline: Array<{ status: string; requestId: number }> }, updateId: number) => body.timeline.filter((e) => e.requestId === updateId).map((e) => e.status);

test('TC_044_1_CSMS Firmware Update – Download and Install', async () => {
  const id = 'TC_044_1';
  const image = randomBytes(200_000);
  const fw = await uploadFirmware('tc0441', image);
  const jobs: Array<Promise<Download>> = [];
  let cp: SimulatedCharger = await acceptedCharger(app, id, { handlers: firmwareHandlers(jobs, () => cp) });
  await cp.boot({ firmwareVersion: '1.0.0' });

  const res = await app.request('POST', `/api/v1/stations/${id}/firmware-update`, { body: { firmwareId: fw.id } });
  assert.equal(res.status, 200, res.text);
  const sent = cp.received.find((r) => r.action === 'UpdateFirmware')!.payload;
  assert.equal(sent.location, fw.downloadUrl, 'the configured download URL of the file');
  assert.match(sent.retrieveDate, ISO_UTC);

  const download = await jobs[0];
  assert.deepEqual(download.attempts, [200]);
  assert.equal(sha256(download.image!), fw.sha256, 'the charger got exactly the uploaded image');

  // Installing, then the reboot into the new firmware: BootNotification, StatusNotification, Installed.
  assert.deepEqual(await cp.call('FirmwareStatusNotification', { status: 'Installing' }), {});
  await cp.close();
  cp = app.charger(id);
  await cp.connect();
  const boot = await cp.boot({ firmwareVersion: '2.0.0' });
  assert.equal(boot.status, 'Accepted');
  await cp.status(0, 'Available');
  await cp.status(1, 'Available');
  assert.deepEqual(await cp.call('FirmwareStatusNotification', { status: 'Installed' }), {});

  const status = await eventually(async () => {
    const s = await firmwareStatus(id);
    return s.latestUpdate.firmwareVersionAfter ? s : null;
  }, 5000, 'the new version recorded');
  assert.equal(status.firmwareVersion, '2.0.0');
  assert.equal(status.latestUpdate.id, res.body.id);
  assert.equal(status.latestUpdate.firmwareStatus, 'Installed');
  assert.equal(status.latestUpdate.firmwareVersionBefore, '1.0.0');
  assert.equal(status.latestUpdate.firmwareVersionAfter, '2.0.0');
  assert.deepEqual(timelineOf(status, res.body.id), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
});

test('TC_044_2_CSMS Firmware Update – Download Failed', async () => {
  const id = 'TC_044_2';
  const jobs: Array<Promise<Download>> = [];
  const cp: SimulatedCharger = await acceptedCharger(app, id, { handlers: firmwareHandlers(jobs, () => cp) });
  // The operator points the charger at a file that is not there (a mistyped token).
  const base = app.ocppUrl().replace(/^ws:/, 'http:').replace(/\/ocpp$/, '');
  const location = `${base}/files/firmware/${'x'.repeat(43)}/missing.bin`;
  const res = await app.request('POST', `/api/v1/stations/${id}/firmware-update`, { body: { location, retries: 1, retryInterval: 0 } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(cp.received.find((r) => r.action === 'UpdateFirmware')!.payload, { location, retrieveDate: res.body.retrieveDate, retries: 1, retryInterval: 0 });

  const download = await jobs[0];
  assert.deepEqual(download.attempts, [404, 404], 'the charger tried, and retried once');
  const status = await firmwareStatus(id);
  assert.equal(status.latestUpdate.firmwareStatus, 'DownloadFailed');
  assert.equal(status.latestUpdate.firmwareVersionAfter, null);
  assert.deepEqual(timelineOf(status, res.body.id), ['Downloading', 'DownloadFailed']);
});

test('TC_044_3_CSMS Firmware Update – Installation Failed', async () => {
  const id = 'TC_044_3';
  const image = randomBytes(50_000);
  const fw = await uploadFirmware('tc0443', image);
  const jobs: Array<Promise<Download>> = [];
  const cp: SimulatedCharger = await acceptedCharger(app, id, { handlers: firmwareHandlers(jobs, () => cp) });
  await cp.boot({ firmwareVersion: '1.0.0' });
  const res = await app.request('POST', `/api/v1/stations/${id}/firmware-update`, { body: { firmwareId: fw.id } });
  assert.equal(res.status, 200, res.text);
  assert.equal(sha256((await jobs[0]).image!), fw.sha256);
  assert.deepEqual(await cp.call('FirmwareStatusNotification', { status: 'Installing' }), {});
  assert.deepEqual(await cp.call('FirmwareStatusNotification', { status: 'InstallationFailed' }), {});

  const status = await firmwareStatus(id);
  assert.equal(status.latestUpdate.firmwareStatus, 'InstallationFailed');
  assert.equal(status.firmwareVersion, '1.0.0', 'still the old firmware');
  assert.deepEqual(timelineOf(status, res.body.id), ['Downloading', 'Downloaded', 'Installing', 'InstallationFailed']);
});

test('TC_045_1_CSMS Get Diagnostics', async () => {
  const id = 'TC_045_1';
  const file = randomBytes(10_000);
  const jobs: Array<Promise<{ status: number }>> = [];
  const cp: SimulatedCharger = await acceptedCharger(app, id, { handlers: diagnosticsHandlers(jobs, () => cp, file, 'diag-TC_045_1.log') });
  const res = await app.request('POST', `/api/v1/stations/${id}/diagnostics`, { body: {} });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.fileName, 'diag-TC_045_1.log');
  const sent = cp.received.find((r) => r.action === 'GetDiagnostics')!.payload;
  assert.deepEqual(sent, { location: res.body.location });

  assert.deepEqual(await jobs[0], { status: 200 });
  const files = await app.request('GET', `/api/v1/stations/${id}/diagnostics`);
  assert.equal(files.body.total, 1);
  const stored = files.body.items[0];
  assert.equal(stored.filename, 'diag-TC_045_1.log');
  assert.equal(stored.sha256, sha256(file));
  const content = await fetch(`${app.httpUrl()}${stored.contentPath}`, { headers: { 'x-api-key': ADMIN_KEY } });
  assert.deepEqual(Buffer.from(await content.arrayBuffer()), file, 'the operator downloads what the charger uploaded');

  const hist = await app.request('GET', `/api/v1/stations/${id}/diagnostics-status`);
  assert.equal(hist.body.latestRequest.diagnosticsStatus, 'Uploaded');
  assert.deepEqual(hist.body.timeline.map((e: { status: string }) => e.status), ['Uploading', 'Uploaded']);
});

test('TC_045_2_CSMS Get Diagnostics – Upload Failed', async () => {
  const id = 'TC_045_2';
  // More than the receiver takes: the upload is refused and the charger reports UploadFailed.
  const file = randomBytes(MAX_DIAGNOSTICS_BYTES + 1);
  const jobs: Array<Promise<{ status: number }>> = [];
  const cp: SimulatedCharger = await acceptedCharger(app, id, { handlers: diagnosticsHandlers(jobs, () => cp, file, 'huge.log') });
  const res = await app.request('POST', `/api/v1/stations/${id}/diagnostics`, { body: { retries: 0 } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(await jobs[0], { status: 413 });

  const hist = await app.request('GET', `/api/v1/stations/${id}/diagnostics-status`);
  assert.equal(hist.body.latestRequest.diagnosticsStatus, 'UploadFailed');
  assert.deepEqual(hist.body.timeline.map((e: { status: string }) => e.status), ['Uploading', 'UploadFailed']);
  assert.equal((await app.request('GET', `/api/v1/stations/${id}/diagnostics`)).body.total, 0, 'nothing was stored');
});
