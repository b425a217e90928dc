// Acceptance: a charger built on ocpp-rpc, an OCPP-J implementation independent of ours, in
// strict mode (it validates every CALLRESULT we send and every CALL we make against the
// official OCA 1.6 schemas), with Basic auth (security profile 1), runs a whole session and
// answers every Core command. What it sent must be in the database afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RPCClient } from 'ocpp-rpc';
import { eventually, startTestApp, type TestApp } from '../helpers/app.ts';
import { OcppError } from '../../src/protocol/index.ts';
import { ISO_UTC } from './support.ts';

const STATION = 'RPC CP/01';
const PASSWORD = 'a-long-random-secret-0123456789';
const ID_TAG = 'RPC-TAG-1';

// An OCMF-style signed reading (Eichrecht): pipes, braces, quotes and base64, to be stored byte for byte.
const SIGNED_VALUE =
  'OCMF|{"FV":"1.0","GI":"SEAL AG","GS":"1850006a","GV":"1.34","PG":"T9289","RD":[{"TM":"2026-03-01T10:15:00,000+0000 S","TX":"B","RV":268.978,"RI":"1-b:1.8.0","RU":"kWh","ST":"G"}]}|{"SD":"304402201b1a3eb6a3c6ff2b6e7d0e7c52ef0a2b4e7b0c2c8d","SA":"ECDSA-secp256r1-SHA256"}';

interface StrictFailure {
  method: string;
  error: Error;
  outbound: boolean;
  isCall: boolean;
}

function rpcClient(app: TestApp, identity: string, password: string): { client: RPCClient; failures: StrictFailure[] } {
  const client = new RPCClient({
    endpoint: app.ocppUrl(),
    identity,
    password,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 5000,
  } as ConstructorParameters<typeof RPCClient>[0]);
  const failures: StrictFailure[] = [];
  client.on('strictValidationFailure', (f: StrictFailure) => failures.push(f));
  return { client, failures };
}

test('ocpp-rpc (strict mode, Basic auth) runs a full session and every frame we send is schema-valid', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const { stations, authorization } = app.ctx.services;
  await stations.create({ id: STATION, password: PASSWORD });
  await authorization.upsertToken({ idTag: ID_TAG, expiryDate: '2099-12-31T23:59:59.000Z' });

  const { client, failures } = rpcClient(app, STATION, PASSWORD);
  await client.connect();
  t.after(() => client.close({ force: true }));
  assert.equal(client.protocol, 'ocpp1.6');

  const boot = (await client.call('BootNotification', {
    chargePointVendor: 'ACME Charging',
    chargePointModel: 'Wallbox X2',
    chargePointSerialNumber: 'CPS-0001',
    chargeBoxSerialNumber: 'CBS-0002',
    firmwareVersion: '4.2.1-rc3',
    iccid: '89310410106543789301',
    imsi: '204043725000001',
    meterType: 'EMH eHZ',
    meterSerialNumber: 'MTR-778899',
  })) as { status: string; currentTime: string; interval: number };
  assert.equal(boot.status, 'Accepted');
  assert.equal(boot.interval, app.config.registration.heartbeatIntervalSeconds);
  assert.match(boot.currentTime, ISO_UTC);

  const hb = (await client.call('Heartbeat', {})) as { currentTime: string };
  assert.match(hb.currentTime, ISO_UTC);

  assert.deepEqual(await client.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available' }), {});
  assert.deepEqual(
    await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: '2026-03-01T10:00:00.000Z' }),
    {},
  );
  await client.call('StatusNotification', {
    connectorId: 1,
    errorCode: 'NoError',
    status: 'Preparing',
    info: 'cable plugged',
    vendorId: 'com.acme',
    vendorErrorCode: 'E0',
    timestamp: '2026-03-01T10:14:00.000Z',
  });

  const auth = (await client.call('Authorize', { idTag: ID_TAG })) as { idTagInfo: { status: string; expiryDate?: string } };
  assert.equal(auth.idTagInfo.status, 'Accepted');
  assert.equal(Date.parse(auth.idTagInfo.expiryDate!), Date.parse('2099-12-31T23:59:59.000Z'));

  const start = (await client.call('StartTransaction', {
    connectorId: 1,
    idTag: ID_TAG,
    meterStart: 268978,
    timestamp: '2026-03-01T10:15:00.000Z',
  })) as { transactionId: number; idTagInfo: { status: string } };
  assert.equal(start.idTagInfo.status, 'Accepted');
  assert.ok(Number.isInteger(start.transactionId) && start.transactionId > 0, `transactionId ${start.transactionId}`);
  const transactionId = start.transactionId;

  await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: '2026-03-01T10:15:01.000Z' });

  assert.deepEqual(
    await client.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: '2026-03-01T10:15:00.000Z',
          sampledValue: [{ value: SIGNED_VALUE, context: 'Transaction.Begin', format: 'SignedData', measurand: 'Energy.Active.Import.Register', unit: 'kWh', location: 'Outlet' }],
        },
        {
          timestamp: '2026-03-01T10:20:00.000Z',
          sampledValue: [
            // Every optional field omitted: the spec's defaults apply (OCPP 1.6 §7.43).
            { value: '270123' },
            { value: '230.4', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
            { value: '229.8', measurand: 'Voltage', phase: 'L2-N', unit: 'V' },
            { value: '231.0', measurand: 'Voltage', phase: 'L3-N', unit: 'V' },
            { value: '15.9', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
            { value: '16.1', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
            { value: '16.0', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
            { value: '11.04', measurand: 'Power.Active.Import', unit: 'kW', context: 'Sample.Periodic' },
            { value: '54', measurand: 'SoC', unit: 'Percent', location: 'EV' },
            { value: '31.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
          ],
        },
      ],
    }),
    {},
  );

  const stop = (await client.call('StopTransaction', {
    transactionId,
    idTag: ID_TAG,
    meterStop: 280456,
    timestamp: '2026-03-01T11:00:00.000Z',
    reason: 'EVDisconnected',
    transactionData: [
      { timestamp: '2026-03-01T10:15:00.000Z', sampledValue: [{ value: '268978', context: 'Transaction.Begin' }] },
      {
        timestamp: '2026-03-01T11:00:00.000Z',
        sampledValue: [
          { value: '280456', context: 'Transaction.End' },
          { value: SIGNED_VALUE.replace('"TX":"B"', '"TX":"E"'), context: 'Transaction.End', format: 'SignedData', unit: 'kWh' },
        ],
      },
    ],
  })) as { idTagInfo?: { status: string } };
  assert.equal(stop.idTagInfo?.status, 'Accepted');

  await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Finishing', timestamp: '2026-03-01T11:00:01.000Z' });
  await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: '2026-03-01T11:01:00.000Z' });

  assert.deepEqual(failures, [], 'ocpp-rpc found no schema violation in what we sent');

  // --- what the operator sees in the database ---
  // Connection timestamps and the negotiated protocol are coalesced writes (within ~250 ms).
  await app.ctx.db.flush();
  const db = app.ctx.db.kysely;
  const station = await db.selectFrom('stations').selectAll().where('id', '=', STATION).executeTakeFirstOrThrow();
  assert.deepEqual(
    {
      vendor: station.vendor, model: station.model, cps: station.charge_point_serial, cbs: station.charge_box_serial,
      fw: station.firmware_version, iccid: station.iccid, imsi: station.imsi, meterType: station.meter_type, meterSerial: station.meter_serial,
      protocol: station.ocpp_protocol, status: station.registration_status,
    },
    {
      vendor: 'ACME Charging', model: 'Wallbox X2', cps: 'CPS-0001', cbs: 'CBS-0002', fw: '4.2.1-rc3', iccid: '89310410106543789301',
      imsi: '204043725000001', meterType: 'EMH eHZ', meterSerial: 'MTR-778899', protocol: 'ocpp1.6', status: 'Accepted',
    },
  );
  assert.match(station.last_boot_at ?? '', ISO_UTC);
  assert.match(station.last_seen_at ?? '', ISO_UTC);
  assert.ok(station.password_hash && !station.password_hash.includes(PASSWORD), 'the password is stored hashed');

  const connectors = await db.selectFrom('connector_status').selectAll().where('station_id', '=', STATION).orderBy('connector_id').execute();
  assert.deepEqual(
    connectors.map((c) => [c.connector_id, c.status, c.error_code]),
    [
      [0, 'Available', 'NoError'],
      [1, 'Available', 'NoError'],
    ],
  );
  assert.equal(connectors[0].timestamp, null, 'connector 0 was sent without a timestamp');
  assert.equal(Date.parse(connectors[1].timestamp!), Date.parse('2026-03-01T11:01:00.000Z'));

  const history = await db.selectFrom('status_history').selectAll().where('station_id', '=', STATION).where('connector_id', '=', 1).orderBy('id').execute();
  assert.deepEqual(
    history.map((h) => h.status),
    ['Available', 'Preparing', 'Charging', 'Finishing', 'Available'],
  );
  const preparing = history[1];
  assert.deepEqual([preparing.info, preparing.vendor_id, preparing.vendor_error_code], ['cable plugged', 'com.acme', 'E0']);

  const tx = await db.selectFrom('transactions').selectAll().where('id', '=', transactionId).executeTakeFirstOrThrow();
  assert.deepEqual(
    {
      station: tx.station_id, connector: tx.connector_id, idTag: tx.id_tag, startStatus: tx.start_id_tag_status,
      meterStart: Number(tx.meter_start), meterStop: Number(tx.meter_stop), reason: tx.stop_reason, stopIdTag: tx.stop_id_tag,
    },
    { station: STATION, connector: 1, idTag: ID_TAG, startStatus: 'Accepted', meterStart: 268978, meterStop: 280456, reason: 'EVDisconnected', stopIdTag: ID_TAG },
  );
  assert.equal(Date.parse(tx.start_timestamp), Date.parse('2026-03-01T10:15:00.000Z'));
  assert.equal(Date.parse(tx.stop_timestamp!), Date.parse('2026-03-01T11:00:00.000Z'));

  const mv = await db.selectFrom('meter_values').selectAll().where('station_id', '=', STATION).orderBy('id').execute();
  assert.equal(mv.length, 1 + 10 + 3, 'every sampled value of MeterValues and of transactionData is a row');
  assert.ok(mv.every((r) => r.transaction_id === transactionId && r.connector_id === 1));
  const fromMeterValues = mv.filter((r) => r.source === 'MeterValues');
  const fromStop = mv.filter((r) => r.source === 'StopTransaction');
  assert.equal(fromMeterValues.length, 11);
  assert.equal(fromStop.length, 3);

  const signed = mv.filter((r) => r.format === 'SignedData');
  assert.equal(signed.length, 2);
  assert.equal(signed[0].value, SIGNED_VALUE, 'a SignedData value is stored verbatim');
  assert.equal(signed[1].value, SIGNED_VALUE.replace('"TX":"B"', '"TX":"E"'));
  assert.deepEqual([signed[0].context, signed[0].unit, signed[0].measurand], ['Transaction.Begin', 'kWh', 'Energy.Active.Import.Register']);

  const bare = fromMeterValues.find((r) => r.value === '270123');
  assert.ok(bare, 'the value sent without any optional field is stored');
  assert.deepEqual(
    { measurand: bare.measurand, unit: bare.unit, context: bare.context, format: bare.format, location: bare.location, phase: bare.phase },
    { measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic', format: 'Raw', location: 'Outlet', phase: null },
  );
  assert.equal(Date.parse(bare.timestamp), Date.parse('2026-03-01T10:20:00.000Z'));

  const byKey = (m: string, p: string | null) => fromMeterValues.find((r) => r.measurand === m && r.phase === p);
  assert.deepEqual([byKey('Voltage', 'L2-N')?.value, byKey('Voltage', 'L2-N')?.unit], ['229.8', 'V']);
  assert.deepEqual([byKey('Current.Import', 'L3')?.value, byKey('Current.Import', 'L3')?.unit], ['16.0', 'A']);
  assert.deepEqual([byKey('Power.Active.Import', null)?.value, byKey('Power.Active.Import', null)?.unit], ['11.04', 'kW']);
  assert.deepEqual([byKey('SoC', null)?.location, byKey('SoC', null)?.unit], ['EV', 'Percent']);
  assert.equal(byKey('Temperature', null)?.location, 'Body');

  const stopEnd = fromStop.find((r) => r.value === '280456');
  assert.deepEqual([stopEnd?.context, stopEnd?.measurand, stopEnd?.unit, stopEnd?.format], ['Transaction.End', 'Energy.Active.Import.Register', 'Wh', 'Raw']);

  // Every frame of the session is in the operator's message log, in both directions.
  const log = await app.ctx.services.messageLog.list({ stationId: STATION, limit: 1000 });
  const calls = log.filter((r) => r.direction === 'in' && r.message_type === 2).map((r) => r.action);
  for (const action of ['BootNotification', 'Heartbeat', 'StatusNotification', 'Authorize', 'StartTransaction', 'MeterValues', 'StopTransaction']) {
    assert.ok(calls.includes(action), `message log has the ${action} CALL`);
  }
  assert.ok(log.some((r) => r.direction === 'out' && r.message_type === 3 && r.action === 'StopTransaction'), 'and our answers');
});

test('ocpp-rpc (strict mode) receives the nine Core commands and its answers come back through the services', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const { stations, authorization, transactions } = app.ctx.services;
  const id = 'RPC-CMD-1';
  await stations.create({ id, password: PASSWORD });
  await authorization.upsertToken({ idTag: ID_TAG });

  const { client, failures } = rpcClient(app, id, PASSWORD);
  const received: Array<{ method: string; params: unknown }> = [];
  const answer = (method: string, reply: (params: any) => Record<string, unknown>) =>
    client.handle(method, async ({ params }) => {
      received.push({ method, params });
      return reply(params);
    });
  answer('GetConfiguration', (p) => ({
    configurationKey: [
      { key: 'HeartbeatInterval', readonly: false, value: '300' },
      { key: 'NumberOfConnectors', readonly: true, value: '2' },
    ],
    unknownKey: (p.key ?? []).filter((k: string) => k.startsWith('Vendor')),
  }));
  answer('ChangeConfiguration', (p) => ({ status: p.key === 'MeterValueSampleInterval' ? 'Accepted' : 'NotSupported' }));
  answer('ChangeAvailability', (p) => ({ status: p.type === 'Inoperative' ? 'Scheduled' : 'Accepted' }));
  answer('ClearCache', () => ({ status: 'Rejected' }));
  answer('Reset', () => ({ status: 'Accepted' }));
  answer('UnlockConnector', () => ({ status: 'UnlockFailed' }));
  answer('RemoteStartTransaction', () => ({ status: 'Accepted' }));
  answer('RemoteStopTransaction', () => ({ status: 'Rejected' }));
  answer('DataTransfer', (p) => ({ status: 'Accepted', data: `echo:${p.data}` }));

  await client.connect();
  t.after(() => client.close({ force: true }));
  const boot = (await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M' })) as { status: string };
  assert.equal(boot.status, 'Accepted');

  assert.deepEqual(await stations.getConfiguration(id, { key: ['HeartbeatInterval', 'VendorSecret'] }), {
    configurationKey: [
      { key: 'HeartbeatInterval', readonly: false, value: '300' },
      { key: 'NumberOfConnectors', readonly: true, value: '2' },
    ],
    unknownKey: ['VendorSecret'],
  });
  assert.deepEqual(await stations.changeConfiguration(id, { key: 'MeterValueSampleInterval', value: '30' }), { status: 'Accepted' });
  assert.deepEqual(await stations.changeConfiguration(id, { key: 'Foo', value: 'bar' }), { status: 'NotSupported' });
  assert.deepEqual(await stations.changeAvailability(id, { connectorId: 1, type: 'Inoperative' }), { status: 'Scheduled' });
  assert.deepEqual(await authorization.clearCache(id), { status: 'Rejected' });
  assert.deepEqual(await stations.reset(id, { type: 'Soft' }), { status: 'Accepted' });
  assert.deepEqual(await stations.unlockConnector(id, { connectorId: 2 }), { status: 'UnlockFailed' });
  assert.deepEqual(await transactions.remoteStart(id, { connectorId: 1, idTag: ID_TAG }), { status: 'Accepted' });
  assert.deepEqual(await stations.sendDataTransfer(id, { vendorId: 'com.acme', messageId: 'ping', data: 'hello' }), { status: 'Accepted', data: 'echo:hello' });

  // RemoteStop needs a transaction Plugboard knows: start one, then the charger refuses to stop it.
  const start = (await client.call('StartTransaction', { connectorId: 1, idTag: ID_TAG, meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number };
  assert.deepEqual(await transactions.remoteStop(start.transactionId), { status: 'Rejected' });

  assert.deepEqual(received, [
    { method: 'GetConfiguration', params: { key: ['HeartbeatInterval', 'VendorSecret'] } },
    { method: 'ChangeConfiguration', params: { key: 'MeterValueSampleInterval', value: '30' } },
    { method: 'ChangeConfiguration', params: { key: 'Foo', value: 'bar' } },
    { method: 'ChangeAvailability', params: { connectorId: 1, type: 'Inoperative' } },
    { method: 'ClearCache', params: {} },
    { method: 'Reset', params: { type: 'Soft' } },
    { method: 'UnlockConnector', params: { connectorId: 2 } },
    { method: 'RemoteStartTransaction', params: { connectorId: 1, idTag: ID_TAG } },
    { method: 'DataTransfer', params: { vendorId: 'com.acme', messageId: 'ping', data: 'hello' } },
    { method: 'RemoteStopTransaction', params: { transactionId: start.transactionId } },
  ]);
  assert.deepEqual(failures, [], 'every CALL we sent passed ocpp-rpc strict validation');

  // The commands and answers are in the message log, as the operator sees them.
  await eventually(async () => {
    const log = await app.ctx.services.messageLog.list({ stationId: id, limit: 1000 });
    return log.filter((r) => r.direction === 'out' && r.message_type === 2).length === 10;
  }, 2000, 'ten outbound CALLs in the message log');
});

test('a charger answering a command with a schema-invalid payload makes the command fail, not return junk', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  const id = 'RPC-BAD-ANSWER';
  await app.ctx.services.stations.create({ id, password: PASSWORD });
  // Non-strict client: it lets us answer with something the 1.6 schema forbids.
  const client = new RPCClient({ endpoint: app.ocppUrl(), identity: id, password: PASSWORD, protocols: ['ocpp1.6'], reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  client.handle('Reset', async () => ({ status: 'Maybe' }));
  await client.connect();
  t.after(() => client.close({ force: true }));
  await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M' });
  await assert.rejects(app.ctx.services.stations.reset(id, { type: 'Hard' }), (err: any) => {
    assert.ok(err instanceof OcppError, String(err));
    assert.match(err.message, /Invalid Reset response/);
    return true;
  });
  // The connection survives one bad answer: the next command works.
  client.handle('Reset', async () => ({ status: 'Rejected' }));
  assert.deepEqual(await app.ctx.services.stations.reset(id, { type: 'Hard' }), { status: 'Rejected' });
});

test('ocpp-rpc with the wrong password is refused at the upgrade', async (t) => {
  const app = await startTestApp();
  t.after(() => app.cleanup());
  await app.ctx.services.stations.create({ id: 'RPC-AUTH', password: PASSWORD });
  const { client } = rpcClient(app, 'RPC-AUTH', 'not-the-password-at-all');
  await assert.rejects(client.connect(), (err: any) => {
    assert.equal(err?.code, 401, String(err));
    return true;
  });
  assert.equal(app.gateway.get('RPC-AUTH'), undefined);
});

test(
  'StatusNotification timestamps with a UTC offset are stored normalised to UTC, like every other timestamp (ADR 0002)',
  async (t) => {
    const app = await startTestApp();
    t.after(() => app.cleanup());
    const id = 'RPC-TZ';
    await app.ctx.services.stations.create({ id, password: PASSWORD });
    const { client, failures } = rpcClient(app, id, PASSWORD);
    await client.connect();
    t.after(() => client.close({ force: true }));
    await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M' });
    // The same instant as 2026-03-01T10:00:00.000Z, as a charger on local time sends it.
    await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: '2026-03-01T11:00:00+01:00' });
    assert.deepEqual(failures, []);
    const db = app.ctx.db.kysely;
    const current = await db.selectFrom('connector_status').select('timestamp').where('station_id', '=', id).executeTakeFirstOrThrow();
    const history = await db.selectFrom('status_history').select('timestamp').where('station_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(current.timestamp, '2026-03-01T10:00:00.000Z');
    assert.equal(history.timestamp, '2026-03-01T10:00:00.000Z');
  },
);

test(
  'a StatusNotification older than the current status goes to the history but does not overwrite the current status (checklist §1.8)',
  async (t) => {
    const app = await startTestApp();
    t.after(() => app.cleanup());
    const id = 'RPC-STALE';
    await app.ctx.services.stations.create({ id, password: PASSWORD });
    const { client } = rpcClient(app, id, PASSWORD);
    await client.connect();
    t.after(() => client.close({ force: true }));
    await client.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'M' });
    await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: '2026-03-01T10:05:00.000Z' });
    // Delivered late, after a reconnect: it happened before the Charging above.
    await client.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: '2026-03-01T10:04:00.000Z' });
    const history = await app.ctx.services.stations.statusHistory(id, 1);
    assert.equal(history.length, 2, 'both notifications are in the history');
    assert.equal((await app.ctx.services.stations.connectorStatuses(id))[0].status, 'Charging');
  },
);
