import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as schemas16 from 'typed-ocpp/dist/ocpp16/schemas.js';
import {
  CENTRAL_TO_CHARGER_ACTIONS,
  CHARGER_TO_CENTRAL_ACTIONS,
  errorCodeForKeyword,
  ocpp16Validator as v,
  precompileOcpp16Schemas,
  type Validation,
} from '../../src/protocol/validator.ts';

function rejected(result: Validation): Extract<Validation, { ok: false }> {
  assert.equal(result.ok, false, 'expected the payload to be rejected');
  return result as Extract<Validation, { ok: false }>;
}

const realBoot = {
  chargePointVendor: 'ABB',
  chargePointModel: 'Terra AC W22-T-R-0',
  chargePointSerialNumber: 'TACW2242321G1234',
  chargeBoxSerialNumber: 'TACW2242321G1234',
  firmwareVersion: '1.6.8',
  iccid: '89490200001234567890',
  imsi: '262011234567890',
  meterType: 'ABB B23 112-100',
  meterSerialNumber: '1234567',
};

function meterValues(unit: string) {
  return {
    connectorId: 1,
    transactionId: 42,
    meterValue: [
      {
        timestamp: '2024-05-01T10:00:00Z',
        sampledValue: [
          { value: '12345', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '31.5', measurand: 'Temperature', unit, location: 'Body' },
        ],
      },
    ],
  };
}

test('a real BootNotification is valid', () => {
  assert.deepEqual(v.validateRequest('BootNotification', realBoot), { ok: true });
  assert.deepEqual(v.validateRequest('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }), { ok: true });
});

test('a wrong type is a TypeConstraintViolation naming the field', () => {
  const result = rejected(v.validateRequest('BootNotification', { chargePointVendor: 42, chargePointModel: 'M' }));
  assert.equal(result.code, 'TypeConstraintViolation');
  assert.match(result.message, /\/chargePointVendor/);
  assert.deepEqual(result.errors[0].path, '/chargePointVendor');
});

test('a missing required field is an OccurenceConstraintViolation (1.6 spelling) naming the field', () => {
  const result = rejected(v.validateRequest('BootNotification', { chargePointVendor: 'V' }));
  assert.equal(result.code, 'OccurenceConstraintViolation');
  assert.match(result.message, /\/chargePointModel is required/);
});

test('too long, not in the enum or a bad format is a PropertyConstraintViolation', () => {
  const tooLong = rejected(v.validateRequest('BootNotification', { ...realBoot, chargePointVendor: 'V'.repeat(21) }));
  assert.equal(tooLong.code, 'PropertyConstraintViolation');
  assert.match(tooLong.message, /\/chargePointVendor .*20 characters/);

  const notInEnum = rejected(
    v.validateRequest('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Plugged' }),
  );
  assert.equal(notInEnum.code, 'PropertyConstraintViolation');
  assert.match(notInEnum.message, /\/status must be one of: Available/);

  const badDate = rejected(v.validateResponse('Heartbeat', { currentTime: 'yesterday' }));
  assert.equal(badDate.code, 'PropertyConstraintViolation');
  assert.match(badDate.message, /\/currentTime/);
});

test('an unknown field is a FormationViolation, top level and nested (J-errata 3.1), and is not stripped', () => {
  const payload = { ...realBoot, colour: 'red' };
  const top = rejected(v.validateRequest('BootNotification', payload));
  assert.equal(top.code, 'FormationViolation');
  assert.match(top.message, /\/colour is not allowed/);
  assert.equal(payload.colour, 'red', 'the validator must never remove fields (typed-ocpp\'s own Ajv does)');

  const nested = rejected(
    v.validateResponse('Authorize', { idTagInfo: { status: 'Accepted', color: 'green' } }),
  );
  assert.equal(nested.code, 'FormationViolation');
  assert.match(nested.message, /\/idTagInfo\/color/);
});

test('an empty array where one item is required is an OccurenceConstraintViolation', () => {
  const result = rejected(v.validateResponse('GetInstalledCertificateIds', { status: 'Accepted', certificateHashData: [] }));
  assert.equal(result.code, 'OccurenceConstraintViolation');
});

test('keywords the 1.6 schemas do not use yet still map to the Table 7 codes', () => {
  assert.equal(errorCodeForKeyword('type'), 'TypeConstraintViolation');
  for (const keyword of ['required', 'dependencies', 'dependentRequired', 'minItems', 'maxItems']) {
    assert.equal(errorCodeForKeyword(keyword), 'OccurenceConstraintViolation', keyword);
  }
  for (const keyword of ['maxLength', 'minLength', 'enum', 'format', 'minimum', 'maximum', 'pattern', 'const', 'multipleOf']) {
    assert.equal(errorCodeForKeyword(keyword), 'PropertyConstraintViolation', keyword);
  }
  for (const keyword of ['additionalProperties', 'additionalItems', 'oneOf', 'not']) {
    assert.equal(errorCodeForKeyword(keyword), 'FormationViolation', keyword);
  }
});

test('both Celsius spellings are accepted in MeterValues and StopTransaction (J-errata 2.1, Celsius V2)', () => {
  for (const unit of ['Celcius', 'Celsius', 'Fahrenheit', 'K']) {
    assert.deepEqual(v.validateRequest('MeterValues', meterValues(unit)), { ok: true }, unit);
    const stop = {
      meterStop: 20000,
      timestamp: '2024-05-01T11:00:00Z',
      transactionId: 42,
      transactionData: meterValues(unit).meterValue,
    };
    assert.deepEqual(v.validateRequest('StopTransaction', stop), { ok: true }, unit);
  }
  assert.equal(rejected(v.validateRequest('MeterValues', meterValues('Celsuis'))).code, 'PropertyConstraintViolation');
});

test('StopTransaction without reason or idTag is valid (J-errata 2.5)', () => {
  assert.deepEqual(
    v.validateRequest('StopTransaction', { meterStop: 20000, timestamp: '2024-05-01T11:00:00Z', transactionId: 42 }),
    { ok: true },
  );
});

test('BootNotification.conf interval is an integer (J-errata 2.3)', () => {
  const base = { status: 'Accepted', currentTime: '2024-05-01T10:00:00.000Z' };
  assert.deepEqual(v.validateResponse('BootNotification', { ...base, interval: 300 }), { ok: true });
  assert.equal(rejected(v.validateResponse('BootNotification', { ...base, interval: 300.5 })).code, 'TypeConstraintViolation');
  assert.equal(rejected(v.validateResponse('BootNotification', { ...base, interval: '300' })).code, 'TypeConstraintViolation');
});

test('UpdateFirmware retries and retryInterval are integers (J-errata 2.4)', () => {
  const base = { location: 'https://fw.example.com/fw.bin', retrieveDate: '2024-05-01T10:00:00Z' };
  assert.deepEqual(v.validateRequest('UpdateFirmware', { ...base, retries: 3, retryInterval: 60 }, 'local'), { ok: true });
  assert.equal(rejected(v.validateRequest('UpdateFirmware', { ...base, retries: 1.5 }, 'local')).code, 'TypeConstraintViolation');
});

test('the corrected SendLocalList schema compiles and validates (J-errata 2.2)', () => {
  const request = {
    listVersion: 3,
    updateType: 'Full',
    localAuthorizationList: [{ idTag: 'TAG1', idTagInfo: { status: 'Accepted', expiryDate: '2030-01-01T00:00:00Z' } }],
  };
  assert.deepEqual(v.validateRequest('SendLocalList', request, 'local'), { ok: true });
  const missingStatus = { ...request, localAuthorizationList: [{ idTag: 'TAG1', idTagInfo: {} }] };
  assert.equal(rejected(v.validateRequest('SendLocalList', missingStatus, 'local')).code, 'OccurenceConstraintViolation');
});

test("a peer's timestamp without UTC offset is accepted; one of ours is not", () => {
  const stop = { meterStop: 1, timestamp: '2024-05-01T11:00:00', transactionId: 1 };
  assert.deepEqual(v.validateRequest('StopTransaction', stop), { ok: true });
  assert.deepEqual(v.validateRequest('StopTransaction', stop, 'peer'), { ok: true });
  assert.equal(rejected(v.validateRequest('StopTransaction', stop, 'local')).code, 'PropertyConstraintViolation');
  assert.equal(
    rejected(v.validateRequest('StopTransaction', { ...stop, timestamp: '11:00 yesterday' })).code,
    'PropertyConstraintViolation',
  );
  assert.deepEqual(v.validateResponse('Heartbeat', { currentTime: new Date().toISOString() }, 'local'), { ok: true });
});

test('unknown actions are NotImplemented, and action names are case-sensitive', () => {
  assert.equal(rejected(v.validateRequest('FooBar', {})).code, 'NotImplemented');
  assert.equal(rejected(v.validateRequest('heartbeat', {})).code, 'NotImplemented');
  assert.equal(rejected(v.validateRequest('constructor', {})).code, 'NotImplemented');
  assert.equal(rejected(v.validateResponse('BootNotificationRequest', {})).code, 'NotImplemented');
  assert.equal(v.isKnownAction('Heartbeat'), true);
  assert.equal(v.isKnownAction('heartbeat'), false);
  assert.equal(v.isKnownAction('NotifyEvent'), false, '2.0.1 actions are not 1.6 actions');
});

test('the action lists cover every 1.6 and Security Whitepaper schema, in the right direction', () => {
  assert.equal(CHARGER_TO_CENTRAL_ACTIONS.length, 14);
  assert.equal(CENTRAL_TO_CHARGER_ACTIONS.length, 26);
  const both = CHARGER_TO_CENTRAL_ACTIONS.filter((a) => (CENTRAL_TO_CHARGER_ACTIONS as readonly string[]).includes(a));
  assert.deepEqual(both, ['DataTransfer']);
  const actions = new Set<string>([...CHARGER_TO_CENTRAL_ACTIONS, ...CENTRAL_TO_CHARGER_ACTIONS]);
  assert.equal(actions.size, 39);
  const fromSchemas = new Set(Object.keys(schemas16).map((name) => name.replace(/(Request|Response)$/, '')));
  assert.deepEqual([...fromSchemas].sort(), [...actions].sort());
  for (const action of actions) {
    assert.ok(Object.hasOwn(schemas16, `${action}Request`) && Object.hasOwn(schemas16, `${action}Response`), action);
  }
  assert.ok(v.isChargerAction('StartTransaction') && !v.isCentralAction('StartTransaction'));
  assert.ok(v.isCentralAction('Reset') && !v.isChargerAction('Reset'));
  assert.ok(v.isChargerAction('SignCertificate') && v.isCentralAction('CertificateSigned'));
  assert.ok(v.isChargerAction('DataTransfer') && v.isCentralAction('DataTransfer'));
});

test('every schema compiles, for both ends of the link', () => {
  precompileOcpp16Schemas('central');
  precompileOcpp16Schemas('charger');
});

test('the protocol layer loads only typed-ocpp\'s schema files at runtime, never its entry point', () => {
  // typed-ocpp's entry point compiles every schema of every version (~3 s): the protocol layer
  // must import only the schema objects. A child process records every module it resolves (no
  // timing: the speed itself is measured in bench/).
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
    const p = await import('./src/protocol/index.ts');
    p.precompileOcpp16Schemas();
    process.stdout.write(JSON.stringify(seen));
  `;
  const seen: string[] = JSON.parse(
    String(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url) })),
  );
  const typed = seen.filter((u) => u.includes('/node_modules/typed-ocpp/'));
  assert.ok(typed.length > 0, 'the schemas come from typed-ocpp');
  assert.deepEqual(typed.filter((u) => !/\/dist\/ocpp(16|20)\/schemas\.js$/.test(u)), [], 'only the 1.6 and 2.0.1 schema modules are loaded');
});

test('multipleOf 0.1 accepts every decimal with one fraction digit (floating-point tolerance)', () => {
  const profile = (limit: number) => ({
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    },
  });
  for (const limit of [22.2, 0.3, 11.7, 13.8, 6, 32.1]) {
    assert.equal(v.validateRequest('SetChargingProfile', profile(limit), 'local').ok, true, `limit ${limit}`);
  }
  assert.equal(v.validateRequest('SetChargingProfile', profile(22.25), 'local').ok, false, 'two fraction digits stay invalid');
});
