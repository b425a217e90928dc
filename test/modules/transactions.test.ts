// Transaction rules without a socket: ids, idempotency, errata 3.18 (-1), orphan stops,
// meter value normalisation. The same suite runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCore } from '../helpers/core.ts';
import type { AppContext } from '../../src/context.ts';

let ctx: AppContext;
let cleanup: () => Promise<void>;
before(async () => {
  ({ ctx, cleanup } = await startCore());
  await ctx.services.stations.create({ id: 'CP-TX' });
  await ctx.services.stations.create({ id: 'CP-OTHER' });
  await ctx.services.authorization.upsertToken({ idTag: 'TAG-A', allowConcurrent: true });
  await ctx.services.authorization.upsertToken({ idTag: 'TAG-B' });
});
after(() => cleanup());

const tx = () => ctx.services.transactions;
const db = () => ctx.db.kysely;

test('a retried StartTransaction gets the same transactionId and creates no second row', async () => {
  const req = { connectorId: 1, idTag: 'TAG-A', meterStart: 1234, timestamp: '2026-11-01T10:00:00.000Z' };
  const a = await tx().start('CP-TX', req);
  const b = await tx().start('CP-TX', { ...req, timestamp: '2026-11-01T10:00:00Z' });
  assert.equal(b.transactionId, a.transactionId);
  assert.equal(b.idTagInfo.status, 'Accepted');
  const rows = await db().selectFrom('transactions').selectAll().where('meter_start', '=', 1234).execute();
  assert.equal(rows.length, 1);
  // a different meterStart is a different transaction
  const c = await tx().start('CP-TX', { ...req, meterStart: 1235 });
  assert.notEqual(c.transactionId, a.transactionId);
});

test('an unknown idTag still gets a positive transactionId, with status Invalid', async () => {
  const r = await tx().start('CP-TX', { connectorId: 2, idTag: 'STRANGER', meterStart: 0, timestamp: new Date().toISOString() });
  assert.ok(r.transactionId > 0);
  assert.equal(r.idTagInfo.status, 'Invalid');
  const row = await tx().get(r.transactionId);
  assert.equal(row?.start_id_tag_status, 'Invalid');
});

test('an offline start from days ago is accepted and stored with its own timestamp', async () => {
  const ts = '2026-10-01T08:00:00.000Z';
  const r = await tx().start('CP-TX', { connectorId: 1, idTag: 'TAG-A', meterStart: 50, timestamp: ts });
  const row = await tx().get(r.transactionId);
  assert.equal(row?.start_timestamp, ts);
});

test('StopTransaction stores meterStop, reason (default Local) and transactionData; a retry changes nothing', async () => {
  const { transactionId } = await tx().start('CP-TX', { connectorId: 3, idTag: 'TAG-B', meterStart: 100, timestamp: new Date(Date.now() - 60_000).toISOString() });
  const stop = {
    transactionId,
    meterStop: 2100,
    timestamp: new Date().toISOString(),
    idTag: 'TAG-B',
    transactionData: [
      { timestamp: new Date().toISOString(), sampledValue: [{ value: '2100', context: 'Transaction.End' }, { value: 'AB01CD', format: 'SignedData', context: 'Transaction.End' }] },
    ],
  };
  const res = await tx().stop('CP-TX', stop);
  assert.deepEqual(res.idTagInfo, { status: 'Accepted' });
  const again = await tx().stop('CP-TX', { ...stop, meterStop: 9999 });
  assert.equal(again.transactionId, transactionId);
  const details = await tx().details(transactionId);
  assert.equal(details?.meter_stop, 2100);
  assert.equal(details?.stop_reason, 'Local');
  assert.equal(details?.energyWh, 2000);
  assert.ok((details?.durationSeconds ?? 0) >= 59);
  assert.equal(details?.meterValues.length, 2, 'the retried stop added no duplicate meter values');
  const signed = details!.meterValues.find((m) => m.format === 'SignedData');
  assert.equal(signed?.value, 'AB01CD');
  assert.equal(signed?.source, 'StopTransaction');
  const raw = details!.meterValues.find((m) => m.format === 'Raw');
  assert.equal(raw?.measurand, 'Energy.Active.Import.Register');
  assert.equal(raw?.unit, 'Wh');
  assert.equal(raw?.location, 'Outlet');
});

test('StopTransaction without idTag returns no idTagInfo', async () => {
  const { transactionId } = await tx().start('CP-TX', { connectorId: 4, idTag: 'TAG-A', meterStart: 0, timestamp: new Date().toISOString() });
  const res = await tx().stop('CP-TX', { transactionId, meterStop: 10, timestamp: new Date().toISOString(), reason: 'EVDisconnected' });
  assert.equal(res.idTagInfo, undefined);
  assert.equal((await tx().get(transactionId))?.stop_reason, 'EVDisconnected');
});

test('errata 3.18: StopTransaction with transactionId -1 is matched to the open transaction', async () => {
  const { transactionId } = await tx().start('CP-OTHER', { connectorId: 1, idTag: 'TAG-B', meterStart: 10, timestamp: new Date(Date.now() - 1000).toISOString() });
  const res = await tx().stop('CP-OTHER', { transactionId: -1, meterStop: 500, timestamp: new Date().toISOString(), idTag: 'TAG-B', reason: 'Local' });
  assert.equal(res.transactionId, transactionId);
  assert.equal((await tx().get(transactionId))?.meter_stop, 500);
});

test('a StopTransaction for an unknown id is never refused and is kept as an orphan stop (once)', async () => {
  const stop = { transactionId: 987654, meterStop: 42, timestamp: '2026-11-02T00:00:00.000Z', reason: 'PowerLoss' };
  const res = await tx().stop('CP-OTHER', stop);
  assert.equal(res.transactionId, null);
  await tx().stop('CP-OTHER', stop);
  const orphans = (await tx().orphanStops('CP-OTHER')).filter((o) => o.reported_transaction_id === 987654);
  assert.equal(orphans.length, 1);
  assert.equal(orphans[0].reason, 'PowerLoss');
  assert.equal(orphans[0].meter_stop, 42);
});

test('a stop sent by another station does not close this station\'s transaction', async () => {
  const { transactionId } = await tx().start('CP-TX', { connectorId: 5, idTag: 'TAG-A', meterStart: 0, timestamp: new Date().toISOString() });
  const res = await tx().stop('CP-OTHER', { transactionId, meterStop: 1, timestamp: new Date().toISOString() });
  assert.equal(res.transactionId, null);
  assert.equal((await tx().get(transactionId))?.stop_timestamp, null);
});

test('MeterValues: every sampled value stored with defaults; connector 0 never belongs to a transaction', async () => {
  const { transactionId } = await tx().start('CP-TX', { connectorId: 6, idTag: 'TAG-A', meterStart: 0, timestamp: new Date().toISOString() });
  const ts = '2026-11-21T12:00:00.000Z';
  await tx().meterValues('CP-TX', {
    connectorId: 6,
    transactionId,
    meterValue: [
      {
        timestamp: ts,
        sampledValue: [
          { value: '1234.5' },
          { value: '16.1', measurand: 'Current.Import', phase: 'L1', unit: 'A', context: 'Sample.Clock', location: 'Outlet' },
          { value: '231', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
          { value: '25.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
        ],
      },
    ],
  });
  await tx().meterValues('CP-TX', { connectorId: 0, transactionId, meterValue: [{ timestamp: ts, sampledValue: [{ value: '99999' }] }] });
  const rows = await db().selectFrom('meter_values').selectAll().where('station_id', '=', 'CP-TX').where('timestamp', '=', ts).orderBy('id').execute();
  assert.equal(rows.length, 5);
  assert.deepEqual(
    { v: rows[0].value, m: rows[0].measurand, u: rows[0].unit, c: rows[0].context, l: rows[0].location, f: rows[0].format, p: rows[0].phase, t: rows[0].transaction_id },
    { v: '1234.5', m: 'Energy.Active.Import.Register', u: 'Wh', c: 'Sample.Periodic', l: 'Outlet', f: 'Raw', p: null, t: transactionId },
  );
  assert.equal(rows[1].phase, 'L1');
  assert.equal(rows[1].context, 'Sample.Clock');
  assert.equal(rows[3].unit, 'Celsius');
  assert.equal(rows[4].connector_id, 0);
  assert.equal(rows[4].transaction_id, null);
});

test('MeterValues with transactionId -1 attach to the open transaction of the connector', async () => {
  const { transactionId } = await tx().start('CP-TX', { connectorId: 7, idTag: 'TAG-A', meterStart: 0, timestamp: new Date().toISOString() });
  await tx().meterValues('CP-TX', { connectorId: 7, transactionId: -1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '77' }] }] });
  const details = await tx().details(transactionId);
  assert.equal(details?.meterValues.at(-1)?.value, '77');
});

test('1,000 concurrent StartTransactions from many chargers each get their own id, all committed', async () => {
  const ids = await Promise.all(
    Array.from({ length: 1000 }, (_, i) =>
      tx().start('CP-TX', { connectorId: 100 + i, idTag: 'TAG-A', meterStart: i, timestamp: '2026-11-03T00:00:00.000Z' }).then((r) => r.transactionId),
    ),
  );
  assert.equal(new Set(ids).size, 1000);
  const stored = await db().selectFrom('transactions').select('id').where('start_timestamp', '=', '2026-11-03T00:00:00.000Z').execute();
  assert.equal(stored.length, 1000);
});

test('the same StartTransaction delivered twice at once (a retry racing the original) yields one transaction', async () => {
  const req = { connectorId: 9, idTag: 'TAG-A', meterStart: 777, timestamp: '2026-11-04T00:00:00.000Z' };
  const results = await Promise.all(Array.from({ length: 5 }, () => tx().start('CP-TX', req)));
  assert.equal(new Set(results.map((r) => r.transactionId)).size, 1, JSON.stringify(results));
  assert.equal(results.filter((r) => !r.retried).length, 1, JSON.stringify(results));
  const rows = await db().selectFrom('transactions').select('id').where('meter_start', '=', 777).where('connector_id', '=', 9).execute();
  assert.equal(rows.length, 1);
});
