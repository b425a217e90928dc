// OCTT 2.0.1 CSMS cases of diagnostics (checklist §4.3, N): GetLog (DiagnosticsLog, SecurityLog)
// with LogStatusNotification, through the same route and upload receiver as 1.6. The simulated
// charger plays the OCTT's station and validates every frame Plugboard sends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { station201 as connect201 } from './support201.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const station201 = (id: string, handlers: Record<string, (p: any) => unknown> = {}) => connect201(app, id, handlers);

/** The station's side of GetLog: `answer`, then (Accepted) Uploading, the upload, Uploaded. */
function uploading(cp: () => SimulatedCharger, uploads: Array<Promise<number>>, answer = 'Accepted') {
  return (req: { requestId: number; logType: string; log: { remoteLocation: string } }) => {
    const filename = `${req.logType}-${req.requestId}.log`;
    if (answer !== 'Rejected') {
      uploads.push(
        new Promise((resolve) => setImmediate(resolve)).then(async () => {
          await cp().call('LogStatusNotification', { status: 'Uploading', requestId: req.requestId });
          const res = await fetch(`${req.log.remoteLocation}${filename}`, { method: 'PUT', body: `${req.logType} of ${cp().stationId}\n` });
          await cp().call('LogStatusNotification', { status: res.status === 200 ? 'Uploaded' : 'UploadFailure', requestId: req.requestId });
          return res.status;
        }),
      );
    }
    return answer === 'Rejected' ? { status: 'Rejected' } : { status: answer, filename };
  };
}

async function logSuccess(id: string, logType: string) {
  const uploads: Array<Promise<number>> = [];
  const cp: SimulatedCharger = await station201(id, { GetLog: uploading(() => cp, uploads) });
  const res = await app.request('POST', `/api/v1/stations/${id}/logs`, { body: { logType } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Accepted');
  const sent = cp.received.find((r) => r.action === 'GetLog')!.payload;
  assert.equal(sent.logType, logType);
  assert.equal(sent.requestId, res.body.requestId);
  assert.match(sent.log.remoteLocation, /\/files\/diagnostics\/[\w-]+\/$/);
  assert.equal(await uploads[0], 200);
  const item = await eventually(async () => {
    const h = await app.request('GET', `/api/v1/stations/${id}/logs`);
    const it = h.body.items[0];
    return it?.request.uploadStatus === 'Uploaded' ? it : null;
  }, 5000, 'Uploaded recorded');
  assert.deepEqual(item.timeline.map((t: { status: string }) => t.status), ['Uploading', 'Uploaded']);
  assert.equal(item.files.length, 1);
  return { cp, uploads };
}

test('TC_N_25_CSMS Retrieve Log Information - Diagnostics Log - Success', () => logSuccess('N25', 'DiagnosticsLog').then(() => undefined));
test('TC_N_35_CSMS Retrieve Log Information - Security Log - Success', () => logSuccess('N35', 'SecurityLog').then(() => undefined));

test('TC_N_34_CSMS Retrieve Log Information - Rejected', async () => {
  const cp: SimulatedCharger = await station201('N34', { GetLog: uploading(() => cp, [], 'Rejected') });
  const res = await app.request('POST', '/api/v1/stations/N34/logs', { body: { logType: 'DiagnosticsLog' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'Rejected');
});

test('TC_N_36_CSMS Retrieve Log Information - Second Request', async () => {
  let answer = 'Accepted';
  const uploads: Array<Promise<number>> = [];
  const cp: SimulatedCharger = await station201('N36', { GetLog: (req: any) => uploading(() => cp, answer === 'Accepted' ? [] : uploads, answer)(req) });
  const first = await app.request('POST', '/api/v1/stations/N36/logs', { body: { logType: 'DiagnosticsLog' } });
  assert.equal(first.status, 200, first.text);
  answer = 'AcceptedCanceled';
  const second = await app.request('POST', '/api/v1/stations/N36/logs', { body: { logType: 'DiagnosticsLog' } });
  assert.equal(second.status, 200, second.text);
  assert.equal(second.body.status, 'AcceptedCanceled');
  assert.notEqual(second.body.requestId, first.body.requestId);
  assert.equal(await uploads[0], 200);
});
