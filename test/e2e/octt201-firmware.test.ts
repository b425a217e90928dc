// OCTT 2.0.1 CSMS cases of firmware management (checklist §4.3, L): UpdateFirmware (signed
// firmware is native in 2.0.1: one message with requestId and firmware{location,
// retrieveDateTime, installDateTime?, signingCertificate?, signature?}) and
// FirmwareStatusNotification with that requestId, through the same route and records as 1.6.
// The simulated charger plays the OCTT's station and validates every frame Plugboard sends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { selfSignedPair, type SigningPair } from '../helpers/signing-certs.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { station201 as connect201 } from './support201.ts';

let app: TestApp;
let dir: string;
let vendor: SigningPair;
let signature: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plugboard-octt201-fw-'));
  vendor = selfSignedPair(join(dir, 'keys'), 'vendor-fw201', 'ec');
  const signer = createSign('sha256');
  signer.update(randomBytes(1000));
  signature = signer.sign(vendor.keyPem).toString('base64');
  app = await startOpenApp();
});
after(async () => {
  await app.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const station201 = (id: string, handlers: Record<string, (p: any) => unknown> = {}) => connect201(app, id, handlers);

/** A signed update of a vendor location (the OCTT gives location, certificate and signature). */
const signedBody = (extra: Record<string, unknown> = {}) => ({ location: 'https://firmware.example.com/fw-2.0.0.bin', signed: true, signature, signingCertificate: vendor.certificatePem, ...extra });

async function latestUpdate(id: string) {
  const res = await app.request('GET', `/api/v1/stations/${id}/firmware-status`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** Requests a signed update at a station answering `answer`; returns the API answer and what was sent. */
async function update(id: string, answer: string, extra: Record<string, unknown> = {}) {
  const cp = await station201(id, { UpdateFirmware: () => ({ status: answer }) });
  const res = await app.request('POST', `/api/v1/stations/${id}/firmware-update`, { body: signedBody(extra) });
  const sent = cp.received.filter((r) => r.action === 'UpdateFirmware').at(-1)?.payload;
  return { cp, res, sent };
}

/** Has the station report `statuses` for requestId, then waits for the last to be the update's status. */
async function report(cp: SimulatedCharger, id: string, requestId: number, statuses: string[]) {
  for (const status of statuses) assert.deepEqual(await cp.call('FirmwareStatusNotification', { status, requestId }), {});
  return eventually(async () => {
    const s = await latestUpdate(id);
    return s.latestUpdate?.firmwareStatus === statuses.at(-1) ? s : null;
  }, 5000, `status ${statuses.at(-1)} recorded`);
}

const timelineOf = (body: { timeline: Array<{ status: string; requestId: number }> }, updateId: number) => body.timeline.filter((e) => e.requestId === updateId).map((e) => e.status);

async function endsWith(id: string, answer: string, statuses: string[], failure: string | null) {
  const { cp, res, sent } = await update(id, answer);
  assert.equal(res.status, 200, res.text);
  assert.equal(sent.requestId, res.body.id, 'the requestId is the update id');
  const s = await report(cp, id, sent.requestId, statuses);
  assert.equal(s.latestUpdate.failure, failure);
  assert.equal(s.latestUpdate.failed, failure !== null);
  assert.deepEqual(timelineOf(s, res.body.id), statuses);
}

test('TC_L_01_CSMS Secure Firmware Update - Installation successful', async () => {
  const { cp, res, sent } = await update('L01', 'Accepted', { retries: 2, retryInterval: 30 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.commandStatus, 'accepted');
  assert.equal(res.body.signed, true);
  assert.equal(sent.requestId, res.body.id);
  assert.equal(sent.retries, 2);
  assert.equal(sent.retryInterval, 30);
  assert.equal(sent.firmware.location, 'https://firmware.example.com/fw-2.0.0.bin');
  assert.equal(sent.firmware.signingCertificate, vendor.certificatePem.trim());
  assert.equal(sent.firmware.signature, signature);
  assert.ok(sent.firmware.retrieveDateTime);
  assert.ok(!cp.received.some((r) => r.action === 'SignedUpdateFirmware'), 'no 1.6 Security Whitepaper action on a 2.0.1 station');
  const s = await report(cp, 'L01', sent.requestId, ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed']);
  assert.equal(s.latestUpdate.failed, false);
  assert.equal(await cp.call('SecurityEventNotification', { type: 'FirmwareUpdated', timestamp: new Date().toISOString() }).then(() => 'ok'), 'ok');
  const events = await app.request('GET', '/api/v1/stations/L01/security-events');
  assert.equal(events.status, 200, events.text);
  assert.deepEqual(events.body.items.map((e: { type: string; critical: boolean }) => [e.type, e.critical]), [['FirmwareUpdated', true]]);
});

test('TC_L_02_CSMS Secure Firmware Update - InstallScheduled', async () => {
  const installAt = new Date(Date.now() + 3_600_000).toISOString();
  const { cp, res, sent } = await update('L02', 'Accepted', { installDate: installAt });
  assert.equal(res.status, 200, res.text);
  assert.equal(sent.firmware.installDateTime, installAt);
  const s = await report(cp, 'L02', sent.requestId, ['Downloading', 'Downloaded', 'SignatureVerified', 'InstallScheduled']);
  assert.equal(s.latestUpdate.failed, false);
});

test('TC_L_03_CSMS Secure Firmware Update - DownloadScheduled', async () => {
  const retrieveAt = new Date(Date.now() + 3_600_000).toISOString();
  const { cp, res, sent } = await update('L03', 'Accepted', { retrieveDate: retrieveAt });
  assert.equal(res.status, 200, res.text);
  assert.equal(sent.firmware.retrieveDateTime, retrieveAt);
  const s = await report(cp, 'L03', sent.requestId, ['DownloadScheduled']);
  assert.equal(s.latestUpdate.failed, false);
});

for (const [caseId, answer] of [['TC_L_04_CSMS Secure Firmware Update - RevokedCertificate', 'RevokedCertificate'], ['TC_L_05_CSMS Secure Firmware Update - InvalidCertificate', 'InvalidCertificate']] as const) {
  test(caseId, async () => {
    const id = caseId.slice(3, 7).replace('_', '');
    const { cp, res } = await update(id, answer);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.commandStatus, 'rejected');
    assert.equal(res.body.failure, answer);
    // The station reports the security event that goes with it (InvalidFirmwareSigningCertificate, not critical).
    assert.deepEqual(await cp.call('SecurityEventNotification', { type: 'InvalidFirmwareSigningCertificate', timestamp: new Date().toISOString() }), {});
    const events = await app.request('GET', `/api/v1/stations/${id}/security-events`);
    assert.deepEqual(events.body.items.map((e: { type: string; critical: boolean }) => [e.type, e.critical]), [['InvalidFirmwareSigningCertificate', false]]);
  });
}

test('TC_L_06_CSMS Secure Firmware Update - InvalidSignature', () => endsWith('L06', 'Accepted', ['Downloading', 'Downloaded', 'InvalidSignature'], 'InvalidSignature'));
test('TC_L_07_CSMS Secure Firmware Update - DownloadFailed', () => endsWith('L07', 'Accepted', ['Downloading', 'DownloadFailed'], 'DownloadFailed'));
test('TC_L_08_CSMS Secure Firmware Update - InstallVerificationFailed', () =>
  endsWith('L08', 'Accepted', ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallVerificationFailed'], 'InstallVerificationFailed'));
test('TC_L_09_CSMS Secure Firmware Update - InstallationFailed', () => endsWith('L09', 'Accepted', ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallationFailed'], 'InstallationFailed'));

test('TC_L_10_CSMS Secure Firmware Update - AcceptedCanceled', async () => {
  let answer = 'Accepted';
  const cp = await station201('L10', { UpdateFirmware: () => ({ status: answer }) });
  const first = await app.request('POST', '/api/v1/stations/L10/firmware-update', { body: signedBody() });
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(await cp.call('FirmwareStatusNotification', { status: 'Downloading', requestId: first.body.id }), {});
  answer = 'AcceptedCanceled';
  const second = await app.request('POST', '/api/v1/stations/L10/firmware-update', { body: signedBody() });
  assert.equal(second.status, 200, second.text);
  assert.equal(second.body.commandStatus, 'accepted');
  const s = await report(cp, 'L10', second.body.id, ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'Installed']);
  assert.equal(s.latestUpdate.id, second.body.id);
  const earlier = s.updates.find((u: { id: number }) => u.id === first.body.id);
  assert.equal(earlier.failed, true, 'the cancelled update ends as failed');
  assert.match(earlier.failure, /AcceptedCanceled/);
});

test('TC_L_11_CSMS Secure Firmware Update - Unable to cancel', async () => {
  const { res } = await update('L11', 'Rejected');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.commandStatus, 'rejected');
  assert.equal(res.body.failure, 'Rejected');
});
