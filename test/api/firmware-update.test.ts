// UpdateFirmware through POST /stations/{id}/firmware-update against a charger built on
// ocpp-rpc in strict mode (it validates what we send against the official 1.6 schemas), the
// FirmwareStatusNotification timeline of GET /stations/{id}/firmware-status, and the version
// taken from the next BootNotification; with the charger's negative answers and the errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RPCClient, createRPCError } from 'ocpp-rpc';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../helpers/app.ts';

const STATION = 'FW-UPD-1';
const PASSWORD = 'a-long-random-secret-0123456789';

let app: TestApp;
let filesDir: string;
let client: RPCClient;
let firmwareId: number;
let downloadUrl: string;
const failures: unknown[] = [];
const received: Array<{ method: string; params: any }> = [];
/** How the charger answers UpdateFirmware: {} (accepted), a CALLERROR, or never. */
let mode: 'accept' | 'error' | 'silent' = 'accept';

function connectCharger(): RPCClient {
  const c = new RPCClient({
    endpoint: app.ocppUrl(),
    identity: STATION,
    password: PASSWORD,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
  } as ConstructorParameters<typeof RPCClient>[0]);
  c.on('strictValidationFailure', (f: unknown) => failures.push(f));
  c.handle('UpdateFirmware', async ({ params }) => {
    received.push({ method: 'UpdateFirmware', params });
    if (mode === 'error') throw createRPCError('NotSupported', 'firmware updates are disabled on this unit');
    if (mode === 'silent') return new Promise(() => {});
    return {};
  });
  return c;
}

const update = (body: unknown, query = '') => app.request('POST', `/api/v1/stations/${STATION}/firmware-update${query}`, { body });
const status = () => app.request('GET', `/api/v1/stations/${STATION}/firmware-status`);

before(async () => {
  filesDir = mkdtempSync(join(tmpdir(), 'plugboard-fw-upd-'));
  app = await startTestApp({ config: { files: { directory: filesDir } } });
  await app.ctx.services.stations.create({ id: STATION, password: PASSWORD });
  const res = await fetch(`${app.httpUrl()}/api/v1/firmware?name=ACME&version=2.0`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-api-key': ADMIN_KEY },
    body: Buffer.from('new firmware image'),
  });
  const fw = (await res.json()) as { id: number; downloadUrl: string };
  firmwareId = fw.id;
  downloadUrl = fw.downloadUrl;
  client = connectCharger();
  await client.connect();
  const boot = (await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M', firmwareVersion: '1.0' })) as { status: string };
  assert.equal(boot.status, 'Accepted');
});
after(async () => {
  await client?.close({ force: true });
  await app?.cleanup();
  rmSync(filesDir, { recursive: true, force: true });
});

test('UpdateFirmware with a repository file sends its download URL and the given retries; the charger\'s {} is its acceptance', async () => {
  received.length = 0;
  const retrieveDate = new Date(Date.now() + 3_600_000).toISOString();
  const res = await update({ firmwareId, retrieveDate, retries: 3, retryInterval: 60 });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(received, [{ method: 'UpdateFirmware', params: { location: downloadUrl, retrieveDate, retries: 3, retryInterval: 60 } }]);
  assert.equal(res.body.commandStatus, 'accepted');
  assert.equal(res.body.firmwareId, firmwareId);
  assert.equal(res.body.location, downloadUrl);
  assert.equal(res.body.firmwareVersionBefore, '1.0');
  assert.equal(res.body.firmwareStatus, null);
  assert.deepEqual(failures, [], 'ocpp-rpc strict mode found nothing wrong in what we sent');
});

test('UpdateFirmware with any location; retrieveDate defaults to now, retries are left out when not given', async () => {
  received.length = 0;
  const before = Date.now();
  const res = await update({ location: 'ftp://files.example.com/fw/acme-2.0.bin' });
  assert.equal(res.status, 200, res.text);
  const sent = received[0].params;
  assert.deepEqual(Object.keys(sent).sort(), ['location', 'retrieveDate']);
  assert.equal(sent.location, 'ftp://files.example.com/fw/acme-2.0.bin');
  assert.ok(Date.parse(sent.retrieveDate) >= before - 1000 && Date.parse(sent.retrieveDate) <= Date.now() + 1000);
  assert.equal(res.body.firmwareId, null);
});

test('the FirmwareStatusNotification timeline is linked to the latest update, and the next boot records the new version', async () => {
  const upd = await update({ firmwareId });
  assert.equal(upd.status, 200);
  for (const s of ['Downloading', 'Downloaded', 'Installing']) assert.deepEqual(await client.call('FirmwareStatusNotification', { status: s }), {});
  // The charger reboots into the new image.
  await client.close({ force: true });
  client = connectCharger();
  await client.connect();
  await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M', firmwareVersion: '2.0' });
  assert.deepEqual(await client.call('FirmwareStatusNotification', { status: 'Installed' }), {});

  const res = await eventually(async () => {
    const r = await status();
    return r.body.latestUpdate?.firmwareVersionAfter ? r : null;
  }, 5000, 'the version after the update');
  assert.equal(res.body.firmwareVersion, '2.0');
  const latest = res.body.latestUpdate;
  assert.equal(latest.id, upd.body.id);
  assert.equal(latest.firmwareStatus, 'Installed');
  assert.equal(latest.firmwareVersionBefore, '1.0');
  assert.equal(latest.firmwareVersionAfter, '2.0');
  assert.ok(latest.bootedAt);
  const mine = res.body.timeline.filter((e: { requestId: number }) => e.requestId === upd.body.id);
  assert.deepEqual(mine.map((e: { status: string }) => e.status), ['Downloading', 'Downloaded', 'Installing', 'Installed'], 'oldest first');
  assert.deepEqual(failures, []);
});

test('Idle (sent when triggered) is kept in the timeline but does not undo what the update reached', async () => {
  assert.deepEqual(await client.call('FirmwareStatusNotification', { status: 'Idle' }), {});
  const res = await status();
  assert.equal(res.body.timeline.at(-1).status, 'Idle');
  assert.equal(res.body.latestUpdate.firmwareStatus, 'Installed');
});

test('a CALLERROR answer is 502 and recorded on the update, and later notifications stay with the update the charger accepted', async () => {
  const accepted = await update({ firmwareId });
  mode = 'error';
  try {
    const res = await update({ firmwareId });
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.error, 'charger_error');
    assert.equal(res.body.details.code, 'NotSupported');
  } finally {
    mode = 'accept';
  }
  const after = await status();
  assert.equal(after.body.updates[0].commandStatus, 'error');
  assert.match(after.body.updates[0].error, /NotSupported/);
  await client.call('FirmwareStatusNotification', { status: 'DownloadFailed' });
  const res = await status();
  assert.equal(res.body.timeline.at(-1).requestId, accepted.body.id);
  assert.equal(res.body.updates.find((u: { id: number }) => u.id === accepted.body.id).firmwareStatus, 'DownloadFailed');
});

test('no answer within ?timeout= is 504, recorded on the update', async () => {
  mode = 'silent';
  try {
    const res = await update({ firmwareId }, '?timeout=0.3');
    assert.equal(res.status, 504, res.text);
    assert.equal(res.body.error, 'charger_timeout');
  } finally {
    mode = 'accept';
  }
  assert.equal((await status()).body.updates[0].commandStatus, 'error');
  // Our side gave up on that call, so the next command goes out and is answered.
  assert.equal((await update({ firmwareId })).status, 200);
});

test('bad requests are 400/404 and send nothing; offline is 409 and recorded', async () => {
  received.length = 0;
  const both = await update({ firmwareId, location: 'http://x.example/fw.bin' });
  assert.equal(both.status, 400);
  assert.match(both.body.message, /either firmwareId .* or location/);
  assert.equal((await update({})).status, 400);
  assert.equal((await update({ location: 'not a url' })).status, 400);
  assert.equal((await update({ firmwareId, retrieveDate: 'tomorrow' })).status, 400);
  assert.equal((await update({ firmwareId, retries: -1 })).status, 400);
  const unknownFw = await update({ firmwareId: 999_999 });
  assert.equal(unknownFw.status, 404);
  assert.equal(unknownFw.body.error, 'firmware_not_found');
  const unknownStation = await app.request('POST', '/api/v1/stations/NOPE/firmware-update', { body: { firmwareId } });
  assert.equal(unknownStation.status, 404);
  assert.equal(unknownStation.body.error, 'station_not_found');
  assert.deepEqual(received, [], 'the charger got none of them');

  await app.ctx.services.stations.create({ id: 'FW-OFFLINE', password: PASSWORD });
  const offline = await app.request('POST', '/api/v1/stations/FW-OFFLINE/firmware-update', { body: { firmwareId } });
  assert.equal(offline.status, 409);
  assert.equal(offline.body.error, 'station_offline');
  const rec = await app.request('GET', '/api/v1/stations/FW-OFFLINE/firmware-status');
  assert.equal(rec.body.updates.length, 1);
  assert.equal(rec.body.updates[0].commandStatus, 'error');
  assert.equal((await app.request('GET', '/api/v1/stations/NOPE/firmware-status')).status, 404);
});

test('a read key sees the status but cannot send an update', async () => {
  const key = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'fw-reader', role: 'read' } })).body.key;
  assert.equal((await app.request('GET', `/api/v1/stations/${STATION}/firmware-status`, { key })).status, 200);
  assert.equal((await app.request('POST', `/api/v1/stations/${STATION}/firmware-update`, { key, body: { firmwareId } })).status, 403);
});
