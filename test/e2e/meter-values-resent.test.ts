// Issue 10, durability: a charger resends a MeterValues it never saw answered (we crashed or the
// connection dropped between COMMIT and CALLRESULT). The same sampled values are stored once,
// and the resend is still answered. Real Plugboard, real WebSockets; both dialects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger, startCharging } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const valuesOf = (stationId: string) =>
  app.ctx.db.kysely
    .selectFrom('meter_values')
    .select(['transaction_id', 'connector_id', 'timestamp', 'measurand', 'phase', 'value', 'source'])
    .where('station_id', '=', stationId)
    .orderBy('id')
    .execute();

const T = '2026-11-02T10:00:00.000Z';
const T2 = '2026-11-02T10:01:00.000Z';

test('a resent MeterValues (same transaction, timestamp and sampled values) is stored once and answered both times', async () => {
  await app.ctx.services.authorization.upsertToken({ idTag: 'TAG-RESENT' });
  const cp = await acceptedCharger(app, 'MV_RESENT');
  const tx = await startCharging(cp, 'TAG-RESENT');
  const payload = {
    connectorId: 1,
    transactionId: tx,
    meterValue: [
      {
        timestamp: T,
        sampledValue: [
          { value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '7200', measurand: 'Power.Active.Import', unit: 'W' },
          { value: '16.0', measurand: 'Current.Import', unit: 'A', phase: 'L1' },
          { value: '16.0', measurand: 'Current.Import', unit: 'A', phase: 'L2' },
        ],
      },
    ],
  };
  assert.deepEqual(await cp.call('MeterValues', payload), {});
  assert.deepEqual(await cp.call('MeterValues', payload), {}, 'the resend gets its CALLRESULT');
  // The same timestamp written another way (a charger's local time without a zone is UTC).
  assert.deepEqual(await cp.call('MeterValues', { ...payload, meterValue: [{ ...payload.meterValue[0], timestamp: '2026-11-02T10:00:00Z' }] }), {});
  let rows = await valuesOf('MV_RESENT');
  assert.equal(rows.length, 4, `one row per sampled value, not per send: ${JSON.stringify(rows)}`);

  // A genuinely different reading at the same timestamp is a new fact and is stored; so is
  // the same reading at a later timestamp.
  assert.deepEqual(await cp.call('MeterValues', { connectorId: 1, transactionId: tx, meterValue: [{ timestamp: T, sampledValue: [{ value: '7300', measurand: 'Power.Active.Import', unit: 'W' }] }] }), {});
  assert.deepEqual(await cp.call('MeterValues', { connectorId: 1, transactionId: tx, meterValue: [{ timestamp: T2, sampledValue: [{ value: '7200', measurand: 'Power.Active.Import', unit: 'W' }] }] }), {});
  // Same value, other context (a clock-aligned reading that happens to equal the periodic one).
  assert.deepEqual(await cp.call('MeterValues', { connectorId: 1, transactionId: tx, meterValue: [{ timestamp: T, sampledValue: [{ value: '1500', context: 'Sample.Clock' }] }] }), {});
  rows = await valuesOf('MV_RESENT');
  assert.equal(rows.length, 7);
  assert.deepEqual(
    rows.filter((r) => r.measurand === 'Power.Active.Import').map((r) => [r.timestamp, r.value]),
    [[T, '7200'], [T, '7300'], [T2, '7200']],
  );

  // The StopTransaction's transactionData repeats the register reading already sent as a
  // MeterValues and adds the closing one: the repeat is the same reading (kept once, as it
  // first arrived, source MeterValues); the new one is stored with source StopTransaction.
  assert.deepEqual(
    await cp.stopTransaction(tx, 2500, {
      timestamp: '2026-11-02T10:30:00.000Z',
      transactionData: [
        { timestamp: T, sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] },
        { timestamp: '2026-11-02T10:30:00.000Z', sampledValue: [{ value: '2500', context: 'Transaction.End' }] },
      ],
    }),
    {},
  );
  rows = await valuesOf('MV_RESENT');
  const register = rows.filter((r) => r.measurand === 'Energy.Active.Import.Register');
  assert.deepEqual(
    register.map((r) => [r.timestamp, r.value, r.source]),
    [[T, '1500', 'MeterValues'], [T, '1500', 'MeterValues'], ['2026-11-02T10:30:00.000Z', '2500', 'StopTransaction']],
    'the Sample.Periodic and Sample.Clock readings at T, and the closing one',
  );
  assert.ok(rows.every((r) => r.transaction_id === tx));
});

test('values without a transaction (connector 0) are stored once per station too; another station\'s identical values are its own', async () => {
  const a = await acceptedCharger(app, 'MV_RESENT_C0_A');
  const b = await acceptedCharger(app, 'MV_RESENT_C0_B');
  const payload = { connectorId: 0, meterValue: [{ timestamp: T, sampledValue: [{ value: '42000', measurand: 'Energy.Active.Import.Register' }, { value: '230.1', measurand: 'Voltage', unit: 'V', phase: 'L1-N' }] }] };
  for (let i = 0; i < 3; i++) assert.deepEqual(await a.call('MeterValues', payload), {});
  assert.deepEqual(await b.call('MeterValues', payload), {});
  const rowsA = await valuesOf('MV_RESENT_C0_A');
  assert.equal(rowsA.length, 2);
  assert.ok(rowsA.every((r) => r.transaction_id === null));
  assert.equal((await valuesOf('MV_RESENT_C0_B')).length, 2);
});

test('a long SignedData value (no length bound in OCPP 1.6) is stored and deduplicated', async () => {
  const cp = await acceptedCharger(app, 'MV_RESENT_SIGNED');
  const blob = `OCMF|${JSON.stringify({ FV: '1.0', RD: Array.from({ length: 120 }, (_, i) => ({ TM: T, RV: 1000 + i, ST: 'G' })) })}|{"SA":"ECDSA-secp256r1-SHA256","SD":"${'ab'.repeat(64)}"}`;
  assert.ok(blob.length > 4000, `${blob.length} characters: beyond a PostgreSQL btree entry`);
  const payload = { connectorId: 1, meterValue: [{ timestamp: T, sampledValue: [{ value: blob, format: 'SignedData' }] }] };
  assert.deepEqual(await cp.call('MeterValues', payload), {});
  assert.deepEqual(await cp.call('MeterValues', payload), {});
  const rows = await valuesOf('MV_RESENT_SIGNED');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].value, blob);
});
