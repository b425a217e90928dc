// The raw command endpoint and bulk commands speak the station's own OCPP version: the action
// and payload are checked against that version's schemas and sent with stations.sendRaw. The
// same API calls against a 1.6 and a 2.0.1 station.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

const PASSWORD = 'a-long-random-secret-0123456789';
let app: TestApp;
let cp16: SimulatedCharger;
let cp201: SimulatedCharger;

const ocpp = (stationId: string, action: string, body?: unknown) => app.request('POST', `/api/v1/stations/${stationId}/ocpp/${action}`, { body });

before(async () => {
  app = await startTestApp();
  for (const id of ['RAW-16', 'RAW-201']) await app.ctx.services.stations.create({ id, password: PASSWORD });
  cp16 = app.charger('RAW-16', { password: PASSWORD });
  cp201 = app.charger('RAW-201', { password: PASSWORD, protocols: ['ocpp2.0.1'] });
  await cp16.connect();
  await cp201.connect();
  assert.equal(cp201.protocol, 'ocpp2.0.1');
});
after(async () => {
  await cp16?.close();
  await cp201?.close();
  await app.cleanup();
});

test('a command is validated against the station\'s version and sent in it', async () => {
  const reset16 = await ocpp('RAW-16', 'Reset', { type: 'Hard' });
  assert.equal(reset16.status, 200, reset16.text);
  assert.equal(reset16.body.status, 'Accepted');
  const reset201 = await ocpp('RAW-201', 'Reset', { type: 'Immediate' });
  assert.equal(reset201.status, 200, reset201.text);
  assert.equal(reset201.body.status, 'Accepted');

  // The 1.6 payload of Reset is not a 2.0.1 one, and the other way round: nothing is sent.
  const wrong201 = await ocpp('RAW-201', 'Reset', { type: 'Hard' });
  assert.equal(wrong201.status, 400);
  assert.equal(wrong201.body.error, 'validation_failed');
  assert.match(wrong201.body.message, /OCPP 2\.0\.1/);
  assert.equal((await ocpp('RAW-16', 'Reset', { type: 'Immediate' })).body.error, 'validation_failed');
});

test('an action of the other version only is 400 not_in_version naming the station\'s version', async () => {
  const getConfiguration = await ocpp('RAW-201', 'GetConfiguration', {});
  assert.equal(getConfiguration.status, 400);
  assert.equal(getConfiguration.body.error, 'not_in_version');
  assert.match(getConfiguration.body.message, /GetConfiguration is not an OCPP 2\.0\.1 command; station RAW-201 speaks OCPP 2\.0\.1/);
  const getVariables = await ocpp('RAW-16', 'GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
  assert.equal(getVariables.status, 400);
  assert.equal(getVariables.body.error, 'not_in_version');
  assert.match(getVariables.body.message, /OCPP 1\.6/);
  const unknown = await ocpp('RAW-201', 'Reboot', {});
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'unknown_action');
});

test('bulk: each station gets the command in its version; a payload valid for none of them is 400', async () => {
  const res = await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['RAW-16', 'RAW-201'], action: 'Reset', payload: { type: 'Immediate' } } });
  assert.equal(res.status, 200, res.text);
  const byId = Object.fromEntries(res.body.results.map((r: any) => [r.stationId, r]));
  assert.equal(byId['RAW-201'].ok, true);
  assert.equal(byId['RAW-201'].response.status, 'Accepted');
  assert.equal(byId['RAW-16'].ok, false, 'not a 1.6 Reset payload');
  assert.equal(byId['RAW-16'].error.error, 'validation_failed');
  assert.deepEqual([res.body.succeeded, res.body.failed], [1, 1]);

  const onlyIn201 = await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['RAW-16', 'RAW-201'], action: 'ClearCache', payload: {} } });
  assert.equal(onlyIn201.status, 200);
  assert.equal(onlyIn201.body.succeeded, 2, 'ClearCache exists in both');

  const none = await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['RAW-16'], action: 'GetVariables', payload: { getVariableData: [] } } });
  assert.equal(none.status, 400);
  assert.equal(none.body.error, 'not_in_version');
});
