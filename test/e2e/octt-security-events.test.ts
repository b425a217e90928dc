// The OCTT 1.6 central-system test cases of the Security Whitepaper about security events and
// logs (ocpp-checklist.md §4.2, TC_077 to TC_079), replayed against a real Plugboard.
// SimulatedCharger plays the OCTT's charge point: it answers the command (Rejected for an
// invalid certificate) and then reports the security event, as a charge point does; for GetLog
// it uploads its log over HTTP to the location it was given (Plugboard's receiver). The
// operator acts through the REST API. Each case has its own station.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, eventually, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { acceptedCharger } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

// Neither case checks the certificate's content: the charge point rejects it whatever it is.
const NOT_A_VALID_CHAIN = '-----BEGIN CERTIFICATE-----\nTUlJQm9UQ0NBVWVnQXdJQkFnSVVaZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n';

/** Answers `action` with `answer`, then (after the answer went out) reports `eventType`. */
function rejectingWithEvent(cp: () => SimulatedCharger, eventType: string, techInfo: string, sent: Array<Promise<unknown>>) {
  return (answer: unknown) => () => {
    // The answer is written once this handler's promise settles; the event goes after it.
    sent.push(new Promise((resolve) => setImmediate(resolve)).then(() => cp().call('SecurityEventNotification', { type: eventType, timestamp: new Date().toISOString(), techInfo })));
    return answer;
  };
}

async function securityEvents(stationId: string) {
  const res = await app.request('GET', `/api/v1/stations/${stationId}/security-events`);
  assert.equal(res.status, 200, res.text);
  return res.body.items as Array<{ type: string; critical: boolean; source: string; techInfo: string | null }>;
}

test('TC_077_CSMS Invalid ChargePointCertificate Security Event', async () => {
  const sent: Array<Promise<unknown>> = [];
  const reject = rejectingWithEvent(() => cp, 'InvalidChargePointCertificate', 'certificate chain does not verify', sent);
  const cp: SimulatedCharger = await acceptedCharger(app, 'TC077', { handlers: { CertificateSigned: reject({ status: 'Rejected' }) } });

  const res = await app.request('POST', '/api/v1/stations/TC077/ocpp/CertificateSigned', { body: { certificateChain: NOT_A_VALID_CHAIN } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Rejected' });
  assert.equal(sent.length, 1);
  // The central system confirms the notification (A04.FR.03) ...
  assert.deepEqual(await sent[0], {});
  // ... and keeps it, shown by the API. Not critical: the 1.6 whitepaper's list does not mark it.
  const events = await securityEvents('TC077');
  assert.deepEqual(events.map((e) => [e.type, e.source, e.critical, e.techInfo]), [['InvalidChargePointCertificate', 'station', false, 'certificate chain does not verify']]);
  assert.equal(cp.received.filter((r) => r.action === 'CertificateSigned').length, 1);
});

test('TC_078_CSMS Invalid CentralSystemCertificate Security Event', async () => {
  const sent: Array<Promise<unknown>> = [];
  const reject = rejectingWithEvent(() => cp, 'InvalidCentralSystemCertificate', 'root certificate expired', sent);
  const cp: SimulatedCharger = await acceptedCharger(app, 'TC078', { handlers: { InstallCertificate: reject({ status: 'Rejected' }) } });

  const res = await app.request('POST', '/api/v1/stations/TC078/ocpp/InstallCertificate', { body: { certificateType: 'CentralSystemRootCertificate', certificate: NOT_A_VALID_CHAIN } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { status: 'Rejected' });
  assert.deepEqual(cp.received.find((r) => r.action === 'InstallCertificate')?.payload.certificateType, 'CentralSystemRootCertificate');
  assert.deepEqual(await sent[0], {});
  await eventually(async () => (await securityEvents('TC078')).length === 1, 30_000, 'the event is listed');
  const [event] = await securityEvents('TC078');
  assert.deepEqual([event.type, event.source, event.critical, event.techInfo], ['InvalidCentralSystemCertificate', 'station', false, 'root certificate expired']);
});

test('TC_079_CSMS Get Security Log', async () => {
  const log = Buffer.from(`${new Date().toISOString()} SecurityLogWasCleared\n${new Date().toISOString()} StartupOfTheDevice\n`.repeat(50));
  const uploads: Array<Promise<number>> = [];
  const cp: SimulatedCharger = await acceptedCharger(app, 'TC079', {
    handlers: {
      // The charge point's side of GetLog: Accepted with its file name, then Uploading, the
      // upload to remoteLocation (a directory: the file name appended), and Uploaded.
      GetLog: (req: { requestId: number; logType: string; log: { remoteLocation: string } }) => {
        const filename = 'security-TC079.log';
        uploads.push(
          new Promise((resolve) => setImmediate(resolve)).then(async () => {
            await cp.call('LogStatusNotification', { status: 'Uploading', requestId: req.requestId });
            const res = await fetch(`${req.log.remoteLocation}${filename}`, { method: 'PUT', body: log });
            await cp.call('LogStatusNotification', { status: res.status === 200 ? 'Uploaded' : 'UploadFailure', requestId: req.requestId });
            return res.status;
          }),
        );
        return { status: 'Accepted', filename };
      },
    },
  });

  const res = await app.request('POST', '/api/v1/stations/TC079/logs', { body: { logType: 'SecurityLog' } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual([res.body.status, res.body.filename, res.body.logType, res.body.ownReceiver], ['Accepted', 'security-TC079.log', 'SecurityLog', true]);
  const sent = cp.received.find((r) => r.action === 'GetLog')!.payload;
  assert.equal(sent.logType, 'SecurityLog');
  assert.equal(sent.requestId, res.body.requestId);
  assert.equal(sent.log.remoteLocation, res.body.remoteLocation);
  assert.match(sent.log.remoteLocation, /\/files\/diagnostics\/[\w-]+\/$/, 'Plugboard\'s own upload receiver');

  assert.equal(await uploads[0], 200, 'the receiver took the upload');
  const history = await app.request('GET', '/api/v1/stations/TC079/logs');
  assert.equal(history.status, 200, history.text);
  const [item] = history.body.items;
  assert.equal(item.request.uploadStatus, 'Uploaded');
  assert.deepEqual(item.timeline.map((t: { status: string }) => t.status), ['Uploading', 'Uploaded']);
  assert.equal(item.files.length, 1);
  assert.equal(item.files[0].filename, 'security-TC079.log');
  const content = await app.request('GET', item.files[0].contentPath);
  assert.equal(content.status, 200);
  assert.equal(content.text, log.toString(), 'the operator downloads the log the charger uploaded');
});
