// What the dashboard shows for a connector (ui/src/lib/connector-status.ts, run by Node): the
// API's effective status, with the reason and the last report when they differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorView, localiseTimes } from '../../ui/src/lib/connector-status.ts';
import { fmtDateTime } from '../../ui/src/lib/format.ts';
import type { ConnectorStatus } from '../../ui/src/api/types.ts';

const base: ConnectorStatus = {
  connectorId: 1, status: 'Charging', errorCode: 'NoError', info: null, vendorId: null, vendorErrorCode: null,
  timestamp: '2026-12-03T14:02:00.000Z', updatedAt: '2026-12-03T14:02:01.000Z', effectiveStatus: 'Charging', effectiveStatusReason: null,
};

test('the effective status is shown; the reason and the last report say why it differs', () => {
  const same = connectorView(base);
  assert.equal(same.status, 'Charging');
  assert.equal(same.reason, null);
  assert.match(same.title, /^Connector 1: Charging since /);

  const offline = connectorView({ ...base, effectiveStatus: 'Offline', effectiveStatusReason: 'station disconnected since 2026-12-03T15:00:00.000Z' });
  assert.equal(offline.status, 'Offline');
  // The instant in the reason is the operator's, like every other time on screen.
  assert.equal(offline.reason, `station disconnected since ${fmtDateTime('2026-12-03T15:00:00.000Z')}`);
  assert.equal(offline.title, `Connector 1: Offline: station disconnected since ${fmtDateTime('2026-12-03T15:00:00.000Z')}. Last reported Charging at ${fmtDateTime(base.timestamp)}.`);

  const unknown = connectorView({ ...base, effectiveStatus: 'Unknown', effectiveStatusReason: 'reports Charging but no session is open' });
  assert.equal(unknown.status, 'Unknown');
  assert.equal(unknown.reason, 'reports Charging but no session is open');
  assert.equal(unknown.reported, 'Charging');
  assert.equal(localiseTimes('no time here'), 'no time here');
});
