// OCPP-J 2.0.1 RPC rules on a 2.0.1 endpoint (OCPP 2.0.1 Part 4 §4.2.3, §4.3): a frame that is
// no RPC message gets RpcFrameworkError (messageId "-1" when it cannot be read), an unknown
// MessageTypeId gets MessageTypeNotSupported, payload errors use the 2.0.1 spellings. The same
// frames on a 1.6 endpoint keep the 1.6 answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFrame } from '../../src/protocol/frames.ts';
import { RpcEndpoint } from '../../src/protocol/rpc.ts';
import { ocpp16Validator, ocpp201Validator } from '../../src/protocol/validator.ts';
import { captureLog } from './helpers.ts';

function lone(version: '1.6' | '2.0.1') {
  const sent: string[] = [];
  const { log } = captureLog();
  const endpoint = new RpcEndpoint({
    role: 'central',
    validator: version === '2.0.1' ? ocpp201Validator : ocpp16Validator,
    callTimeoutMs: 2000,
    log,
    onCall: async () => ({ currentTime: new Date().toISOString(), interval: 300, status: 'Accepted' }),
    send(text) {
      sent.push(text);
    },
  });
  return { endpoint, sent };
}

function answerTo(version: '1.6' | '2.0.1', text: string): unknown[] | null {
  const { endpoint, sent } = lone(version);
  // A malformed or refused frame is answered (or ignored) within handleText.
  endpoint.handleText(text);
  return sent.length === 0 ? null : (JSON.parse(sent[0]) as unknown[]);
}

const codeAndId = (answer: unknown[] | null) => (answer === null ? null : [answer[0], answer[1], answer[2]]);

test('2.0.1: a frame that is not JSON or not an array gets RpcFrameworkError with messageId "-1"', () => {
  assert.deepEqual(codeAndId(answerTo('2.0.1', 'not json')), [4, '-1', 'RpcFrameworkError']);
  assert.deepEqual(codeAndId(answerTo('2.0.1', '{"a":1}')), [4, '-1', 'RpcFrameworkError']);
  assert.deepEqual(codeAndId(answerTo('2.0.1', '["2","m1","Heartbeat",{}]')), [4, 'm1', 'RpcFrameworkError'], 'MessageTypeId not a number');
  assert.deepEqual(codeAndId(answerTo('2.0.1', '[2,"m2","Heartbeat"]')), [4, 'm2', 'RpcFrameworkError'], 'a CALL of 3 elements');
  assert.deepEqual(codeAndId(answerTo('2.0.1', '[2,5,"Heartbeat",{}]')), [4, '-1', 'RpcFrameworkError'], 'a messageId that is no string');
  assert.deepEqual(codeAndId(answerTo('2.0.1', `[2,"${'x'.repeat(37)}","Heartbeat",{}]`))?.[2], 'RpcFrameworkError', 'a messageId over 36 characters');
  // 1.6 keeps its answers.
  assert.deepEqual(codeAndId(answerTo('1.6', 'not json')), [4, '-1', 'FormationViolation']);
  assert.deepEqual(codeAndId(answerTo('1.6', '[2,"m2","Heartbeat"]')), [4, 'm2', 'FormationViolation']);
});

test('2.0.1: an unknown MessageTypeId gets MessageTypeNotSupported; on 1.6 it is ignored', () => {
  assert.deepEqual(codeAndId(answerTo('2.0.1', '[7,"m3","Heartbeat",{}]')), [4, 'm3', 'MessageTypeNotSupported']);
  assert.deepEqual(codeAndId(answerTo('2.0.1', '[9]')), [4, '-1', 'MessageTypeNotSupported']);
  assert.equal(answerTo('1.6', '[7,"m3","Heartbeat",{}]'), null);
});

test('2.0.1: payload errors use FormatViolation and OccurrenceConstraintViolation, unknown actions NotImplemented', () => {
  assert.deepEqual(codeAndId(answerTo('2.0.1', '[2,"m4","BootNotification","x"]')), [4, 'm4', 'FormatViolation']);
  assert.deepEqual(codeAndId(answerTo('2.0.1', '[2,"m5","BootNotification",{"reason":"PowerUp"}]')), [4, 'm5', 'OccurrenceConstraintViolation']);
  assert.deepEqual(codeAndId(answerTo('2.0.1', '[2,"m6","Bogus",{}]')), [4, 'm6', 'NotImplemented']);
  assert.deepEqual(codeAndId(answerTo('1.6', '[2,"m5","BootNotification",{"chargePointVendor":"V"}]')), [4, 'm5', 'OccurenceConstraintViolation']);
  // A broken response is still never answered (no error ping-pong), whatever the version.
  assert.equal(answerTo('2.0.1', '[3,"m7"]'), null);
  assert.equal(answerTo('2.0.1', '[4,"m8","GenericError"]'), null);
});

test('parseFrame names the 2.0.1 code beside the nearest 1.6 one', () => {
  const bad = parseFrame('nope', '2.0.1');
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.code === 'FormationViolation' && bad.wireCode === 'RpcFrameworkError' && bad.messageId === null);
  const old = parseFrame('nope');
  assert.ok(!old.ok && old.wireCode === undefined);
  const unknownType = parseFrame('[6,"a",{}]', '2.0.1');
  assert.ok(!unknownType.ok && unknownType.wireCode === 'MessageTypeNotSupported' && !unknownType.ignore);
});
