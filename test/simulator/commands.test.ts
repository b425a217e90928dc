// Commands sent through Plugboard's services reach simulated stations and have the effect a
// real charger's would: what Plugboard stores afterwards is the proof.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { createFleet, type Fleet } from '../../src/simulator/fleet.ts';
import type { SimEvent } from '../../src/simulator/types.ts';
import { FAST, frames, meterValues, transactions } from './support.ts';
import { createSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedPair } from '../helpers/signing-certs.ts';

let app: TestApp;
let fleet: Fleet;
const events: SimEvent[] = [];

before(async () => {
  app = await startOpenApp();
  // Idle stations: nothing happens on them unless a command says so.
  fleet = createFleet({ url: app.ocppUrl(), ...FAST, count: 9, identity: 'CMD-{n:1}', behaviour: 'idle', connectors: 2, acPowerKw: 22, onEvent: (e) => events.push(e) });
  await fleet.start();
  assert.equal(fleet.stats().booted, 9);
});

after(async () => {
  await fleet.stop({ endTransactions: false, timeoutMs: 1000 });
  await app.cleanup();
});

const services = () => app.ctx.services;
const send = (stationId: string, action: string, payload: unknown) => services().commands.send(stationId, action, payload) as Promise<any>;

function connectorStatus(stationId: string, connectorId: number) {
  return app.ctx.db.kysely.selectFrom('connector_status').select('status').where('station_id', '=', stationId).where('connector_id', '=', connectorId).executeTakeFirst();
}

async function waitStatus(stationId: string, connectorId: number, status: string) {
  await eventually(async () => (await connectorStatus(stationId, connectorId))?.status === status, 5000, `${stationId}/${connectorId} ${status}`);
}

/** Remote-starts a session and waits until Plugboard has the transaction and the station knows its id. */
async function charging(stationId: string, connectorId: number, idTag: string) {
  assert.deepEqual(await services().transactions.remoteStart(stationId, { connectorId, idTag }), { status: 'Accepted' });
  const tx = await eventually(async () => (await transactions(app, stationId)).find((t) => t.connector_id === connectorId && t.stop_timestamp === null), 5000, 'transaction');
  await eventually(() => fleet.station(stationId)!.connector(connectorId)!.tx?.transactionId === tx.id, 5000, 'transaction id at the station');
  return tx;
}

// The charger's own StopTransaction (it carries meterStop): a BootNotification before it, as after
// a hard reset, already closes the transaction with 'station rebooted' and no meter reading.
async function stoppedTx(id: number) {
  return eventually(async () => (await transactions(app)).find((t) => t.id === id && t.meter_stop !== null), 5000, `stop of ${id}`);
}

// Each test has a station of its own, so they run side by side.
describe('commands to simulated stations', { concurrency: true }, () => {
  test('RemoteStartTransaction starts a real session; RemoteStopTransaction ends it', async () => {
    await services().authorization.upsertToken({ idTag: 'REMOTE-1' });
    const tx = await charging('CMD-1', 1, 'REMOTE-1');
    assert.equal(tx.id_tag, 'REMOTE-1');
    await waitStatus('CMD-1', 1, 'Charging');
    // The connector is taken now; the other one is free.
    assert.deepEqual(await send('CMD-1', 'RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-1' }), { status: 'Rejected' });
    assert.deepEqual(await send('CMD-1', 'RemoteStopTransaction', { transactionId: tx.id + 1000 }), { status: 'Rejected' });
    await eventually(async () => (await meterValues(app, tx.id)).some((r) => r.source === 'MeterValues'), 5000, 'a periodic sample');
    assert.deepEqual(await services().transactions.remoteStop(tx.id), { status: 'Accepted' });
    const stopped = await stoppedTx(tx.id);
    assert.equal(stopped.stop_reason, 'Remote');
    assert.equal(stopped.stop_id_tag, null);
    assert.ok(stopped.meter_stop! >= stopped.meter_start);
    const samples = (await meterValues(app, tx.id)).filter((r) => r.source === 'MeterValues');
    assert.ok(samples.length > 0, 'periodic meter values while charging');
    await waitStatus('CMD-1', 1, 'Available');
  });

  test('AuthorizeRemoteTxRequests=true: a remote start is authorized first, and an unknown token starts nothing', async () => {
    assert.deepEqual(await services().stations.changeConfiguration('CMD-2', { key: 'AuthorizeRemoteTxRequests', value: 'true' }), { status: 'Accepted' });
    assert.deepEqual(await services().transactions.remoteStart('CMD-2', { connectorId: 1, idTag: 'NOBODY' }), { status: 'Accepted' });
    await eventually(async () => (await frames(app, 'CMD-2', { direction: 'in', action: 'Authorize' })).length === 1, 5000, 'Authorize');
    await waitStatus('CMD-2', 1, 'Available');
    assert.equal((await transactions(app, 'CMD-2')).length, 0);

    await services().authorization.upsertToken({ idTag: 'KNOWN-2' });
    const tx = await charging('CMD-2', 1, 'KNOWN-2');
    // (the message log is written in batches: wait for the Start to be in it)
    const calls = await eventually(async () => {
      const log = (await frames(app, 'CMD-2', { direction: 'in' })).map((f) => `${f.action}${f.action === 'Authorize' ? `:${f.payload.idTag}` : ''}`);
      return log.includes('StartTransaction') ? log : null;
    }, 5000, 'StartTransaction in the message log');
    assert.ok(calls.includes('Authorize:KNOWN-2') && calls.indexOf('Authorize:KNOWN-2') < calls.indexOf('StartTransaction'), calls.join());
    await services().transactions.remoteStop(tx.id);
    await stoppedTx(tx.id);
  });

  test('configuration keys: read-only Rejected, bad values Rejected, unknown NotSupported, changes take effect', async () => {
    const st = 'CMD-3';
    const all = (await services().stations.getConfiguration(st)) as any;
    const byKey = new Map(all.configurationKey.map((k: any) => [k.key, k]));
    assert.deepEqual(byKey.get('NumberOfConnectors'), { key: 'NumberOfConnectors', readonly: true, value: '2' });
    // HeartbeatInterval comes from Plugboard's BootNotification answer (its default, 300 s)
    assert.deepEqual(byKey.get('HeartbeatInterval'), { key: 'HeartbeatInterval', readonly: false, value: '300' });
    for (const key of ['AuthorizeRemoteTxRequests', 'ClockAlignedDataInterval', 'ConnectionTimeOut', 'GetConfigurationMaxKeys', 'LocalAuthorizeOffline', 'MeterValuesSampledData', 'StopTxnSampledData', 'SupportedFeatureProfiles', 'TransactionMessageAttempts', 'LocalAuthListMaxLength', 'ChargeProfileMaxStackLevel']) {
      assert.ok(byKey.has(key), key);
    }
    assert.ok(!byKey.has('AuthorizationKey'), 'write-only keys are never reported');
    assert.deepEqual(await services().stations.getConfiguration(st, { key: ['MeterValueSampleInterval', 'NoSuchKey'] }), {
      configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '1' }],
      unknownKey: ['NoSuchKey'],
    });

    const change = (key: string, value: string) => services().stations.changeConfiguration(st, { key, value });
    assert.deepEqual(await change('NumberOfConnectors', '4'), { status: 'Rejected' });
    assert.deepEqual(await change('SupportedFeatureProfiles', 'Core'), { status: 'Rejected' });
    assert.deepEqual(await change('MeterValueSampleInterval', '-1'), { status: 'Rejected' });
    assert.deepEqual(await change('MeterValueSampleInterval', 'often'), { status: 'Rejected' });
    assert.deepEqual(await change('LocalPreAuthorize', 'yes'), { status: 'Rejected' });
    assert.deepEqual(await change('MeterValuesSampledData', 'Energy.Active.Import.Register,RPM'), { status: 'Rejected' });
    assert.deepEqual(await change('NoSuchKey', '1'), { status: 'NotSupported' });
    assert.deepEqual(await change('MeterValueSampleInterval', '2'), { status: 'Accepted' });
    assert.deepEqual(await services().stations.getConfiguration(st, { key: ['MeterValueSampleInterval'] }), {
      configurationKey: [{ key: 'MeterValueSampleInterval', readonly: false, value: '2' }],
      unknownKey: [],
    });

    // A shorter heartbeat interval makes the station beat at once.
    const beats = (await frames(app, st, { direction: 'in', action: 'Heartbeat' })).length;
    assert.deepEqual(await change('HeartbeatInterval', '1'), { status: 'Accepted' });
    await eventually(async () => (await frames(app, st, { direction: 'in', action: 'Heartbeat' })).length >= beats + 1, 5000, 'heartbeats');
    assert.deepEqual(await change('HeartbeatInterval', '300'), { status: 'Accepted' });
  });

  test('Soft reset: the running transaction stops (SoftReset), the station reboots, boots and reports Available', async () => {
    const st = 'CMD-4';
    const station = fleet.station(st)!;
    await services().authorization.upsertToken({ idTag: 'RESET-4' });
    const tx = await charging(st, 1, 'RESET-4');
    const boots = station.bootCount;
    assert.deepEqual(await services().stations.reset(st, { type: 'Soft' }), { status: 'Accepted' });
    assert.equal((await stoppedTx(tx.id)).stop_reason, 'SoftReset');
    await eventually(() => station.bootCount === boots + 1 && station.isReady(), 5000, 'boot after reset');
    await eventually(async () => (await frames(app, st, { direction: 'in', action: 'BootNotification' })).length === 2, 5000, 'second BootNotification');
    assert.ok(events.some((e) => e.type === 'rebooting' && e.stationId === st));
    await waitStatus(st, 1, 'Available');

    // Hard reset: the power goes at once, so the StopTransaction (HardReset) comes after the next boot.
    const tx2 = await charging(st, 2, 'RESET-4');
    assert.deepEqual(await services().stations.reset(st, { type: 'Hard' }), { status: 'Accepted' });
    assert.equal((await stoppedTx(tx2.id)).stop_reason, 'HardReset');
    const log = await eventually(async () => {
      const rows = await frames(app, st, { direction: 'in' });
      return rows.some((f) => f.action === 'StopTransaction' && f.payload.transactionId === tx2.id) ? rows : null;
    }, 5000, 'StopTransaction in the message log');
    const lastBoot = log.findLastIndex((f) => f.action === 'BootNotification');
    const stop = log.findIndex((f) => f.action === 'StopTransaction' && f.payload.transactionId === tx2.id);
    assert.equal(log.filter((f) => f.action === 'BootNotification').length, 3);
    assert.ok(stop > lastBoot, 'StopTransaction(HardReset) follows the BootNotification');
    // after the boot: StatusNotification for connector 0 and each connector, before the queued Stop
    const afterBoot = log.slice(lastBoot + 1, stop).filter((f) => f.action === 'StatusNotification').map((f) => f.payload.connectorId);
    assert.deepEqual(afterBoot, [0, 1, 2]);
  });

  test('ChangeAvailability (Scheduled while charging), UnlockConnector, TriggerMessage, DataTransfer, ClearCache', async () => {
    const st = 'CMD-5';
    assert.deepEqual(await services().stations.changeAvailability(st, { connectorId: 2, type: 'Inoperative' }), { status: 'Accepted' });
    await waitStatus(st, 2, 'Unavailable');
    assert.deepEqual(await send(st, 'RemoteStartTransaction', { connectorId: 2, idTag: 'X' }), { status: 'Rejected' });
    assert.deepEqual(await services().stations.changeAvailability(st, { connectorId: 2, type: 'Operative' }), { status: 'Accepted' });
    await waitStatus(st, 2, 'Available');
    assert.deepEqual(await services().stations.changeAvailability(st, { connectorId: 3, type: 'Operative' }), { status: 'Rejected' });

    await services().authorization.upsertToken({ idTag: 'UNLOCK-5' });
    const tx = await charging(st, 1, 'UNLOCK-5');
    assert.deepEqual(await services().stations.changeAvailability(st, { connectorId: 1, type: 'Inoperative' }), { status: 'Scheduled' });
    assert.deepEqual(await services().stations.unlockConnector(st, { connectorId: 1 }), { status: 'Unlocked' });
    assert.equal((await stoppedTx(tx.id)).stop_reason, 'UnlockCommand');
    // the scheduled change applies once the transaction is over
    await waitStatus(st, 1, 'Unavailable');
    assert.deepEqual(await services().stations.changeAvailability(st, { connectorId: 1, type: 'Operative' }), { status: 'Accepted' });
    await waitStatus(st, 1, 'Available');

    assert.deepEqual(await send(st, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 3 }), { status: 'Rejected' });
    assert.deepEqual(await send(st, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 2 }), { status: 'Accepted' });
    assert.deepEqual(await send(st, 'TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    assert.deepEqual(await send(st, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
    await eventually(async () => {
      const log = await frames(app, st, { direction: 'in' });
      const mv = log.find((f) => f.action === 'MeterValues' && f.payload.connectorId === 2);
      return mv?.payload.meterValue[0].sampledValue[0].context === 'Trigger' && log.some((f) => f.action === 'Heartbeat') && log.some((f) => f.action === 'FirmwareStatusNotification' && f.payload.status === 'Idle');
    }, 5000, 'triggered messages');

    assert.deepEqual(await services().stations.sendDataTransfer(st, { vendorId: 'com.example', messageId: 'x' }), { status: 'UnknownVendorId' });
    assert.deepEqual(await send(st, 'ClearCache', {}), { status: 'Accepted' });
    await assert.rejects(send(st, 'GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }), (err: any) => err.code === 'NotSupported');
  });

  test('local list and reservations are kept by the station', async () => {
    const st = 'CMD-6';
    assert.deepEqual(await send(st, 'GetLocalListVersion', {}), { listVersion: 0 });
    assert.deepEqual(await send(st, 'SendLocalList', { listVersion: 5, updateType: 'Full', localAuthorizationList: [{ idTag: 'LL-1', idTagInfo: { status: 'Accepted' } }] }), { status: 'Accepted' });
    assert.deepEqual(await send(st, 'GetLocalListVersion', {}), { listVersion: 5 });
    assert.deepEqual(await send(st, 'SendLocalList', { listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LL-2', idTagInfo: { status: 'Accepted' } }] }), { status: 'VersionMismatch' });
    assert.deepEqual(await send(st, 'SendLocalList', { listVersion: 6, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LL-1' }] }), { status: 'Accepted' });
    assert.deepEqual(await send(st, 'GetLocalListVersion', {}), { listVersion: 0 }, 'an emptied list reads 0');

    const expiryDate = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual(await send(st, 'ReserveNow', { connectorId: 0, expiryDate, idTag: 'RES-6', reservationId: 61 }), { status: 'Rejected' });
    assert.deepEqual(await send(st, 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'RES-6', reservationId: 61 }), { status: 'Accepted' });
    await waitStatus(st, 1, 'Reserved');
    assert.deepEqual(await send(st, 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'OTHER', reservationId: 62 }), { status: 'Occupied' });
    assert.deepEqual(await send(st, 'RemoteStartTransaction', { connectorId: 1, idTag: 'OTHER' }), { status: 'Rejected' });
    assert.deepEqual(await send(st, 'CancelReservation', { reservationId: 61 }), { status: 'Accepted' });
    await waitStatus(st, 1, 'Available');
    assert.deepEqual(await send(st, 'CancelReservation', { reservationId: 61 }), { status: 'Rejected' });
  });

  test('charging profiles limit the simulated power; GetCompositeSchedule reports the limit', async () => {
    const st = 'CMD-7';
    await services().authorization.upsertToken({ idTag: 'SMART-7' });
    const tx = await charging(st, 1, 'SMART-7');
    const profile = (id: number, purpose: string, limit: number, extra: Record<string, unknown> = {}) => ({
      chargingProfileId: id,
      stackLevel: 1,
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
      ...extra,
    });
    assert.deepEqual(await send(st, 'SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(70, 'TxProfile', 1000) }), { status: 'Rejected' }, 'no transaction on connector 2');
    assert.deepEqual(await send(st, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(71, 'TxProfile', 1000, { transactionId: tx.id }) }), { status: 'Accepted' });
    const composite = await send(st, 'GetCompositeSchedule', { connectorId: 1, duration: 600, chargingRateUnit: 'W' });
    assert.equal(composite.status, 'Accepted');
    assert.deepEqual(composite.chargingSchedule.chargingSchedulePeriod.map((p: any) => [p.startPeriod, p.limit]), [[0, 1000]]);

    // Samples taken after the limit was in place: by the time a sample was taken, not the order
    // rows arrive in (a sample taken just before may still be on its way, on a loaded machine).
    const powerAfter = async (since: number) => {
      const rows = (await meterValues(app, tx.id)).filter((r) => r.measurand === 'Power.Active.Import' && r.timestamp !== null && Date.parse(r.timestamp) > since);
      return rows.map((r) => Number(r.value));
    };
    let mark = Date.now();
    const limited = await eventually(async () => {
      const p = await powerAfter(mark);
      return p.length >= 1 ? p : null;
    }, 5000, 'a sample under the TxProfile');
    assert.ok(limited.every((w) => w > 0 && w <= 1000), `power under a 1000 W profile: ${limited}`);

    // A station-wide limit of 0 W suspends the session (SuspendedEVSE); clearing it resumes.
    assert.deepEqual(await send(st, 'SetChargingProfile', { connectorId: 0, csChargingProfiles: { ...profile(72, 'ChargePointMaxProfile', 0), chargingProfileKind: 'Absolute' } }), { status: 'Accepted' });
    await waitStatus(st, 1, 'SuspendedEVSE');
    mark = Date.now();
    const suspended = await eventually(async () => {
      const p = await powerAfter(mark);
      return p.length >= 1 ? p : null;
    }, 5000, 'a sample while suspended');
    assert.deepEqual(suspended, suspended.map(() => 0));
    const zero = await send(st, 'GetCompositeSchedule', { connectorId: 0, duration: 60 });
    assert.equal(zero.chargingSchedule.chargingSchedulePeriod[0].limit, 0);
    assert.deepEqual(await send(st, 'ClearChargingProfile', { chargingProfilePurpose: 'ChargePointMaxProfile' }), { status: 'Accepted' });
    assert.deepEqual(await send(st, 'ClearChargingProfile', { id: 999 }), { status: 'Unknown' });
    await waitStatus(st, 1, 'Charging');
    await services().transactions.remoteStop(tx.id);
    await stoppedTx(tx.id);
    // the TxProfile ended with its transaction
    assert.deepEqual(await send(st, 'ClearChargingProfile', { id: 71 }), { status: 'Unknown' });
  });

  test('UpdateFirmware downloads over HTTP, installs, reboots and reports Installed; GetDiagnostics uploads with PUT', async (t) => {
    const st = 'CMD-8';
    const requests: Array<{ method: string; url: string; body: string }> = [];
    const server: Server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, body });
        if (req.method === 'GET' && req.url === '/fw/acme-2.0.bin') res.end(Buffer.alloc(64 * 1024, 7));
        else if (req.method === 'PUT' && req.url!.startsWith('/upload/')) res.writeHead(201).end();
        else res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const statuses = (type: string) => events.filter((e) => e.type === type && e.stationId === st).map((e) => (e as { status: string }).status);

    assert.deepEqual(await send(st, 'UpdateFirmware', { location: `${base}/fw/acme-2.0.bin`, retrieveDate: new Date().toISOString() }), {});
    await eventually(() => statuses('firmwareStatus').at(-1) === 'Installed', 8000, 'Installed');
    assert.deepEqual(statuses('firmwareStatus'), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
    assert.ok(requests.some((r) => r.method === 'GET' && r.url === '/fw/acme-2.0.bin'));
    // the reboot's BootNotification carries the new version, and Plugboard saw every status
    const station = await eventually(() => app.ctx.db.kysely.selectFrom('stations').selectAll().where('id', '=', st).where('firmware_version', '=', 'acme-2.0').executeTakeFirst(), 5000, 'new version');
    assert.equal(station.firmware_version, 'acme-2.0');
    await eventually(async () => (await frames(app, st, { direction: 'in', action: 'FirmwareStatusNotification' })).map((f) => f.payload.status).join() === 'Downloading,Downloaded,Installing,Installed', 5000, 'firmware statuses in the message log');

    // An HTTP error: DownloadFailed, and no reboot.
    const seen = statuses('firmwareStatus').length;
    await send(st, 'UpdateFirmware', { location: `${base}/fw/missing.bin`, retrieveDate: new Date().toISOString(), retries: 1, retryInterval: 1 });
    await eventually(() => statuses('firmwareStatus').at(-1) === 'DownloadFailed', 8000, 'DownloadFailed');
    assert.deepEqual(statuses('firmwareStatus').slice(seen), ['Downloading', 'DownloadFailed']);
    assert.equal(requests.filter((r) => r.url === '/fw/missing.bin').length, 2, 'one try and one retry');

    const answer = await send(st, 'GetDiagnostics', { location: `${base}/upload/` });
    assert.match(answer.fileName, /^CMD-8-diagnostics-.*\.json$/);
    await eventually(() => statuses('diagnosticsStatus').at(-1) === 'Uploaded', 5000, 'Uploaded');
    const put = requests.find((r) => r.method === 'PUT')!;
    assert.equal(put.url, `/upload/${answer.fileName}`);
    assert.equal(JSON.parse(put.body).stationId, st);
    assert.deepEqual(statuses('diagnosticsStatus'), ['Uploading', 'Uploaded']);
    // nobody listening at the location: UploadFailed
    await send(st, 'GetDiagnostics', { location: 'http://127.0.0.1:9/upload/' });
    await eventually(() => statuses('diagnosticsStatus').at(-1) === 'UploadFailed', 5000, 'UploadFailed');
  });

  test('SignedUpdateFirmware: the station verifies the signature over the download, installs and reports by requestId; a bad signature is InvalidSignature', async (t) => {
    const st = 'CMD-9';
    const image = Buffer.alloc(32 * 1024, 9);
    const server: Server = createServer((req, res) => (req.url === '/fw/acme-3.0.bin' ? res.end(image) : res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const keys = mkdtempSync(join(tmpdir(), 'plugboard-sim-fw-'));
    t.after(() => {
      server.close();
      rmSync(keys, { recursive: true, force: true });
    });
    const pair = selfSignedPair(keys, 'sim-vendor', 'ec');
    const location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fw/acme-3.0.bin`;
    const statuses = () => events.filter((e) => e.type === 'firmwareStatus' && e.stationId === st).map((e) => (e as { status: string }).status);
    const update = (signature: string) => services().firmware.updates.request(st, { location, signed: true, signature, signingCertificate: pair.certificatePem });

    const good = await update(createSign('sha256').update(image).sign(pair.keyPem).toString('base64'));
    assert.equal(good.command_status, 'accepted');
    await eventually(() => statuses().at(-1) === 'Installed', 8000, 'Installed');
    assert.deepEqual(statuses(), ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'InstallRebooting', 'Installed']);
    const done = await eventually(async () => {
      const u = await services().firmware.updates.get(good.id);
      return u?.firmware_version_after && u.firmware_status === 'Installed' ? u : null;
    }, 5000, 'Installed and the new version recorded');
    assert.equal(done.firmware_version_after, 'acme-3.0');
    const sent = await eventually(async () => {
      const f = await frames(app, st, { direction: 'in', action: 'SignedFirmwareStatusNotification' });
      return f.length === 6 ? f : null;
    }, 5000, 'six SignedFirmwareStatusNotifications in the message log');
    assert.ok(sent.every((f) => f.payload.requestId === good.id), 'every status carries the requestId');

    const seen = statuses().length;
    const bad = await update(createSign('sha256').update(Buffer.from('something else')).sign(pair.keyPem).toString('base64'));
    await eventually(() => statuses().at(-1) === 'InvalidSignature', 8000, 'InvalidSignature');
    assert.deepEqual(statuses().slice(seen), ['Downloading', 'Downloaded', 'InvalidSignature']);
    const failed = await eventually(async () => {
      const u = await services().firmware.updates.get(bad.id);
      return u?.failure ? u : null;
    }, 5000, 'the update marked failed');
    assert.equal(failed.failure, 'InvalidSignature');
  });
});
