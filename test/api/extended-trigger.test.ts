// POST /api/v1/stations/{id}/extended-trigger (ExtendedTriggerMessage, Security Whitepaper):
// every message it can trigger, with and without connectorId, the charger's answers passed
// through, the errata 3.40 safeguard as for TriggerMessage, and what it refuses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger } from '../e2e/support.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { EXTENDED_REQUESTED_MESSAGES } from '../../src/modules/trigger/service.ts';

let app: TestApp;
let cp: SimulatedCharger;
const triggered: Array<Promise<unknown>> = [];

before(async () => {
  app = await startOpenApp();
  cp = await acceptedCharger(app, 'EXT-1', {
    handlers: {
      ExtendedTriggerMessage: (p: { requestedMessage: string; connectorId?: number }) => {
        if (p.connectorId !== undefined && p.connectorId > 1) return { status: 'Rejected' };
        if (p.requestedMessage === 'FirmwareStatusNotification') return { status: 'NotImplemented' };
        // The triggered message follows the answer, and is handled like any other.
        if (p.requestedMessage === 'LogStatusNotification') triggered.push(new Promise((r) => setImmediate(r)).then(() => cp.call('LogStatusNotification', { status: 'Idle' })));
        return { status: 'Accepted' };
      },
    },
  });
});
after(() => app.cleanup());

const extended = (body: unknown) => app.request('POST', '/api/v1/stations/EXT-1/extended-trigger', { body });
const lastSent = () => cp.received.filter((r) => r.action === 'ExtendedTriggerMessage').at(-1)!.payload;

test('every message ExtendedTriggerMessage can trigger is sent, connectorId only when given', async () => {
  assert.deepEqual([...EXTENDED_REQUESTED_MESSAGES].sort(), [
    'BootNotification', 'FirmwareStatusNotification', 'Heartbeat', 'LogStatusNotification', 'MeterValues', 'SignChargePointCertificate', 'StatusNotification',
  ]);
  for (const requestedMessage of EXTENDED_REQUESTED_MESSAGES) {
    const res = await extended({ requestedMessage, force: true });
    assert.equal(res.status, 200, `${requestedMessage}: ${res.text}`);
    assert.equal(res.body.status, requestedMessage === 'FirmwareStatusNotification' ? 'NotImplemented' : 'Accepted');
    assert.deepEqual(lastSent(), { requestedMessage }, 'no connectorId when none is given (TC_074: SignChargePointCertificate without one)');
  }
  const withConnector = await extended({ requestedMessage: 'StatusNotification', connectorId: 1 });
  assert.deepEqual([withConnector.body.status, lastSent()], ['Accepted', { requestedMessage: 'StatusNotification', connectorId: 1 }]);
  const rejected = await extended({ requestedMessage: 'MeterValues', connectorId: 7 });
  assert.deepEqual([rejected.status, rejected.body.status], [200, 'Rejected']);
  assert.deepEqual(await triggered[0], {}, 'the triggered LogStatusNotification Idle is answered');
});

test('BootNotification to an Accepted station is refused unless forced; TriggerMessage-only messages are a 400', async () => {
  const before = cp.received.length;
  const refused = await extended({ requestedMessage: 'BootNotification' });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error, 'boot_trigger_refused');
  assert.match(refused.body.message, /errata 3.40/);
  assert.equal(cp.received.length, before, 'nothing was sent');
  const forced = await extended({ requestedMessage: 'BootNotification', force: true });
  assert.deepEqual([forced.status, forced.body.status, lastSent()], [200, 'Accepted', { requestedMessage: 'BootNotification' }]);

  const diag = await extended({ requestedMessage: 'DiagnosticsStatusNotification' });
  assert.equal(diag.status, 400);
  assert.match(diag.body.message, /requestedMessage/);
  const unknown = await app.request('POST', '/api/v1/stations/NOPE/extended-trigger', { body: { requestedMessage: 'BootNotification' } });
  assert.equal(unknown.status, 404);
});
