// Firmware campaigns through the API with real simulated chargers: waves that wait for each
// station's outcome (Installed, a failure or a timeout), the stop on too many failures (count
// and percent), offline stations, cancel, and a campaign that survives a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, eventually, isolatedPostgres, startOpenApp, startTestApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

let app: TestApp;
let filesDir: string;
let firmwareId: number;
let downloadUrl: string;

async function uploadFirmware(target: TestApp, name = 'ACME-3.0'): Promise<{ id: number; downloadUrl: string }> {
  const res = await fetch(`${target.httpUrl()}/api/v1/firmware?name=${name}&version=3.0`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-api-key': ADMIN_KEY },
    body: Buffer.from(`image of ${name}`),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as { id: number; downloadUrl: string };
}

/** Connected, Accepted chargers that accept UpdateFirmware; the tests play their notifications. */
async function fleet(target: TestApp, ids: string[]): Promise<Record<string, SimulatedCharger>> {
  const out: Record<string, SimulatedCharger> = {};
  for (const id of ids) {
    const cp = target.charger(id, { handlers: { UpdateFirmware: () => ({}) } });
    await cp.connect();
    assert.equal((await cp.boot({ firmwareVersion: '2.0' })).status, 'Accepted');
    out[id] = cp;
  }
  return out;
}

const updatesTo = (cp: SimulatedCharger) => cp.received.filter((r) => r.action === 'UpdateFirmware');
const got = (cp: SimulatedCharger) => eventually(() => updatesTo(cp).length > 0, 5000, `UpdateFirmware to ${cp.stationId}`);

async function notify(cp: SimulatedCharger, ...statuses: string[]): Promise<void> {
  for (const status of statuses) assert.deepEqual(await cp.call('FirmwareStatusNotification', { status }), {});
}

function createCampaign(target: TestApp, body: Record<string, unknown>) {
  return target.request('POST', '/api/v1/firmware-campaigns', { body });
}

async function campaign(target: TestApp, id: number) {
  const res = await target.request('GET', `/api/v1/firmware-campaigns/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

const stateOf = (c: { stations: Array<{ stationId: string; state: string }> }) => Object.fromEntries(c.stations.map((s) => [s.stationId, s.state]));

/** Waits until the campaign satisfies `check`. */
function until(target: TestApp, id: number, check: (c: any) => boolean, what: string) {
  return eventually(async () => {
    const c = await campaign(target, id);
    return check(c) ? c : null;
  }, 5000, what);
}

before(async () => {
  filesDir = mkdtempSync(join(tmpdir(), 'plugboard-fw-camp-'));
  app = await startOpenApp({ files: { directory: filesDir } });
  ({ id: firmwareId, downloadUrl } = await uploadFirmware(app));
});
after(async () => {
  await app?.cleanup();
  rmSync(filesDir, { recursive: true, force: true });
});

test('stations are updated in waves: the next wave starts only when every station of the current one has an outcome', async () => {
  const ids = ['CW-A', 'CW-B', 'CW-C', 'CW-D', 'CW-E'];
  const cps = await fleet(app, ids);
  const res = await createCampaign(app, { firmwareId, stationIds: ids, waveSize: 2, failureThreshold: 1, retries: 2, retryInterval: 30 });
  assert.equal(res.status, 201, res.text);
  const id = res.body.id;
  assert.equal(res.body.status, 'running');
  assert.equal(res.body.counts.total, 5);

  await Promise.all([got(cps['CW-A']), got(cps['CW-B'])]);
  const first = updatesTo(cps['CW-A'])[0].payload;
  assert.equal(first.location, downloadUrl);
  assert.equal(first.retries, 2);
  assert.equal(first.retryInterval, 30);
  let c = await until(app, id, (x) => x.currentWave === 1 && stateOf(x)['CW-A'] === 'updating' && stateOf(x)['CW-B'] === 'updating', 'wave 1 under way');
  assert.deepEqual(stateOf(c), { 'CW-A': 'updating', 'CW-B': 'updating', 'CW-C': 'pending', 'CW-D': 'pending', 'CW-E': 'pending' });

  await notify(cps['CW-A'], 'Downloading', 'Downloaded', 'Installing', 'Installed');
  c = await until(app, id, (x) => stateOf(x)['CW-A'] === 'installed', 'A installed');
  assert.equal(c.currentWave, 1, 'B is still updating: no new wave');
  assert.equal(stateOf(c)['CW-C'], 'pending');
  assert.equal(updatesTo(cps['CW-C']).length, 0);

  await notify(cps['CW-B'], 'Downloading', 'Downloaded', 'Installing', 'Installed');
  await Promise.all([got(cps['CW-C']), got(cps['CW-D'])]);
  assert.equal(updatesTo(cps['CW-E']).length, 0);
  await notify(cps['CW-C'], 'Downloading', 'DownloadFailed');
  c = await until(app, id, (x) => stateOf(x)['CW-C'] === 'failed', 'C failed');
  assert.equal(c.status, 'running', 'one failure is not above the threshold of 1');
  await notify(cps['CW-D'], 'Downloading', 'Downloaded', 'Installing', 'Installed');
  await got(cps['CW-E']);
  await notify(cps['CW-E'], 'Downloading', 'Downloaded', 'Installing', 'Installed');

  c = await until(app, id, (x) => x.status === 'completed', 'the campaign completes');
  assert.equal(c.currentWave, 3);
  assert.ok(c.finishedAt);
  assert.deepEqual(c.counts, { total: 5, pending: 0, updating: 0, installed: 4, failed: 1, timed_out: 0, skipped: 0, cancelled: 0 });
  const e = c.stations.find((s: { stationId: string }) => s.stationId === 'CW-E');
  assert.equal(e.wave, 3);
  assert.equal(e.firmwareStatus, 'Installed');
  assert.equal(c.stations.find((s: { stationId: string }) => s.stationId === 'CW-C').error, 'DownloadFailed');
  // Each station got exactly one UpdateFirmware, linked to the campaign.
  for (const cp of Object.values(cps)) assert.equal(updatesTo(cp).length, 1);
  const status = await app.request('GET', '/api/v1/stations/CW-E/firmware-status');
  assert.equal(status.body.latestUpdate.campaignId, id);
  const list = await app.request('GET', '/api/v1/firmware-campaigns?status=completed');
  assert.ok(list.body.items.some((x: { id: number; counts: { installed: number } }) => x.id === id && x.counts.installed === 4));
});

test('the campaign stops when failures exceed a count: stations not started are skipped and never updated', async () => {
  const ids = ['CT-A', 'CT-B', 'CT-C', 'CT-D'];
  const cps = await fleet(app, ids);
  const { body } = await createCampaign(app, { firmwareId, stationIds: ids, waveSize: 2, failureThreshold: 0 });
  await Promise.all([got(cps['CT-A']), got(cps['CT-B'])]);
  await notify(cps['CT-A'], 'Downloading', 'Downloaded', 'Installing', 'InstallationFailed');
  const c = await until(app, body.id, (x) => x.status === 'stopped', 'stopped');
  assert.match(c.stopReason, /1 of 4 stations failed, above the threshold of 0/);
  assert.deepEqual(stateOf(c), { 'CT-A': 'failed', 'CT-B': 'updating', 'CT-C': 'skipped', 'CT-D': 'skipped' });
  // B finishing later changes nothing for the others.
  await notify(cps['CT-B'], 'Installed');
  assert.equal(updatesTo(cps['CT-C']).length + updatesTo(cps['CT-D']).length, 0);
  assert.equal((await campaign(app, body.id)).status, 'stopped');
});

test('a percentage threshold counts against all stations of the campaign', async () => {
  const ids = ['CP-A', 'CP-B', 'CP-C', 'CP-D'];
  const cps = await fleet(app, ids);
  const { body } = await createCampaign(app, { firmwareId, stationIds: ids, waveSize: 1, failureThreshold: '25%' });
  assert.equal(body.failureThresholdUnit, 'percent');
  assert.equal(body.failureThreshold, 25);
  await got(cps['CP-A']);
  await notify(cps['CP-A'], 'Downloading', 'DownloadFailed');
  await got(cps['CP-B']); // 1 of 4 = 25 %: not above
  await notify(cps['CP-B'], 'Downloading', 'DownloadFailed');
  const c = await until(app, body.id, (x) => x.status === 'stopped', 'stopped at 50 %');
  assert.deepEqual(stateOf(c), { 'CP-A': 'failed', 'CP-B': 'failed', 'CP-C': 'skipped', 'CP-D': 'skipped' });
  assert.equal(updatesTo(cps['CP-C']).length, 0);
});

test('an offline station fails at once and a silent one times out; both count as failures and the campaign goes on', async () => {
  await app.ctx.services.stations.create({ id: 'CO-OFF' });
  const cps = await fleet(app, ['CO-SILENT', 'CO-LAST']);
  const { body } = await createCampaign(app, { firmwareId, stationIds: ['CO-OFF', 'CO-SILENT', 'CO-LAST'], waveSize: 2, failureThreshold: 2, waveTimeoutSeconds: 1 });
  let c = await until(app, body.id, (x) => stateOf(x)['CO-OFF'] === 'failed', 'the offline station failed');
  assert.match(c.stations[0].error, /not connected/);
  assert.equal(stateOf(c)['CO-SILENT'], 'updating');
  await got(cps['CO-SILENT']);
  c = await until(app, body.id, (x) => stateOf(x)['CO-SILENT'] === 'timed_out', 'the silent station timed out');
  assert.match(c.stations[1].error, /not Installed within 1 s/);
  await got(cps['CO-LAST']);
  await notify(cps['CO-LAST'], 'Installed');
  c = await until(app, body.id, (x) => x.status === 'completed', 'completed');
  assert.deepEqual(c.counts, { total: 3, pending: 0, updating: 0, installed: 1, failed: 1, timed_out: 1, skipped: 0, cancelled: 0 });
});

test('cancel: stations not started are cancelled, the one updating keeps its update; cancelling twice is 409', async () => {
  const ids = ['CC-A', 'CC-B', 'CC-C'];
  const cps = await fleet(app, ids);
  const { body } = await createCampaign(app, { firmwareId, stationIds: ids, waveSize: 1, failureThreshold: 3 });
  await got(cps['CC-A']);
  const readKey = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'camp-reader', role: 'read' } })).body.key;
  assert.equal((await app.request('POST', `/api/v1/firmware-campaigns/${body.id}/cancel`, { key: readKey })).status, 403);
  const res = await app.request('POST', `/api/v1/firmware-campaigns/${body.id}/cancel`);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'cancelled');
  assert.deepEqual(stateOf(res.body), { 'CC-A': 'updating', 'CC-B': 'cancelled', 'CC-C': 'cancelled' });
  const again = await app.request('POST', `/api/v1/firmware-campaigns/${body.id}/cancel`);
  assert.equal(again.status, 409);
  assert.equal(again.body.error, 'campaign_finished');
  await notify(cps['CC-A'], 'Installed');
  const after = await campaign(app, body.id);
  assert.equal(after.stations[0].firmwareStatus, 'Installed', 'the update still reports');
  assert.equal(updatesTo(cps['CC-B']).length, 0);
  // A running campaign protects its firmware file; a cancelled one does not.
  const { id: ownFw } = await uploadFirmware(app, 'protected');
  const cps2 = await fleet(app, ['CC-D']);
  const running = await createCampaign(app, { firmwareId: ownFw, stationIds: ['CC-D'], waveSize: 1, failureThreshold: 0 });
  await got(cps2['CC-D']);
  assert.equal((await app.request('DELETE', `/api/v1/firmware/${ownFw}`)).status, 409);
  await app.request('POST', `/api/v1/firmware-campaigns/${running.body.id}/cancel`);
  assert.equal((await app.request('DELETE', `/api/v1/firmware/${ownFw}`)).status, 204);
});

test('bad campaigns are refused: unknown stations 400 (listed), unknown firmware 404, a malformed threshold 400', async () => {
  const unknown = await createCampaign(app, { firmwareId, stationIds: ['CW-A', 'GHOST-1', 'GHOST-2'], waveSize: 1, failureThreshold: 0 });
  assert.equal(unknown.status, 400);
  assert.deepEqual(unknown.body.details.unknownStationIds, ['GHOST-1', 'GHOST-2']);
  const noFw = await createCampaign(app, { firmwareId: 999_999, stationIds: ['CW-A'], waveSize: 1, failureThreshold: 0 });
  assert.equal(noFw.status, 404);
  for (const failureThreshold of ['abc', '101%', -1]) {
    assert.equal((await createCampaign(app, { firmwareId, stationIds: ['CW-A'], waveSize: 1, failureThreshold })).status, 400, String(failureThreshold));
  }
  assert.equal((await createCampaign(app, { firmwareId, stationIds: ['CW-A', 'CW-A'], waveSize: 1, failureThreshold: 0 })).status, 400, 'duplicates');
  assert.equal((await createCampaign(app, { firmwareId, stationIds: [], waveSize: 1, failureThreshold: 0 })).status, 400);
  assert.equal((await app.request('GET', '/api/v1/firmware-campaigns/999999')).status, 404);
});

test('a campaign survives a restart: the next process goes on where the first stopped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-fw-restart-'));
  const pg = process.env.DATABASE_URL ? await isolatedPostgres(process.env.DATABASE_URL) : null;
  t.after(async () => {
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const reuse = { databaseUrl: pg?.url ?? null, sqlitePath: join(dir, 'plugboard.db') };
  const config = { ocpp: { allowUnsecured: true }, secretKeyFile: join(dir, 'secret.key'), files: { directory: join(dir, 'files') } };

  const first = await startTestApp({ reuse, config });
  let campaignId: number;
  try {
    const fw = await uploadFirmware(first, 'restart');
    const cps = await fleet(first, ['CR-A', 'CR-B']);
    const res = await createCampaign(first, { firmwareId: fw.id, stationIds: ['CR-A', 'CR-B'], waveSize: 1, failureThreshold: 0 });
    campaignId = res.body.id;
    await got(cps['CR-A']);
    await notify(cps['CR-A'], 'Downloading', 'Downloaded', 'Installing');
  } finally {
    await first.cleanup();
  }

  const second = await startTestApp({ reuse, config });
  try {
    let c = await campaign(second, campaignId);
    assert.equal(c.status, 'running');
    assert.deepEqual(stateOf(c), { 'CR-A': 'updating', 'CR-B': 'pending' });
    const cps = await fleet(second, ['CR-A', 'CR-B']);
    // A rebooted into the new image and reports it; the campaign moves on to B.
    await notify(cps['CR-A'], 'Installed');
    await got(cps['CR-B']);
    const sent = updatesTo(cps['CR-B'])[0].payload;
    assert.ok(sent.location.startsWith(second.ocppUrl().replace(/^ws:/, 'http:').replace(/\/ocpp$/, '')), 'the URL of the running process');
    const dl = await fetch(sent.location);
    assert.equal(await dl.text(), 'image of restart', 'the file survived too');
    await notify(cps['CR-B'], 'Installed');
    c = await until(second, campaignId, (x) => x.status === 'completed', 'completed after the restart');
    assert.equal(c.counts.installed, 2);
  } finally {
    await second.cleanup();
  }
});
