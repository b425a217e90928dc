// Signed firmware through the API (Security Whitepaper SignedUpdateFirmware, ADR 0011): signing
// with Plugboard's configured key, a vendor's signature and certificate checked at upload,
// SignedUpdateFirmware with its refusals (unsigned file, expired or revoked certificate, the
// charger's InvalidCertificate), SignedFirmwareStatusNotification linked by requestId, and
// signed campaigns. Real simulated chargers; certificates made with openssl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, createVerify, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { pairWithDates, selfSignedPair, type SigningPair } from '../helpers/signing-certs.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

let app: TestApp;
let unconfigured: TestApp;
let dir: string;
let plugboardKey: SigningPair;
let vendorRsa: SigningPair;
let expired: SigningPair;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plugboard-fw-signing-'));
  plugboardKey = selfSignedPair(join(dir, 'keys'), 'plugboard-rsa', 'rsa');
  vendorRsa = selfSignedPair(join(dir, 'keys'), 'vendor-rsa', 'rsa');
  expired = pairWithDates(join(dir, 'keys'), 'vendor-expired', '20200101000000Z', '20210101000000Z');
  app = await startOpenApp({ files: { firmwareSigning: { keyFile: plugboardKey.keyFile, certificateFile: plugboardKey.certificateFile } } });
  unconfigured = await startOpenApp();
});
after(async () => {
  await app.cleanup();
  await unconfigured.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(target: TestApp, name: string, image: Buffer, query = ''): Promise<{ status: number; body: any }> {
  const res = await fetch(`${target.httpUrl()}/api/v1/firmware?name=${name}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-api-key': ADMIN_KEY },
    body: image,
  });
  return { status: res.status, body: await res.json() };
}

function signWith(pair: SigningPair, data: Buffer): string {
  return createSign('sha256').update(data).sign(pair.keyPem).toString('base64');
}

async function charger(id: string, answer: (req: any) => unknown = () => ({ status: 'Accepted' })): Promise<SimulatedCharger> {
  const cp = app.charger(id, { handlers: { SignedUpdateFirmware: answer, UpdateFirmware: () => ({}) } });
  await cp.connect();
  assert.equal((await cp.boot({ firmwareVersion: '1.0' })).status, 'Accepted');
  return cp;
}

const signedSent = (cp: SimulatedCharger) => cp.received.filter((r) => r.action === 'SignedUpdateFirmware').map((r) => r.payload);

test("Plugboard signs an image with its configured key: SHA-256, verifiable with the certificate it stores beside it", async () => {
  const image = randomBytes(50_000);
  const up = await upload(app, 'sign-me', image);
  assert.equal(up.status, 201);
  assert.equal(up.body.signature, null, 'unsigned at first');
  const signed = await app.request('POST', `/api/v1/firmware/${up.body.id}/sign`);
  assert.equal(signed.status, 200, signed.text);
  const sig = signed.body.signature;
  assert.equal(sig.source, 'plugboard');
  assert.equal(sig.verified, true);
  assert.equal(sig.signingCertificate, plugboardKey.certificatePem.trim());
  assert.equal(sig.certificate.keyType, 'rsa');
  assert.equal(sig.certificate.fingerprint256, new X509Certificate(plugboardKey.certificatePem).fingerprint256);
  assert.ok(createVerify('sha256').update(image).verify(new X509Certificate(sig.signingCertificate).publicKey, Buffer.from(sig.signature, 'base64')), 'RSA PKCS#1 v1.5 over SHA-256 of the image');

  const info = await app.request('GET', '/api/v1/firmware-signing');
  assert.deepEqual({ configured: info.body.configured, usable: info.body.usable, problem: info.body.problem }, { configured: true, usable: true, problem: null });

  // Removing the signature makes the file unsigned again.
  const removed = await app.request('DELETE', `/api/v1/firmware/${up.body.id}/signature`);
  assert.equal(removed.status, 200);
  assert.equal(removed.body.signature, null);
});

test('signing without a configured key is 409 and says what to set; upload with sign=true keeps nothing then', async () => {
  const up = await upload(unconfigured, 'nokey', randomBytes(100));
  const res = await unconfigured.request('POST', `/api/v1/firmware/${up.body.id}/sign`);
  assert.equal(res.status, 409);
  assert.equal(res.body.error, 'signing_not_configured');
  assert.match(res.body.message, /files\.firmwareSigning\.keyFile/);
  const refused = await upload(unconfigured, 'nokey2', randomBytes(100), '&sign=true');
  assert.equal(refused.status, 409);
  assert.equal((await unconfigured.request('GET', '/api/v1/firmware')).body.total, 1, 'the refused upload was not kept');
  const info = await unconfigured.request('GET', '/api/v1/firmware-signing');
  assert.equal(info.body.configured, false);
  assert.equal(info.body.usable, false);
});

test('a signing key file others may read is refused (key files readable only by Plugboard)', async () => {
  const loose = selfSignedPair(join(dir, 'loose'), 'loose', 'ec');
  chmodSync(loose.keyFile, 0o644);
  const other = await startOpenApp({ files: { firmwareSigning: { keyFile: loose.keyFile, certificateFile: loose.certificateFile } } });
  try {
    const up = await upload(other, 'loose', randomBytes(100));
    const res = await other.request('POST', `/api/v1/firmware/${up.body.id}/sign`);
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.error, 'signing_key_unusable');
    assert.match(res.body.message, /chmod 600/);
    // A certificate that is not the key's is refused too.
    chmodSync(loose.keyFile, 0o600);
    other.config.files.firmwareSigning.certificateFile = vendorRsa.certificateFile;
    const mismatch = await other.request('POST', `/api/v1/firmware/${up.body.id}/sign`);
    assert.equal(mismatch.status, 409);
    assert.match(mismatch.body.message, /is not the certificate of the key/);
  } finally {
    await other.cleanup();
  }
});

test("a vendor's signature is checked at upload: the certificate parses and is valid, the signature verifies against the image", async () => {
  const image = randomBytes(20_000);
  const up = await upload(app, 'vendor', image);
  const path = `/api/v1/firmware/${up.body.id}/signature`;
  const good = signWith(vendorRsa, image);

  const notPem = await app.request('PUT', path, { body: { signature: good, signingCertificate: 'hello' } });
  assert.equal(notPem.status, 400);
  assert.match(notPem.body.message, /PEM X\.509/);
  const badB64 = await app.request('PUT', path, { body: { signature: 'not base64!', signingCertificate: vendorRsa.certificatePem } });
  assert.equal(badB64.status, 400);
  assert.match(badB64.body.message, /base64/);
  const mismatch = await app.request('PUT', path, { body: { signature: signWith(vendorRsa, Buffer.from('other')), signingCertificate: vendorRsa.certificatePem } });
  assert.equal(mismatch.status, 422);
  assert.equal(mismatch.body.error, 'signature_invalid');
  const old = await app.request('PUT', path, { body: { signature: signWith(expired, image), signingCertificate: expired.certificatePem } });
  assert.equal(old.status, 409);
  assert.equal(old.body.error, 'signing_certificate_expired');
  assert.equal((await app.request('GET', `/api/v1/firmware/${up.body.id}`)).body.signature, null, 'nothing was stored by the refusals');

  const ok = await app.request('PUT', path, { body: { signature: good, signingCertificate: vendorRsa.certificatePem } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.signature.source, 'vendor');
  assert.equal(ok.body.signature.verified, true);
  assert.equal(ok.body.signature.signature, good);
});

test('SignedUpdateFirmware: refused before sending for an unsigned file, an expired or a revoked certificate; installDateTime and a location with its own signature', async () => {
  const cp = await charger('SIGNED-1');
  const image = randomBytes(1000);
  const unsigned = await upload(app, 'unsigned', image);
  const r1 = await app.request('POST', '/api/v1/stations/SIGNED-1/firmware-update', { body: { firmwareId: unsigned.body.id, signed: true } });
  assert.equal(r1.status, 400);
  assert.match(r1.body.message, /has no signature/);
  const r2 = await app.request('POST', '/api/v1/stations/SIGNED-1/firmware-update', { body: { firmwareId: unsigned.body.id, installDate: '2030-01-01T00:00:00Z' } });
  assert.equal(r2.status, 400);
  assert.match(r2.body.message, /signed: true/);

  const location = 'https://vendor.example/fw.bin';
  const expiredRes = await app.request('POST', '/api/v1/stations/SIGNED-1/firmware-update', {
    body: { location, signed: true, signature: signWith(expired, image), signingCertificate: expired.certificatePem },
  });
  assert.equal(expiredRes.status, 409);
  assert.equal(expiredRes.body.error, 'signing_certificate_expired');

  // A certificate revoked in the certificates module (by fingerprint) is refused.
  const revokedPair = selfSignedPair(join(dir, 'keys'), 'vendor-revoked', 'ec');
  await app.ctx.services.certificates.revoke({ fingerprint256: new X509Certificate(revokedPair.certificatePem).fingerprint256, reason: 'key compromise' });
  const revoked = await app.request('POST', '/api/v1/stations/SIGNED-1/firmware-update', {
    body: { location, signed: true, signature: signWith(revokedPair, image), signingCertificate: revokedPair.certificatePem },
  });
  assert.equal(revoked.status, 409, revoked.text);
  assert.equal(revoked.body.error, 'signing_certificate_revoked');
  assert.equal(signedSent(cp).length, 0, 'nothing was sent');

  const sig = signWith(vendorRsa, image);
  const ok = await app.request('POST', '/api/v1/stations/SIGNED-1/firmware-update', {
    body: { location, signed: true, signature: sig, signingCertificate: vendorRsa.certificatePem, installDate: '2030-01-01T00:00:00Z', retrieveDate: '2029-01-01T00:00:00Z' },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.commandStatus, 'accepted');
  assert.deepEqual(signedSent(cp), [
    {
      requestId: ok.body.id,
      firmware: { location, retrieveDateTime: '2029-01-01T00:00:00.000Z', installDateTime: '2030-01-01T00:00:00.000Z', signingCertificate: vendorRsa.certificatePem.trim(), signature: sig },
    },
  ]);
  assert.equal(ok.body.signingCertificateSha256, new X509Certificate(vendorRsa.certificatePem).fingerprint256);
});

test("the charger's refusal (InvalidCertificate) marks the update rejected and failed", async () => {
  await charger('SIGNED-2', () => ({ status: 'InvalidCertificate' }));
  const image = randomBytes(1000);
  const up = await upload(app, 'refused', image, '&sign=true');
  const res = await app.request('POST', '/api/v1/stations/SIGNED-2/firmware-update', { body: { firmwareId: up.body.id, signed: true } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.commandStatus, 'rejected');
  assert.equal(res.body.failed, true);
  assert.equal(res.body.failure, 'InvalidCertificate');
});

test('SignedFirmwareStatusNotification follows its requestId; a failure status ends that update; Idle changes nothing', async () => {
  const cp = await charger('SIGNED-3');
  const up = await upload(app, 'status', randomBytes(1000), '&sign=true');
  const first = await app.request('POST', '/api/v1/stations/SIGNED-3/firmware-update', { body: { firmwareId: up.body.id, signed: true } });
  const second = await app.request('POST', '/api/v1/stations/SIGNED-3/firmware-update', { body: { firmwareId: up.body.id, signed: true } });
  assert.deepEqual(signedSent(cp).map((p) => p.requestId), [first.body.id, second.body.id], 'each its own requestId');

  // A late notification of the first request goes to the first update, not the latest.
  await cp.call('SignedFirmwareStatusNotification', { status: 'InstallVerificationFailed', requestId: first.body.requestId });
  await cp.call('SignedFirmwareStatusNotification', { status: 'Downloading', requestId: second.body.requestId });
  await cp.call('SignedFirmwareStatusNotification', { status: 'Idle' });
  const s = (await app.request('GET', '/api/v1/stations/SIGNED-3/firmware-status')).body;
  const byId = Object.fromEntries(s.updates.map((u: any) => [u.id, u]));
  assert.equal(byId[first.body.id].firmwareStatus, 'InstallVerificationFailed');
  assert.equal(byId[first.body.id].failure, 'InstallVerificationFailed');
  assert.equal(byId[first.body.id].failed, true);
  assert.equal(byId[second.body.id].firmwareStatus, 'Downloading');
  assert.equal(byId[second.body.id].failed, false);
  // A requestId this station never got falls back to the latest update.
  await cp.call('SignedFirmwareStatusNotification', { status: 'DownloadPaused', requestId: 999_999 });
  assert.equal((await app.request('GET', '/api/v1/stations/SIGNED-3/firmware-status')).body.latestUpdate.firmwareStatus, 'DownloadPaused');
  // Steps may arrive in any order: once Installed, a late Installing stays in the timeline only.
  await cp.call('SignedFirmwareStatusNotification', { status: 'Installed', requestId: second.body.requestId });
  await cp.call('SignedFirmwareStatusNotification', { status: 'Installing', requestId: second.body.requestId });
  const after = (await app.request('GET', '/api/v1/stations/SIGNED-3/firmware-status')).body;
  assert.equal(after.latestUpdate.firmwareStatus, 'Installed');
  assert.deepEqual(after.timeline.filter((e: any) => e.requestId === second.body.id).map((e: any) => e.status), ['Downloading', 'Idle', 'DownloadPaused', 'Installed', 'Installing']);
});

test('AcceptedCanceled: the update the charger cancelled for the new one ends as failed', async () => {
  let answer = 'Accepted';
  await charger('SIGNED-4', () => ({ status: answer }));
  const up = await upload(app, 'cancel', randomBytes(1000), '&sign=true');
  const first = await app.request('POST', '/api/v1/stations/SIGNED-4/firmware-update', { body: { firmwareId: up.body.id, signed: true } });
  answer = 'AcceptedCanceled';
  const second = await app.request('POST', '/api/v1/stations/SIGNED-4/firmware-update', { body: { firmwareId: up.body.id, signed: true } });
  assert.equal(second.body.commandStatus, 'accepted');
  const s = (await app.request('GET', '/api/v1/stations/SIGNED-4/firmware-status')).body;
  const old = s.updates.find((u: any) => u.id === first.body.id);
  assert.equal(old.failed, true);
  assert.match(old.failure, new RegExp(`cancelled by the charger for update ${second.body.id}`));
  assert.equal(s.latestUpdate.id, second.body.id);
  assert.equal(s.latestUpdate.failed, false);
});

test('a signed campaign sends each station SignedUpdateFirmware with its own requestId and counts InvalidSignature as a failure', async () => {
  const a = await charger('CAMP-S-A');
  const b = await charger('CAMP-S-B');
  const unsigned = await upload(app, 'camp-unsigned', randomBytes(1000));
  const refused = await app.request('POST', '/api/v1/firmware-campaigns', { body: { firmwareId: unsigned.body.id, stationIds: ['CAMP-S-A'], waveSize: 1, failureThreshold: 5, signed: true } });
  assert.equal(refused.status, 400);
  assert.match(refused.body.message, /has no signature/);

  const up = await upload(app, 'camp', randomBytes(1000), '&sign=true');
  const created = await app.request('POST', '/api/v1/firmware-campaigns', { body: { firmwareId: up.body.id, stationIds: ['CAMP-S-A', 'CAMP-S-B'], waveSize: 2, failureThreshold: 5, signed: true } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.signed, true);
  // Changing the signature while the campaign hands the file out is refused.
  assert.equal((await app.request('POST', `/api/v1/firmware/${up.body.id}/sign`)).status, 409);

  await eventually(() => signedSent(a).length === 1 && signedSent(b).length === 1, 5000, 'both stations got SignedUpdateFirmware');
  assert.ok(!a.received.some((r) => r.action === 'UpdateFirmware'));
  const [pa, pb] = [signedSent(a)[0], signedSent(b)[0]];
  assert.notEqual(pa.requestId, pb.requestId);
  assert.equal(pa.firmware.signature, up.body.signature.signature);

  await a.call('SignedFirmwareStatusNotification', { status: 'SignatureVerified', requestId: pa.requestId });
  await a.call('SignedFirmwareStatusNotification', { status: 'Installed', requestId: pa.requestId });
  await b.call('SignedFirmwareStatusNotification', { status: 'InvalidSignature', requestId: pb.requestId });
  const done = await eventually(async () => {
    const c = (await app.request('GET', `/api/v1/firmware-campaigns/${created.body.id}`)).body;
    return c.status === 'completed' ? c : null;
  }, 10_000, 'the campaign completed');
  const st = Object.fromEntries(done.stations.map((s: any) => [s.stationId, s]));
  assert.equal(st['CAMP-S-A'].state, 'installed');
  assert.equal(st['CAMP-S-B'].state, 'failed');
  assert.equal(st['CAMP-S-B'].error, 'InvalidSignature');
  assert.equal(st['CAMP-S-B'].failure, 'InvalidSignature');
  assert.equal(st['CAMP-S-B'].firmwareStatus, 'InvalidSignature');
  assert.equal(done.counts.installed, 1);
  assert.equal(done.counts.failed, 1);
});
