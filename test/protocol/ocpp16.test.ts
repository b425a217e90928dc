// The typed maps are checked by `npm run typecheck`: each @ts-expect-error below fails the
// typecheck if the mistake it marks ever stops being a compile error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  CentralAction,
  CentralToCharger,
  ChargerAction,
  Ocpp16ChargerHandlers,
  Ocpp16Handlers,
} from '../../src/protocol/ocpp16.ts';
import { ocpp16Validator } from '../../src/protocol/validator.ts';

interface Ctx {
  chargePointId: string;
}

const handlers: Ocpp16Handlers<Ctx> = {
  BootNotification: async (req) => ({
    status: req.chargePointVendor === 'Blocked' ? 'Rejected' : 'Accepted',
    currentTime: new Date().toISOString(),
    interval: 300,
  }),
  // Every StopTransaction.conf field is optional: the CS can never refuse a stop.
  StopTransaction: async () => ({}),
  Heartbeat: async () => ({ currentTime: new Date().toISOString() }),
};

const wrongField: Ocpp16Handlers<Ctx> = {
  // @ts-expect-error currentTme is not a field of HeartbeatResponse
  Heartbeat: async () => ({ currentTme: new Date().toISOString() }),
};

const wrongEnum: Ocpp16Handlers<Ctx> = {
  // @ts-expect-error 'OK' is not a RegistrationStatus
  BootNotification: async () => ({ status: 'OK', currentTime: new Date().toISOString(), interval: 300 }),
};

const wrongDirection: Ocpp16Handlers<Ctx> = {
  // @ts-expect-error Reset is sent by the Central System, so it has no Central System handler
  Reset: async () => ({ status: 'Accepted' }),
};

// @ts-expect-error Reset is not a charger action
const notChargerAction: ChargerAction = 'Reset';
// @ts-expect-error BootNotification is not a Central System action
const notCentralAction: CentralAction = 'BootNotification';

const resetRequest: CentralToCharger['Reset']['req'] = { type: 'Soft' };
// @ts-expect-error 'Warm' is not a ResetType
const badReset: CentralToCharger['Reset']['req'] = { type: 'Warm' };

const chargerHandlers: Ocpp16ChargerHandlers<null> = {
  Reset: async () => ({ status: 'Accepted' }),
};

test("typed handlers' responses pass the runtime schema", async () => {
  const ctx = { chargePointId: 'CP1' };
  const boot = await handlers.BootNotification?.({ chargePointVendor: 'V', chargePointModel: 'M' }, ctx);
  assert.deepEqual(ocpp16Validator.validateResponse('BootNotification', boot, 'local'), { ok: true });
  const heartbeat = await handlers.Heartbeat?.({}, ctx);
  assert.deepEqual(ocpp16Validator.validateResponse('Heartbeat', heartbeat, 'local'), { ok: true });
  const stop = await handlers.StopTransaction?.({ meterStop: 1, timestamp: new Date().toISOString(), transactionId: 1 }, ctx);
  assert.deepEqual(ocpp16Validator.validateResponse('StopTransaction', stop, 'local'), { ok: true });
  const reset = await chargerHandlers.Reset?.(resetRequest, null);
  assert.deepEqual(ocpp16Validator.validateResponse('Reset', reset, 'local'), { ok: true });
});

test('what the type checker refuses, the runtime schema refuses too', async () => {
  const ctx = { chargePointId: 'CP1' };
  const heartbeat = await wrongField.Heartbeat?.({}, ctx);
  assert.equal(ocpp16Validator.validateResponse('Heartbeat', heartbeat, 'local').ok, false);
  const boot = await wrongEnum.BootNotification?.({ chargePointVendor: 'V', chargePointModel: 'M' }, ctx);
  assert.equal(ocpp16Validator.validateResponse('BootNotification', boot, 'local').ok, false);
  assert.equal(ocpp16Validator.validateRequest('Reset', badReset, 'local').ok, false);
  assert.equal(ocpp16Validator.isChargerAction(notChargerAction), false);
  assert.equal(ocpp16Validator.isCentralAction(notCentralAction), false);
  assert.ok('Reset' in wrongDirection);
});
