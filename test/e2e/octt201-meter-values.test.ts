// OCTT 2.0.1 CSMS cases of meter values (checklist §4.3, J): MeterValues outside a transaction
// and meter values inside TransactionEvent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

test('TC_J_01_CSMS Clock-aligned Meter Values - No transaction ongoing', async () => {
  const id = 'MV201-1';
  const created = await app.request('POST', '/api/v1/stations', { body: { id, registrationStatus: 'Accepted', securityProfile: 0 } });
  assert.equal(created.status, 201, created.text);
  const cp = app.charger(id, { protocols: ['ocpp2.0.1'] });
  await cp.connect();
  const timestamp = new Date(Date.UTC(2026, 11, 3, 10, 0, 0)).toISOString();
  const res = await cp.call('MeterValues', {
    evseId: 1,
    meterValue: [{ timestamp, sampledValue: [{ value: 12.5, context: 'Sample.Clock', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }, { value: 1.2, context: 'Sample.Clock', measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } }] }],
  });
  assert.deepEqual(res, {});
  // answered once stored
  const rows = await app.ctx.services.transactions.meterValuesOfStation(id);
  assert.deepEqual(
    rows.map((r) => [r.connector_id, r.value, r.unit, r.context, r.transaction_id]).sort(),
    [[1, '12.5', 'kWh', 'Sample.Clock', null], [1, '1200', 'W', 'Sample.Clock', null]],
  );
});
