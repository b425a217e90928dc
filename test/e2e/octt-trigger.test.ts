// The OCTT 1.6 central-system test cases of the Remote Trigger profile (ocpp-checklist.md §4.2,
// TC_054 and TC_055), replayed against a real Plugboard: SimulatedCharger plays the OCTT's
// charge point, answering TriggerMessage and then sending the requested message, as OCPP 1.6
// §5.17 orders it (the answer first, then the message); the services play the operator.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { ISO_UTC, acceptedCharger, configurationHandlers, requiredCoreKeys, statusTrail } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const services = () => app.ctx.services;

interface Triggered {
  requestedMessage: string;
  connectorId?: number;
  /** the central system's answer to the message the charger sent */
  answer: Promise<unknown>;
}

/** What a charger sends when it is triggered (OCPP 1.6 §5.17; MeterValues with context Trigger, §7.35). */
function sendTriggered(cp: SimulatedCharger, p: { requestedMessage: string; connectorId?: number }): Promise<unknown> {
  const now = new Date().toISOString();
  switch (p.requestedMessage) {
    case 'MeterValues':
      return cp.call('MeterValues', {
        connectorId: p.connectorId ?? 0,
        meterValue: [{ timestamp: now, sampledValue: [{ value: '4321', context: 'Trigger', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
      });
    case 'Heartbeat':
      return cp.heartbeat();
    case 'StatusNotification':
      return cp.status(p.connectorId ?? 0, 'Available');
    case 'DiagnosticsStatusNotification':
      return cp.call('DiagnosticsStatusNotification', { status: 'Idle' });
    case 'FirmwareStatusNotification':
      return cp.call('FirmwareStatusNotification', { status: 'Idle' });
    default:
      return cp.boot();
  }
}

/**
 * A charger with `connectors` connectors: TriggerMessage for a connector it does not have is
 * Rejected (TC_055); otherwise Accepted, and the requested message follows the answer.
 */
function triggerableCharger(connectors: number) {
  const triggered: Triggered[] = [];
  let cp: SimulatedCharger;
  const keys = { ...requiredCoreKeys(), NumberOfConnectors: { value: String(connectors), readonly: true } };
  const handlers = {
    ...configurationHandlers(keys),
    TriggerMessage: (p: { requestedMessage: string; connectorId?: number }) => {
      if (p.connectorId !== undefined && p.connectorId > connectors) return { status: 'Rejected' };
      let send!: () => void;
      const answer = new Promise<unknown>((resolve, reject) => (send = () => sendTriggered(cp, p).then(resolve, reject)));
      answer.catch(() => {}); // awaited by the test; this only keeps an early rejection from being reported as unhandled
      triggered.push({ ...p, answer });
      // After this handler's CALLRESULT has gone out.
      setImmediate(send);
      return { status: 'Accepted' };
    },
  };
  return { triggered, handlers, bind: (c: SimulatedCharger) => (cp = c) };
}

test('TC_054_CSMS Trigger Message', async () => {
  const id = 'TC_054';
  const model = triggerableCharger(1);
  const cp = model.bind(await acceptedCharger(app, id, { handlers: model.handlers }));
  const requests = [
    { requestedMessage: 'MeterValues', connectorId: 1 },
    { requestedMessage: 'Heartbeat' },
    { requestedMessage: 'StatusNotification', connectorId: 1 },
    { requestedMessage: 'DiagnosticsStatusNotification' },
    { requestedMessage: 'FirmwareStatusNotification' },
  ] as const;
  for (const req of requests) {
    assert.deepEqual(await services().trigger.trigger(id, req), { status: 'Accepted' }, req.requestedMessage);
  }
  assert.deepEqual(cp.received, requests.map((payload) => ({ action: 'TriggerMessage', payload })), 'exactly these TriggerMessages');

  const answers = await Promise.all(model.triggered.map((t) => t.answer));
  const [meterValues, heartbeat, status, diagnostics, firmware] = answers as Array<Record<string, unknown>>;
  assert.deepEqual(meterValues, {});
  assert.match(String(heartbeat.currentTime), ISO_UTC);
  assert.deepEqual(status, {});
  assert.deepEqual(diagnostics, {});
  assert.deepEqual(firmware, {});

  const triggeredValues = await app.ctx.db.kysely.selectFrom('meter_values').selectAll().where('station_id', '=', id).execute();
  assert.deepEqual(triggeredValues.map((m) => [m.connector_id, m.value, m.context, m.transaction_id]), [[1, '4321', 'Trigger', null]]);
  assert.deepEqual(await statusTrail(app, id, 1), ['Available', 'Available'], 'the triggered StatusNotification is stored');
});

test('TC_055_CSMS Trigger Message – Rejected', async () => {
  const id = 'TC_055';
  const model = triggerableCharger(2);
  const cp = model.bind(await acceptedCharger(app, id, { handlers: model.handlers }, 2));
  const config = await services().stations.getConfiguration(id, { key: ['NumberOfConnectors'] });
  const connectors = Number(config.configurationKey?.[0].value);
  assert.equal(connectors, 2);
  const res = await services().trigger.trigger(id, { requestedMessage: 'MeterValues', connectorId: connectors + 1 });
  assert.deepEqual(res, { status: 'Rejected' });
  assert.deepEqual(cp.received[1], { action: 'TriggerMessage', payload: { requestedMessage: 'MeterValues', connectorId: 3 } });
  assert.equal(model.triggered.length, 0, 'nothing follows a Rejected trigger');
});
