// The stations queries every connecting and booting charger runs (issue #4, boot storm): compiled
// once (db/prepared.ts), the auto-registration insert returning the row without reading it back,
// the BootNotification update returning the registration status in the same statement. On the
// database DATABASE_URL selects: the same rows and answers as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as store from '../../src/modules/stations/store.ts';
import type { Station } from '../../src/db/schema.ts';
import { dbLabel, openTestDb } from '../helpers/db.ts';
import { startCore } from '../helpers/core.ts';

const label = dbLabel();
const iso = (ms = 0) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();

function stationRow(id: string, status: Station['registration_status'], at = iso()): Station {
  return {
    id,
    registration_status: status,
    security_profile: 0,
    password_hash: null,
    password_verifier: null,
    vendor: null, model: null, charge_point_serial: null, charge_box_serial: null, firmware_version: null,
    iccid: null, imsi: null, meter_type: null, meter_serial: null, ocpp_protocol: null, ocpp_versions: null,
    last_boot_at: null, last_seen_at: null, last_connected_at: null, last_disconnected_at: null,
    created_at: at,
    updated_at: at,
  };
}

test(`[${label}] insertStationIfMissing: a new station is returned exactly as stored; an existing one is returned as stored, untouched`, async (t) => {
  const { db } = await openTestDb(t);
  const fresh = stationRow('NEW-1', 'Pending');
  const returned = await db.write((trx) => store.insertStationIfMissing(trx, fresh));
  assert.deepEqual(returned, await store.getStation(db.kysely, 'NEW-1'), 'the row given is the row stored');

  const again = await db.write((trx) => store.insertStationIfMissing(trx, stationRow('NEW-1', 'Accepted', iso(5))));
  assert.equal(again.registration_status, 'Pending', 'the stored row wins over the one given');
  assert.equal(again.created_at, iso());
  assert.deepEqual(again, await store.getStation(db.kysely, 'NEW-1'));

  assert.equal(await db.write((trx) => store.insertStationIfNew(trx, stationRow('NEW-1', 'Accepted'))), false);
  assert.equal(await db.write((trx) => store.insertStationIfNew(trx, stationRow('NEW-2', 'Accepted'))), true);
  assert.equal(await store.getStation(db.kysely, 'NOPE'), undefined);
});

test(`[${label}] recordBoot: stores what the charger says and returns the registration status as stored; undefined for no station`, async (t) => {
  const { db } = await openTestDb(t);
  await db.write((trx) => store.insertStationIfMissing(trx, stationRow('CP-B', 'Pending')));
  const boot: store.BootRecord = {
    vendor: 'ACME', model: 'Volt', chargePointSerial: 'SN1', chargeBoxSerial: null, firmwareVersion: '2.0',
    iccid: null, imsi: 'IMSI', meterType: null, meterSerial: 'M1', at: iso(1000),
  };
  assert.equal(await db.write((trx) => store.recordBoot(trx, 'CP-B', boot)), 'Pending');
  const row = (await store.getStation(db.kysely, 'CP-B'))!;
  assert.deepEqual(
    [row.vendor, row.model, row.charge_point_serial, row.charge_box_serial, row.firmware_version, row.imsi, row.meter_serial, row.last_boot_at, row.last_seen_at, row.updated_at],
    ['ACME', 'Volt', 'SN1', null, '2.0', 'IMSI', 'M1', iso(1000), iso(1000), iso(1000)],
  );
  // Changed by anyone (the API, another process): the next boot answers with it.
  await db.write((trx) => store.updateStation(trx, 'CP-B', { registration_status: 'Accepted' }));
  assert.equal(await db.write((trx) => store.recordBoot(trx, 'CP-B', { ...boot, at: iso(2000) })), 'Accepted');
  assert.equal(await db.write((trx) => store.recordBoot(trx, 'NO-SUCH', boot)), undefined);
  assert.equal(await store.getStation(db.kysely, 'NO-SUCH'), undefined, 'nothing inserted');
});

test(`[${label}] recordConnectorStatus: without a timestamp it always replaces; with one, only if not older; every report goes to the history`, async (t) => {
  const { db } = await openTestDb(t);
  const report = (status: string, timestamp: string | null, receivedAt: string, extra: Partial<store.ConnectorStatusInput> = {}): store.ConnectorStatusInput => ({
    stationId: 'CP-S', connectorId: 1, status, errorCode: 'NoError', info: null, vendorId: null, vendorErrorCode: null, timestamp, receivedAt, ...extra,
  });
  const current = async () => (await db.kysely.selectFrom('connector_status').selectAll().where('station_id', '=', 'CP-S').where('connector_id', '=', 1).executeTakeFirst())!;
  const record = (r: store.ConnectorStatusInput) => db.write((trx) => store.recordConnectorStatus(trx, r));

  await record(report('Available', null, iso(1)));
  assert.deepEqual(await current(), { station_id: 'CP-S', connector_id: 1, status: 'Available', error_code: 'NoError', info: null, vendor_id: null, vendor_error_code: null, timestamp: null, updated_at: iso(1) });
  await record(report('Preparing', iso(10), iso(11), { info: 'plug in', vendorId: 'acme', vendorErrorCode: 'E1', errorCode: 'OtherError' }));
  assert.deepEqual(await current(), { station_id: 'CP-S', connector_id: 1, status: 'Preparing', error_code: 'OtherError', info: 'plug in', vendor_id: 'acme', vendor_error_code: 'E1', timestamp: iso(10), updated_at: iso(11) });
  await record(report('Faulted', iso(5), iso(12)));
  assert.equal((await current()).status, 'Preparing', 'an older report does not replace a newer state');
  await record(report('Charging', iso(10), iso(13)));
  assert.equal((await current()).status, 'Charging', 'a report as old as the current one replaces it');
  await record(report('Finishing', null, iso(14)));
  assert.deepEqual([(await current()).status, (await current()).timestamp], ['Finishing', null], 'no timestamp: replaces whatever is there');
  await record(report('Available', iso(1), iso(15)));
  assert.equal((await current()).status, 'Available', 'a current state without a timestamp is replaced by a timed report');
  await record(report('Unavailable', null, iso(16), { connectorId: 2 }));

  const history = await db.kysely.selectFrom('status_history').selectAll().where('station_id', '=', 'CP-S').orderBy('id').execute();
  assert.deepEqual(history.map((h) => [h.connector_id, h.status, h.timestamp, h.received_at]), [
    [1, 'Available', null, iso(1)],
    [1, 'Preparing', iso(10), iso(11)],
    [1, 'Faulted', iso(5), iso(12)],
    [1, 'Charging', iso(10), iso(13)],
    [1, 'Finishing', null, iso(14)],
    [1, 'Available', iso(1), iso(15)],
    [2, 'Unavailable', null, iso(16)],
  ]);
  assert.deepEqual([history[1].info, history[1].vendor_id, history[1].vendor_error_code, history[1].error_code], ['plug in', 'acme', 'E1', 'OtherError']);
});

test(`[${label}] BootNotification answers with the registration status as stored now, whoever changed it`, async (t) => {
  const core = await startCore({ ocpp: { allowUnsecured: true }, registration: { unknownStations: 'pending' } });
  t.after(() => core.cleanup());
  const stations = core.ctx.services.stations;
  const info = { chargePointVendor: 'ACME', chargePointModel: 'Volt' };

  assert.deepEqual(await stations.authenticate({ identity: 'CP-R', password: null, secure: false, remoteAddress: '127.0.0.1' }), { ok: true, versions: null });
  const registered = (await stations.get('CP-R'))!;
  assert.equal(registered.registration_status, 'Pending');
  assert.equal(registered.security_profile, 0);
  assert.equal((await stations.boot('CP-R', info)).status, 'Pending');
  await assert.rejects(stations.gate('CP-R', 'Heartbeat'), /Pending/);

  await stations.update('CP-R', { registrationStatus: 'Accepted' });
  await stations.gate('CP-R', 'Heartbeat');
  assert.equal((await stations.boot('CP-R', info)).status, 'Accepted');

  // As another process (or a manual fix in the database) would: not through this service.
  await core.ctx.db.write((trx) => store.updateStation(trx, 'CP-R', { registration_status: 'Rejected' }));
  const boot = await stations.boot('CP-R', info);
  assert.equal(boot.status, 'Rejected');
  assert.equal(boot.interval, core.ctx.config.registration.retryIntervalSeconds);
  await assert.rejects(stations.gate('CP-R', 'Heartbeat'), /Rejected/, 'the gate follows the status the boot read');

  await stations.setRegistrationStatus('CP-R', 'Accepted');
  await stations.gate('CP-R', 'Heartbeat');
  assert.equal((await stations.get('CP-R'))!.vendor, 'ACME');

  assert.equal(await stations.remove('CP-R'), true);
  await assert.rejects(stations.boot('CP-R', info), /station record missing/);
  await assert.rejects(stations.gate('CP-R', 'Heartbeat'), /not registered/);
});
