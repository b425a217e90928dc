// The OCTT 1.6 central-system test cases of the Security Whitepaper's secure firmware update
// (ocpp-checklist.md: TC_080, TC_081), replayed against a real Plugboard. SimulatedCharger
// plays the OCTT's charge point and does what a real one does: it downloads the image from the
// location in SignedUpdateFirmware (Plugboard's charger listener) and verifies the signature
// with the signing certificate's public key (node:crypto, SHA-256) before it reports
// SignatureVerified or InvalidSignature. The operator acts through the REST API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, randomBytes, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { selfSignedPair, type SigningPair } from '../helpers/signing-certs.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { ISO_UTC, acceptedCharger } from './support.ts';

let app: TestApp;
let dir: string;
let plugboardKey: SigningPair;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plugboard-octt-secfw-'));
  plugboardKey = selfSignedPair(join(dir, 'keys'), 'plugboard-firmware-signing', 'ec');
  app = await startOpenApp({ files: { directory: join(dir, 'files'), firmwareSigning: { keyFile: plugboardKey.keyFile, certificateFile: plugboardKey.certificateFile } } });
});
after(async () => {
  await app.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function uploadFirmware(name: string, image: Buffer, query = ''): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app.httpUrl()}/api/v1/firmware?name=${name}&version=2.0.0&filename=${name}.bin${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-api-key': ADMIN_KEY },
    body: image,
  });
  return { status: res.status, body: await res.json() };
}

interface SignedJob {
  requestId: number;
  image: Buffer | null;
  verified: boolean;
}

/**
 * The charger's side of SignedUpdateFirmware (Security Whitepaper; OCPP 2.0.1 L01): it answers
 * Accepted, waits for retrieveDateTime, reports Downloading, fetches the location, reports
 * Downloaded, verifies the signature over the image with the signing certificate's public key
 * and reports SignatureVerified (then Installing, InstallRebooting) or InvalidSignature. Every
 * notification carries the requestId it was given.
 */
function signedFirmwareHandlers(jobs: Array<Promise<SignedJob>>, cp: () => SimulatedCharger) {
  return {
    SignedUpdateFirmware: (req: { requestId: number; firmware: { location: string; retrieveDateTime: string; signingCertificate: string; signature: string } }) => {
      const { requestId, firmware } = req;
      const notify = (status: string) => cp().call('SignedFirmwareStatusNotification', { status, requestId });
      jobs.push(
        new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Date.parse(firmware.retrieveDateTime) - Date.now()))).then(async () => {
          await notify('Downloading');
          const res = await fetch(firmware.location);
          if (!res.ok) {
            await res.body?.cancel();
            await notify('DownloadFailed');
            return { requestId, image: null, verified: false };
          }
          const image = Buffer.from(await res.arrayBuffer());
          await notify('Downloaded');
          const publicKey = new X509Certificate(firmware.signingCertificate).publicKey;
          let verified: boolean;
          try {
            verified = verify('sha256', image, publicKey, Buffer.from(firmware.signature, 'base64'));
          } catch {
            verified = false;
          }
          if (!verified) {
            await notify('InvalidSignature');
            return { requestId, image, verified };
          }
          await notify('SignatureVerified');
          await notify('Installing');
          await notify('InstallRebooting');
          return { requestId, image, verified };
        }),
      );
      return { status: 'Accepted' };
    },
  };
}

async function firmwareStatus(stationId: string) {
  const res = await app.request('GET', `/api/v1/stations/${stationId}/firmware-status`);
  assert.equal(res.status, 200);
  return res.body;
}

const timelineOf = (body: { timeline: Array<{ status: string; requestId: number }> }, updateId: number) => body.timeline.filter((e) => e.requestId === updateId).map((e) => e.status);

test('TC_080_CSMS Secure Firmware Update', async () => {
  const id = 'TC_080';
  const image = randomBytes(150_000);
  // Signed with Plugboard's configured signing key at upload.
  const up = await uploadFirmware('tc080', image, '&sign=true');
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.signature.source, 'plugboard');
  assert.equal(up.body.signature.verified, true);

  const jobs: Array<Promise<SignedJob>> = [];
  let cp: SimulatedCharger = await acceptedCharger(app, id, { handlers: signedFirmwareHandlers(jobs, () => cp) });
  await cp.boot({ firmwareVersion: '1.0.0' });

  const res = await app.request('POST', `/api/v1/stations/${id}/firmware-update`, { body: { firmwareId: up.body.id, signed: true, retries: 2, retryInterval: 30 } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.signed, true);
  assert.equal(res.body.requestId, res.body.id);
  const sent = cp.received.find((r) => r.action === 'SignedUpdateFirmware')!.payload;
  assert.equal(sent.requestId, res.body.requestId);
  assert.equal(sent.retries, 2);
  assert.equal(sent.retryInterval, 30);
  assert.equal(sent.firmware.location, up.body.downloadUrl, "Plugboard's file URL for the image");
  assert.match(sent.firmware.retrieveDateTime, ISO_UTC);
  assert.equal(sent.firmware.signingCertificate, plugboardKey.certificatePem.trim(), 'the signing certificate is sent with it');
  assert.equal(sent.firmware.signature, up.body.signature.signature);
  assert.ok(!cp.received.some((r) => r.action === 'UpdateFirmware'), 'not the unsigned UpdateFirmware');

  const job = await jobs[0];
  assert.deepEqual(job.image, image, 'the charger downloaded exactly the uploaded image');
  assert.equal(job.verified, true, 'the signature verified with the signing certificate');

  // The reboot into the new firmware, FirmwareUpdated, then Installed.
  await cp.close();
  cp = app.charger(id);
  await cp.connect();
  assert.equal((await cp.boot({ firmwareVersion: '2.0.0' })).status, 'Accepted');
  await cp.status(0, 'Available');
  await cp.status(1, 'Available');
  // SecurityEventNotification FirmwareUpdated (the security module stores it per station).
  assert.deepEqual(await cp.call('SecurityEventNotification', { type: 'FirmwareUpdated', timestamp: new Date().toISOString() }), {});
  assert.deepEqual(await cp.call('SignedFirmwareStatusNotification', { status: 'Installed', requestId: sent.requestId }), {});

  const status = await eventually(async () => {
    const s = await firmwareStatus(id);
    return s.latestUpdate.firmwareVersionAfter ? s : null;
  }, 5000, 'the new version recorded');
  assert.equal(status.firmwareVersion, '2.0.0');
  assert.equal(status.latestUpdate.id, res.body.id);
  assert.equal(status.latestUpdate.firmwareStatus, 'Installed');
  assert.equal(status.latestUpdate.failed, false);
  assert.equal(status.latestUpdate.failure, null);
  assert.equal(status.latestUpdate.firmwareVersionBefore, '1.0.0');
  assert.equal(status.latestUpdate.firmwareVersionAfter, '2.0.0');
  assert.deepEqual(timelineOf(status, res.body.id), ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed']);
  const events = await app.request('GET', `/api/v1/stations/${id}/security-events`);
  assert.equal(events.status, 200, events.text);
  assert.ok(events.body.items.some((e: { type: string; source: string }) => e.type === 'FirmwareUpdated' && e.source === 'station'), 'the FirmwareUpdated event is stored');
});

test('TC_081_CSMS Secure Firmware Update – Invalid Signature', async () => {
  const id = 'TC_081';
  const image = randomBytes(80_000);
  const up = await uploadFirmware('tc081', image);
  assert.equal(up.status, 201);
  // The vendor's signature is of other bytes: Plugboard refuses it unless the operator stores it
  // unverified, as for a scheme Plugboard cannot check. The charger has the last word.
  const vendor = selfSignedPair(join(dir, 'keys'), 'vendor-tc081', 'rsa');
  const signer = createSign('sha256');
  signer.update(randomBytes(80_000));
  const wrong = signer.sign(vendor.keyPem).toString('base64');
  const refused = await app.request('PUT', `/api/v1/firmware/${up.body.id}/signature`, { body: { signature: wrong, signingCertificate: vendor.certificatePem } });
  assert.equal(refused.status, 422, refused.text);
  assert.equal(refused.body.error, 'signature_invalid');
  const stored = await app.request('PUT', `/api/v1/firmware/${up.body.id}/signature`, { body: { signature: wrong, signingCertificate: vendor.certificatePem, unverified: true } });
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.body.signature.verified, false);
  assert.equal(stored.body.signature.source, 'vendor');

  const jobs: Array<Promise<SignedJob>> = [];
  const cp: SimulatedCharger = await acceptedCharger(app, id, { handlers: signedFirmwareHandlers(jobs, () => cp) });
  const res = await app.request('POST', `/api/v1/stations/${id}/firmware-update`, { body: { firmwareId: up.body.id, signed: true } });
  assert.equal(res.status, 200, res.text);
  const sent = cp.received.find((r) => r.action === 'SignedUpdateFirmware')!.payload;
  assert.equal(sent.firmware.signature, wrong);

  const job = await jobs[0];
  assert.deepEqual(job.image, image);
  assert.equal(job.verified, false, 'the charger found the signature invalid');

  const status = await eventually(async () => {
    const s = await firmwareStatus(id);
    return s.latestUpdate.failed ? s : null;
  }, 5000, 'the update marked failed');
  assert.equal(status.latestUpdate.firmwareStatus, 'InvalidSignature');
  assert.equal(status.latestUpdate.failure, 'InvalidSignature');
  assert.deepEqual(timelineOf(status, res.body.id), ['Downloading', 'Downloaded', 'InvalidSignature']);
  assert.ok(!jobs.slice(1).length, 'nothing else was sent');
});
