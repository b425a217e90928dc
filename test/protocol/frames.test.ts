import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeCall,
  encodeCallError,
  encodeCallResult,
  parseFrame,
  type FrameError,
} from '../../src/protocol/frames.ts';
import { ERROR_CODES_16, isErrorCode16, normalizeErrorCode, OcppError } from '../../src/protocol/errors.ts';

function failure(text: string): FrameError {
  const result = parseFrame(text);
  assert.equal(result.ok, false, `expected ${JSON.stringify(text)} to be rejected`);
  return result as FrameError;
}

test('valid CALL, CALLRESULT and CALLERROR decode to frames', () => {
  assert.deepEqual(parseFrame('[2,"19223201","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'), {
    ok: true,
    frame: {
      type: 2,
      id: '19223201',
      action: 'BootNotification',
      payload: { chargePointVendor: 'V', chargePointModel: 'M' },
    },
  });
  assert.deepEqual(parseFrame('[3,"a",{"currentTime":"2024-01-01T00:00:00Z"}]'), {
    ok: true,
    frame: { type: 3, id: 'a', payload: { currentTime: '2024-01-01T00:00:00Z' } },
  });
  assert.deepEqual(parseFrame('[4,"a","GenericError","",{}]'), {
    ok: true,
    frame: { type: 4, id: 'a', code: 'GenericError', description: '', details: {} },
  });
});

test('a null payload is an empty one (OCPP-J 1.6 §4.1.2)', () => {
  assert.deepEqual(parseFrame('[2,"1","Heartbeat",null]'), {
    ok: true,
    frame: { type: 2, id: '1', action: 'Heartbeat', payload: {} },
  });
  assert.deepEqual(parseFrame('[3,"1",null]'), { ok: true, frame: { type: 3, id: '1', payload: {} } });
  assert.deepEqual(parseFrame('[4,"1","NotSupported","no",null]'), {
    ok: true,
    frame: { type: 4, id: '1', code: 'NotSupported', description: 'no', details: {} },
  });
});

test('action names are kept exactly as sent (case-sensitive)', () => {
  const result = parseFrame('[2,"1","heartbeat",{}]');
  assert.ok(result.ok && result.frame.type === 2);
  assert.equal(result.frame.action, 'heartbeat');
});

test('text that is not a JSON array is a FormationViolation with no message id', () => {
  for (const text of ['', 'not json', '[2,"1","Heartbeat",{}', '{}', '"text"', '42', 'null', 'true']) {
    const error = failure(text);
    assert.equal(error.code, 'FormationViolation', text);
    assert.equal(error.messageId, null, text);
    assert.equal(error.ignore, false, text);
    assert.equal(error.messageType, null, text);
  }
});

test('a MessageTypeId that is not a number is a FormationViolation, echoing a readable id', () => {
  assert.deepEqual(failure('[]'), {
    ok: false,
    messageId: null,
    code: 'FormationViolation',
    description: 'MessageTypeId must be a number',
    ignore: false,
    messageType: null,
  });
  const stringType = failure('["2","abc","Heartbeat",{}]');
  assert.equal(stringType.code, 'FormationViolation');
  assert.equal(stringType.messageId, 'abc');
  assert.equal(stringType.ignore, false);
  assert.equal(failure('[null,"abc"]').messageId, 'abc');
});

test('an unknown MessageTypeId is ignored, not answered (OCPP-J 1.6 §4.1.3)', () => {
  for (const text of ['[5,"abc",{}]', '[0]', '[1,"abc","Heartbeat",{}]', '[-1,"abc"]', '[2.5,"abc","Heartbeat",{}]', '[6]']) {
    const error = failure(text);
    assert.equal(error.ignore, true, text);
    assert.equal(typeof error.messageType, 'number', text);
  }
  assert.equal(failure('[5,"abc",{}]').messageId, 'abc');
});

test('a message id that is missing or not a string is a FormationViolation without id', () => {
  for (const text of ['[2]', '[2,5,"Heartbeat",{}]', '[2,null,"Heartbeat",{}]', '[2,["1"],"Heartbeat",{}]']) {
    const error = failure(text);
    assert.equal(error.code, 'FormationViolation', text);
    assert.equal(error.messageId, null, text);
    assert.equal(error.ignore, false, text);
    assert.equal(error.messageType, 2, text);
  }
});

test('message ids are 1 to 36 characters (OCPP-J 1.6 §4.1.4)', () => {
  const id36 = 'a'.repeat(36);
  assert.equal(parseFrame(`[2,"${id36}","Heartbeat",{}]`).ok, true);
  const long = failure(`[2,"${id36}x","Heartbeat",{}]`);
  assert.equal(long.code, 'FormationViolation');
  assert.equal(long.messageId, `${id36}x`, 'the id is echoed so the peer can match the error');
  assert.equal(long.ignore, false);
  const empty = failure('[2,"","Heartbeat",{}]');
  assert.equal(empty.code, 'FormationViolation');
  assert.equal(empty.messageId, '');
});

test('a CALL of the wrong length or with a bad action or payload is a FormationViolation with its id', () => {
  const shapes = [
    '[2,"id"]',
    '[2,"id","Heartbeat"]',
    '[2,"id","Heartbeat",{},{}]',
    '[2,"id",5,{}]',
    '[2,"id",null,{}]',
    '[2,"id","",{}]',
    '[2,"id","Heartbeat",[]]',
    '[2,"id","Heartbeat","{}"]',
    '[2,"id","Heartbeat",5]',
    '[2,"id","Heartbeat",true]',
  ];
  for (const text of shapes) {
    const error = failure(text);
    assert.equal(error.code, 'FormationViolation', text);
    assert.equal(error.messageId, 'id', text);
    assert.equal(error.ignore, false, text);
    assert.equal(error.messageType, 2, text);
    assert.ok(error.description.length > 0, text);
  }
});

test('a malformed CALLRESULT or CALLERROR is reported but never answered', () => {
  const shapes = [
    '[3,"id"]',
    '[3,"id",{},{}]',
    '[3,"id",[]]',
    '[3,"id","ok"]',
    '[3,5,{}]',
    '[4,"id","GenericError","desc"]',
    '[4,"id","GenericError","desc",{},1]',
    '[4,"id",5,"desc",{}]',
    '[4,"id","GenericError",null,{}]',
    '[4,"id","GenericError","desc",[]]',
    `[3,"${'b'.repeat(37)}",{}]`,
  ];
  for (const text of shapes) {
    const error = failure(text);
    assert.equal(error.code, 'FormationViolation', text);
    assert.equal(error.ignore, true, text);
    assert.ok(error.messageType === 3 || error.messageType === 4, text);
  }
  assert.equal(failure('[3,"id"]').messageId, 'id', 'the id lets the caller fail the matching CALL');
});

test('encoders produce the §4.2 frames, with {} and "" for empty details and description', () => {
  assert.equal(encodeCall('1', 'Reset', { type: 'Soft' }), '[2,"1","Reset",{"type":"Soft"}]');
  assert.equal(encodeCall('1', 'ClearCache', undefined), '[2,"1","ClearCache",{}]');
  assert.equal(encodeCallResult('1', { status: 'Accepted' }), '[3,"1",{"status":"Accepted"}]');
  assert.equal(encodeCallResult('1', null), '[3,"1",{}]');
  assert.equal(encodeCallError('1', 'NotImplemented', ''), '[4,"1","NotImplemented","",{}]');
  assert.equal(
    encodeCallError('1', 'PropertyConstraintViolation', 'too long', { field: 'idTag' }),
    '[4,"1","PropertyConstraintViolation","too long",{"field":"idTag"}]',
  );
});

test('a CALLERROR for a frame whose id could not be read goes out with id "-1"', () => {
  assert.equal(encodeCallError(null, 'FormationViolation', 'Message is not valid JSON'), '[4,"-1","FormationViolation","Message is not valid JSON",{}]');
});

test('details that cannot be serialised do not stop the CALLERROR', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(encodeCallError('1', 'InternalError', 'x', cyclic), '[4,"1","InternalError","x",{}]');
  assert.equal(encodeCallError('1', 'InternalError', 'x', { n: 1n }), '[4,"1","InternalError","x",{}]');
  assert.equal(
    encodeCallError('1', 'InternalError', 'x', ['not', 'an', 'object'] as unknown as Record<string, unknown>),
    '[4,"1","InternalError","x",{}]',
  );
});

test('error codes: the 1.6 list, and 2.x spellings normalised on input (J-errata 5.1/5.2)', () => {
  assert.equal(ERROR_CODES_16.length, 10);
  assert.ok(isErrorCode16('FormationViolation'));
  assert.ok(isErrorCode16('OccurenceConstraintViolation'));
  assert.ok(!isErrorCode16('FormatViolation'));
  assert.ok(!isErrorCode16('OccurrenceConstraintViolation'));
  assert.ok(!isErrorCode16('RpcFrameworkError'));
  assert.equal(normalizeErrorCode('FormatViolation'), 'FormationViolation');
  assert.equal(normalizeErrorCode('OccurrenceConstraintViolation'), 'OccurenceConstraintViolation');
  assert.equal(normalizeErrorCode('FormationViolation'), 'FormationViolation');
  assert.equal(normalizeErrorCode('RpcFrameworkError'), 'RpcFrameworkError');
  assert.equal(normalizeErrorCode('toString'), 'toString');
});

test('OcppError carries its code and details', () => {
  const error = new OcppError('SecurityError', 'not accepted yet');
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'SecurityError');
  assert.equal(error.message, 'not accepted yet');
  assert.deepEqual(error.details, {});
  assert.deepEqual(new OcppError('GenericError', 'x', { a: 1 }).details, { a: 1 });
});
