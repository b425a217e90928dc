import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { OcppError } from '../../src/protocol/errors.ts';
import {
  MAX_QUEUED_INBOUND_CALLS,
  RpcCallError,
  RpcClosedError,
  RpcEndpoint,
  RpcTimeoutError,
  UNMATCHED_SAMPLE_PER_MINUTE,
  type FrameInfo,
  type RpcOptions,
} from '../../src/protocol/rpc.ts';
import { ocpp16Validator } from '../../src/protocol/validator.ts';
import { captureLog, settle, until, type LogLine } from './helpers.ts';

type OnCall = RpcOptions['onCall'];

interface Side {
  endpoint: RpcEndpoint;
  /** every frame this side wrote, in order */
  sent: string[];
  frames: Array<{ direction: 'in' | 'out'; text: string } & FrameInfo>;
  bad: string[];
  handled: Array<{ action: string; durationMs: number; errorCode: string | null }>;
  logs: { at(level: 'warn' | 'error'): LogLine[] };
}

function side(role: 'central' | 'charger', deliver: (text: string) => void, onCall: OnCall, callTimeoutMs = 2000): Side {
  const { log, at } = captureLog();
  const s = { sent: [], frames: [], bad: [], handled: [], logs: { at } } as unknown as Side;
  s.endpoint = new RpcEndpoint({
    role,
    validator: ocpp16Validator,
    callTimeoutMs,
    log,
    onCall,
    send(text) {
      s.sent.push(text);
      deliver(text);
    },
    onFrame(direction, text, info) {
      s.frames.push({ direction, text, ...info });
    },
    onBadMessage(reason) {
      s.bad.push(reason);
    },
    onCallHandled(action, durationMs, errorCode) {
      s.handled.push({ action, durationMs, errorCode });
    },
  });
  return s;
}

const refuseAll: OnCall = async (action) => {
  throw new Error(`no handler for ${action} in this test`);
};

/** A Central System and a charger wired back to back: each frame arrives a turn later. */
function link(centralOnCall: OnCall, chargerOnCall: OnCall = refuseAll, callTimeoutMs?: number) {
  const central: Side = side('central', (text) => setImmediate(() => charger.endpoint.handleText(text)), centralOnCall, callTimeoutMs);
  const charger: Side = side('charger', (text) => setImmediate(() => central.endpoint.handleText(text)), chargerOnCall, callTimeoutMs);
  return { central, charger };
}

/** A lone Central System endpoint: frames are fed by hand and what it writes is only recorded. */
function lone(onCall: OnCall = refuseAll, callTimeoutMs?: number): Side {
  return side('central', () => {}, onCall, callTimeoutMs);
}

function frame(text: string): unknown[] {
  return JSON.parse(text) as unknown[];
}

const now = () => new Date().toISOString();
const bootRequest = { chargePointVendor: 'Vendor', chargePointModel: 'Model' };
const startRequest = { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2024-05-01T10:00:00Z' };
const stopRequest = { meterStop: 1500, timestamp: '2024-05-01T10:30:00Z', transactionId: 7 };

test('a CALL and its CALLRESULT round-trip, with frames and metrics reported', async () => {
  const { central, charger } = link(async (action, payload) => {
    assert.equal(action, 'BootNotification');
    assert.deepEqual(payload, bootRequest);
    return { status: 'Accepted', currentTime: now(), interval: 300 };
  });
  const response = (await charger.endpoint.call('BootNotification', bootRequest)) as { status: string; interval: number };
  assert.equal(response.status, 'Accepted');
  assert.equal(response.interval, 300);

  const [callIn, resultOut] = central.frames;
  assert.equal(callIn.direction, 'in');
  assert.equal(callIn.type, 2);
  assert.equal(callIn.action, 'BootNotification');
  assert.equal(resultOut.direction, 'out');
  assert.equal(resultOut.type, 3);
  assert.equal(resultOut.action, 'BootNotification', 'the action is filled in for the result');
  assert.equal(resultOut.messageId, callIn.messageId);
  assert.equal(central.handled.length, 1);
  assert.equal(central.handled[0].action, 'BootNotification');
  assert.equal(central.handled[0].errorCode, null);
  assert.ok(central.handled[0].durationMs >= 0);
  const resultIn = charger.frames.find((f) => f.direction === 'in');
  assert.equal(resultIn?.action, 'BootNotification');
});

test('an options object with prototype methods and getters is used as given, never copied', async () => {
  const { log } = captureLog();
  const written: string[] = [];
  class Bridge {
    timeout = 1000;
    get validator() {
      return ocpp16Validator;
    }
    get callTimeoutMs() {
      return this.timeout;
    }
    get log() {
      return log;
    }
    send(text: string) {
      written.push(text);
    }
    async onCall() {
      return { currentTime: now() };
    }
  }
  const endpoint = new RpcEndpoint(new Bridge());
  endpoint.handleText('[2,"h1","Heartbeat",{}]');
  await until(() => written.length === 1);
  assert.equal(frame(written[0])[0], 3);
});

test('only one CALL is outstanding; the next is sent after the first is answered (OCPP-J 1.6 §4.1.1)', async () => {
  const release = Promise.withResolvers<void>();
  const seenByCharger: string[] = [];
  const { central } = link(refuseAll, async (action, payload) => {
    const { key } = payload as { key: string };
    seenByCharger.push(key);
    if (key === 'First') await release.promise;
    return { status: 'Accepted' };
  });
  const first = central.endpoint.call('ChangeConfiguration', { key: 'First', value: '1' });
  const second = central.endpoint.call('ChangeConfiguration', { key: 'Second', value: '2' });
  assert.equal(central.endpoint.pendingCalls, 2);
  await settle();
  assert.equal(central.sent.length, 1, 'the second CALL must wait');
  assert.deepEqual(seenByCharger, ['First']);

  release.resolve();
  assert.deepEqual(await first, { status: 'Accepted' });
  assert.deepEqual(await second, { status: 'Accepted' });
  assert.deepEqual(seenByCharger, ['First', 'Second']);
  assert.deepEqual(
    central.frames.map((f) => `${f.direction} ${f.type}`),
    ['out 2', 'in 3', 'out 2', 'in 3'],
  );
  assert.equal(central.endpoint.pendingCalls, 0);
});

test('message ids of our CALLs are unique and at most 36 characters', async () => {
  const { central } = link(refuseAll, async () => ({ status: 'Accepted' }));
  for (let i = 0; i < 5; i++) await central.endpoint.call('ClearCache', {});
  const ids = central.sent.map((text) => frame(text)[1] as string);
  assert.equal(new Set(ids).size, 5);
  for (const id of ids) assert.ok(id.length > 0 && id.length <= 36, id);
});

test('a timeout rejects with code Timeout, frees the queue, and the late answer is ignored', async () => {
  const release = Promise.withResolvers<void>();
  const { central } = link(
    refuseAll,
    async (action) => {
      if (action === 'Reset') {
        await release.promise;
        return { status: 'Accepted' };
      }
      return { status: 'Accepted' };
    },
    5000,
  );
  const reset = central.endpoint.call('Reset', { type: 'Soft' }, { timeoutMs: 50 });
  const clearCache = central.endpoint.call('ClearCache', {});
  const started = Date.now();
  await assert.rejects(reset, (err: unknown) => {
    assert.ok(err instanceof RpcTimeoutError);
    assert.equal(err.code, 'Timeout');
    assert.equal(err.action, 'Reset');
    return true;
  });
  assert.ok(Date.now() - started >= 40, 'the timeout runs from sending');
  assert.equal(central.sent.length, 2, 'the queued CALL goes out as soon as the slot is free');
  assert.equal(frame(central.sent[1])[2], 'ClearCache');
  assert.equal(central.endpoint.pendingCalls, 1);

  // The charger answers Reset at last, then ClearCache (it handles CALLs in order).
  release.resolve();
  assert.deepEqual(await clearCache, { status: 'Accepted' });
  const late = central.logs.at('warn').filter((line) => /late CALLRESULT for a CALL that had timed out/.test(line.msg));
  assert.equal(late.length, 1, 'the late Reset answer is logged once and otherwise ignored');
  assert.equal(late[0].messageId, frame(central.sent[0])[1]);
  assert.equal(central.bad.length, 0, 'a late answer is not misbehaviour');
  // A second answer under the same id is no longer late: nothing of ours awaits it.
  central.endpoint.handleText(JSON.stringify([3, frame(central.sent[0])[1], { status: 'Accepted' }]));
  assert.equal(central.bad.length, 1);
});

test('responses for unknown ids count as bad messages; only a sample per minute is logged and recorded', () => {
  const central = lone();
  assert.doesNotThrow(() => central.endpoint.handleText('[3,"nobody",{}]'));
  assert.doesNotThrow(() => central.endpoint.handleText('[4,"nobody","GenericError","",{}]'));
  assert.equal(central.sent.length, 0, 'never answered');
  assert.equal(central.bad.length, 2, 'an answer to a CALL we never sent is misbehaviour');
  assert.match(central.bad[0], /CALLRESULT for unknown message id nobody/);
  assert.match(central.bad[1], /CALLERROR for unknown message id nobody/);

  const flood = 50;
  for (let i = 0; i < flood; i++) central.endpoint.handleText(`[3,"x${i}",{}]`);
  assert.equal(central.bad.length, 2 + flood, 'every one is counted');
  const warnings = central.logs.at('warn').filter((l) => /unknown message id/.test(l.msg));
  assert.equal(warnings.length, UNMATCHED_SAMPLE_PER_MINUTE, 'one warning each only for the sample');
  const recorded = central.frames.filter((f) => f.direction === 'in' && f.unlogged !== true);
  assert.equal(recorded.length, UNMATCHED_SAMPLE_PER_MINUTE, 'only the sample goes to the message log');
  assert.equal(central.frames.length, 2 + flood, 'all are still reported (metrics count them)');

  central.endpoint.close('test over');
  const summary = central.logs.at('warn').find((l) => /not logged/.test(l.msg));
  assert.ok(summary, 'one summary line says how many were left out');
  assert.equal(summary.skipped, 2 + flood - UNMATCHED_SAMPLE_PER_MINUTE);
});

test('inbound CALLs are handled one at a time in arrival order, even when pipelined', async () => {
  const events: string[] = [];
  const central = lone(async (action) => {
    events.push(`${action} begin`);
    if (action === 'StartTransaction') {
      await new Promise((resolve) => setTimeout(resolve, 30));
      events.push(`${action} end`);
      return { idTagInfo: { status: 'Accepted' }, transactionId: 7 };
    }
    events.push(`${action} end`);
    return { idTagInfo: { status: 'Accepted' } };
  });
  central.endpoint.handleText(JSON.stringify([2, 's1', 'StartTransaction', startRequest]));
  central.endpoint.handleText(JSON.stringify([2, 's2', 'StopTransaction', stopRequest]));
  central.endpoint.handleText(JSON.stringify([2, 's3', 'Heartbeat', {}]));
  await until(() => central.sent.length === 3);
  assert.deepEqual(events, [
    'StartTransaction begin',
    'StartTransaction end',
    'StopTransaction begin',
    'StopTransaction end',
    'Heartbeat begin',
    'Heartbeat end',
  ]);
  assert.deepEqual(
    central.sent.map((text) => frame(text).slice(0, 2)),
    [
      [3, 's1'],
      [3, 's2'],
      [4, 's3'],
    ],
  );
});

test('CALLs may cross: each side answers the other while its own CALL is outstanding', async () => {
  const { central, charger } = link(
    async () => {
      // Before answering the boot, the Central System asks the charger something.
      const config = (await central.endpoint.call('GetConfiguration', { key: ['HeartbeatInterval'] })) as {
        configurationKey: Array<{ value: string }>;
      };
      return { status: 'Accepted', currentTime: now(), interval: Number(config.configurationKey[0].value) };
    },
    async () => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '120' }] }),
  );
  const boot = (await charger.endpoint.call('BootNotification', bootRequest)) as { interval: number };
  assert.equal(boot.interval, 120);
});

test('an invalid outbound payload rejects with OcppError and is never sent', async () => {
  const central = lone();
  await assert.rejects(central.endpoint.call('ChangeConfiguration', { key: 'K', value: 5 }), (err: unknown) => {
    assert.ok(err instanceof OcppError);
    assert.equal(err.code, 'TypeConstraintViolation');
    assert.match(err.message, /\/value/);
    return true;
  });
  await assert.rejects(central.endpoint.call('Reset', { type: 'Soft', extra: 1 }), { code: 'FormationViolation' });
  await assert.rejects(central.endpoint.call('RemoteStartTransaction', {}), { code: 'OccurenceConstraintViolation' });
  // Wrong direction or unknown: programming errors, also never sent.
  await assert.rejects(central.endpoint.call('BootNotification', bootRequest), { code: 'NotSupported' });
  await assert.rejects(central.endpoint.call('Frobnicate', {}), { code: 'NotImplemented' });
  assert.equal(central.sent.length, 0);
  assert.equal(central.endpoint.pendingCalls, 0);

  // ...and none of that held up the queue.
  void central.endpoint.call('ClearCache', {}).catch(() => {});
  assert.equal(central.sent.length, 1);
  central.endpoint.close('test over');
});

test("a handler's schema-invalid response becomes InternalError and is logged at error", async () => {
  const { central, charger } = link(async (action) => {
    if (action === 'Heartbeat') return { currentTime: 'half past ten' };
    return { status: 'Accepted', currentTime: now(), interval: 300, note: 'extra' };
  });
  await assert.rejects(charger.endpoint.call('Heartbeat', {}), (err: unknown) => {
    assert.ok(err instanceof RpcCallError);
    assert.equal(err.code, 'InternalError');
    assert.equal(err.action, 'Heartbeat');
    return true;
  });
  await assert.rejects(charger.endpoint.call('BootNotification', bootRequest), { code: 'InternalError' });
  assert.ok(central.sent.every((text) => !text.includes('half past ten') && !text.includes('extra')));
  const errors = central.logs.at('error');
  assert.equal(errors.length, 2);
  assert.equal(errors[0].action, 'Heartbeat');
  assert.deepEqual(
    central.handled.map((h) => h.errorCode),
    ['InternalError', 'InternalError'],
  );
});

test('OcppError from a handler becomes its CALLERROR; any other throw becomes InternalError without leaking', async () => {
  const { central, charger } = link(async (action) => {
    if (action === 'Authorize') throw new OcppError('SecurityError', 'Not accepted yet', { hint: 'boot first' });
    throw new Error('connection to db-7.internal refused');
  });
  await assert.rejects(charger.endpoint.call('Authorize', { idTag: 'TAG1' }), (err: unknown) => {
    assert.ok(err instanceof RpcCallError);
    assert.equal(err.code, 'SecurityError');
    assert.equal(err.description, 'Not accepted yet');
    assert.deepEqual(err.details, { hint: 'boot first' });
    return true;
  });
  await assert.rejects(charger.endpoint.call('Heartbeat', {}), (err: unknown) => {
    assert.ok(err instanceof RpcCallError);
    assert.equal(err.code, 'InternalError');
    assert.doesNotMatch(err.description, /db-7/);
    return true;
  });
  assert.ok(central.sent.every((text) => !text.includes('db-7')));
  assert.equal(central.logs.at('error').length, 1);
});

test('a CALL reusing the id of one being processed or queued is refused unprocessed', async () => {
  const release = Promise.withResolvers<void>();
  const calls: string[] = [];
  const central = lone(async (action, _payload, messageId) => {
    calls.push(messageId);
    if (messageId === 'a') await release.promise;
    return action === 'Heartbeat' ? { currentTime: now() } : {};
  });
  central.endpoint.handleText('[2,"a","Heartbeat",{}]');
  central.endpoint.handleText('[2,"b","Heartbeat",{}]');
  central.endpoint.handleText('[2,"a","Heartbeat",{}]'); // same id as the one in the handler
  central.endpoint.handleText('[2,"b","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available"}]'); // same id as the queued one
  await settle();
  assert.deepEqual(
    central.sent.map((text) => frame(text).slice(0, 3)),
    [
      [4, 'a', 'GenericError'],
      [4, 'b', 'GenericError'],
    ],
  );
  assert.equal(central.bad.length, 2);
  release.resolve();
  await until(() => central.sent.length === 4);
  assert.deepEqual(calls, ['a', 'b'], 'each id was handled once');
  assert.deepEqual(
    central.sent.slice(2).map((text) => frame(text).slice(0, 2)),
    [
      [3, 'a'],
      [3, 'b'],
    ],
  );
});

test('a peer that floods CALLs without waiting has the excess refused, not queued', async () => {
  const release = Promise.withResolvers<void>();
  let handled = 0;
  const central = lone(async () => {
    handled++;
    await release.promise;
    return { currentTime: now() };
  });
  const total = MAX_QUEUED_INBOUND_CALLS + 3; // one in the handler, the queue full, two too many
  for (let i = 0; i < total; i++) central.endpoint.handleText(`[2,"f${i}","Heartbeat",{}]`);
  assert.deepEqual(
    central.sent.map((text) => frame(text).slice(0, 3)),
    [
      [4, `f${total - 2}`, 'GenericError'],
      [4, `f${total - 1}`, 'GenericError'],
    ],
  );
  release.resolve();
  await until(() => central.sent.length === total);
  assert.equal(handled, total - 2);
});

test('an unknown action name is echoed only in part', () => {
  const central = lone();
  central.endpoint.handleText(JSON.stringify([2, 'long', 'X'.repeat(10_000), {}]));
  const description = frame(central.sent[0])[3] as string;
  assert.ok(description.length < 100, description);
});

test("the peer's CALLERROR rejects the call with RpcCallError, 2.x spellings normalised", async () => {
  const central = lone();
  const cases: Array<[string, string]> = [
    ['OccurrenceConstraintViolation', 'OccurenceConstraintViolation'],
    ['FormatViolation', 'FormationViolation'],
    ['NotSupported', 'NotSupported'],
    ['RpcFrameworkError', 'RpcFrameworkError'],
  ];
  for (const [sent, expected] of cases) {
    const call = central.endpoint.call('Reset', { type: 'Hard' });
    const id = frame(central.sent.at(-1) as string)[1] as string;
    central.endpoint.handleText(JSON.stringify([4, id, sent, 'type missing', { field: 'type' }]));
    await assert.rejects(call, (err: unknown) => {
      assert.ok(err instanceof RpcCallError);
      assert.equal(err.code, expected);
      assert.equal(err.description, 'type missing');
      assert.deepEqual(err.details, { field: 'type' });
      assert.equal(err.action, 'Reset');
      return true;
    });
  }
  // Nothing is ever sent back in reply to a CALLERROR.
  assert.equal(central.sent.length, cases.length);
  assert.ok(central.sent.every((text) => frame(text)[0] === 2));
});

test("a schema-invalid CALLRESULT rejects with the mapped code and the peer's payload", async () => {
  const central = lone();
  const reset = central.endpoint.call('Reset', { type: 'Hard' });
  const next = central.endpoint.call('ClearCache', {});
  const id = frame(central.sent[0])[1] as string;
  central.endpoint.handleText(JSON.stringify([3, id, { status: 'Maybe' }]));
  await assert.rejects(reset, (err: unknown) => {
    assert.ok(err instanceof OcppError);
    assert.equal(err.code, 'PropertyConstraintViolation');
    assert.deepEqual(err.details.payload, { status: 'Maybe' });
    return true;
  });
  assert.equal(central.bad.length, 1);
  assert.equal(central.sent.length, 2, 'the queue moved on');
  central.endpoint.handleText(JSON.stringify([3, frame(central.sent[1])[1], { status: 'Accepted' }]));
  assert.deepEqual(await next, { status: 'Accepted' });
});

test('a malformed answer fails its CALL at once and is not answered', async () => {
  const central = lone();
  const reset = central.endpoint.call('Reset', { type: 'Hard' });
  const id = frame(central.sent[0])[1] as string;
  central.endpoint.handleText(`[3,"${id}"]`);
  await assert.rejects(reset, (err: unknown) => {
    assert.ok(err instanceof OcppError);
    assert.equal(err.code, 'FormationViolation');
    assert.match(err.message, /Malformed response to Reset/);
    return true;
  });
  assert.equal(central.sent.length, 1, 'no CALLERROR in reply to a response');
  assert.equal(central.bad.length, 1);
  assert.equal(central.endpoint.pendingCalls, 0);
});

test('malformed frames get the parser\'s CALLERROR and the endpoint keeps working', async () => {
  const central = lone(async () => ({ currentTime: now() }));
  central.endpoint.handleText('this is not json');
  central.endpoint.handleText('{"a":1}');
  central.endpoint.handleText('[2,"x","Heartbeat"]');
  central.endpoint.handleText(`[2,"${'y'.repeat(37)}","Heartbeat",{}]`);
  central.endpoint.handleText('[7,"z",{}]'); // unknown MessageTypeId: ignored
  assert.deepEqual(
    central.sent.map((text) => frame(text).slice(0, 3)),
    [
      [4, '-1', 'FormationViolation'],
      [4, '-1', 'FormationViolation'],
      [4, 'x', 'FormationViolation'],
      [4, 'y'.repeat(37), 'FormationViolation'],
    ],
  );
  assert.equal(central.bad.length, 5);
  assert.deepEqual(
    central.frames.filter((f) => f.direction === 'in').map((f) => f.type),
    [0, 0, 2, 2, 7],
  );
  central.endpoint.handleText('[2,"ok","Heartbeat",null]');
  await until(() => central.sent.length === 5);
  assert.deepEqual(frame(central.sent[4]).slice(0, 2), [3, 'ok']);
});

test('unknown, wrong-way and schema-invalid CALLs get NotImplemented, NotSupported and the mapped code', async () => {
  let handlerCalls = 0;
  const central = lone(async () => {
    handlerCalls++;
    return {};
  });
  central.endpoint.handleText('[2,"u1","FooBar",{}]');
  central.endpoint.handleText('[2,"u2","Reset",{"type":"Soft"}]');
  central.endpoint.handleText('[2,"u3","heartbeat",{}]');
  central.endpoint.handleText('[2,"u4","BootNotification",{"chargePointVendor":"V"}]');
  central.endpoint.handleText('[2,"u5","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Available"}]');
  const replies = central.sent.map((text) => frame(text));
  assert.deepEqual(
    replies.map((r) => r.slice(0, 3)),
    [
      [4, 'u1', 'NotImplemented'],
      [4, 'u2', 'NotSupported'],
      [4, 'u3', 'NotImplemented'],
      [4, 'u4', 'OccurenceConstraintViolation'],
      [4, 'u5', 'TypeConstraintViolation'],
    ],
  );
  assert.match(replies[3][3] as string, /chargePointModel/);
  assert.match(replies[4][3] as string, /connectorId/);
  assert.deepEqual((replies[3][4] as { errors: unknown[] }).errors.length, 1);
  await settle();
  assert.equal(handlerCalls, 0);
  assert.equal(central.bad.length, 5);
  // Metrics only see real action names, never whatever the peer made up.
  assert.deepEqual(
    central.handled.map((h) => `${h.action}:${h.errorCode}`),
    ['Reset:NotSupported', 'BootNotification:OccurenceConstraintViolation', 'StatusNotification:TypeConstraintViolation'],
  );
});

test('a charger-role endpoint refuses Central System actions sent to it the other way round', async () => {
  const { central, charger } = link(refuseAll, async () => ({ status: 'Accepted' }));
  charger.endpoint.handleText(JSON.stringify([2, 'c1', 'BootNotification', bootRequest]));
  assert.deepEqual(frame(charger.sent[0]).slice(0, 3), [4, 'c1', 'NotSupported']);
  await settle();
  assert.equal(central.sent.length, 0);
});

test('observers that throw cannot break an exchange', async () => {
  const { log, at } = captureLog();
  const written: string[] = [];
  const endpoint = new RpcEndpoint({
    validator: ocpp16Validator,
    callTimeoutMs: 1000,
    log,
    send(text) {
      written.push(text);
    },
    async onCall() {
      return { currentTime: now() };
    },
    onFrame() {
      throw new Error('message log down');
    },
    onBadMessage() {
      throw new Error('counter broken');
    },
    onCallHandled() {
      throw new Error('metrics broken');
    },
  });
  const reset = endpoint.call('Reset', { type: 'Soft' });
  endpoint.handleText(JSON.stringify([3, frame(written[0])[1], { status: 'Accepted' }]));
  assert.deepEqual(await reset, { status: 'Accepted' });
  endpoint.handleText('[2,"h1","Heartbeat",{}]');
  endpoint.handleText('garbage');
  await until(() => written.length === 3);
  assert.deepEqual(
    written.slice(1).map((text) => frame(text).slice(0, 2)),
    [
      [4, '-1'],
      [3, 'h1'],
    ],
  );
  assert.ok(at('error').length >= 4);
});

test('close rejects the outstanding and queued calls, drops queued inbound work, and is idempotent', async () => {
  const release = Promise.withResolvers<void>();
  let handled = 0;
  const central = lone(async () => {
    handled++;
    await release.promise;
    return { currentTime: now() };
  });
  const outstanding = central.endpoint.call('Reset', { type: 'Soft' });
  const queued = central.endpoint.call('ClearCache', {});
  central.endpoint.handleText('[2,"i1","Heartbeat",{}]');
  central.endpoint.handleText('[2,"i2","Heartbeat",{}]');
  assert.equal(central.endpoint.pendingCalls, 2);

  central.endpoint.close('socket closed');
  central.endpoint.close('again');
  for (const promise of [outstanding, queued]) {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof RpcClosedError);
      assert.equal(err.code, 'Closed');
      assert.equal(err.reason, 'socket closed');
      return true;
    });
  }
  assert.equal(central.endpoint.pendingCalls, 0);
  await assert.rejects(central.endpoint.call('ClearCache', {}), RpcClosedError);

  release.resolve();
  await settle();
  assert.equal(handled, 1, 'the queued inbound CALL was dropped');
  central.endpoint.handleText('[2,"i3","Heartbeat",{}]');
  await settle();
  assert.equal(central.sent.length, 1, 'only the first CALL ever went out; nothing is answered after close');
});

test('an idle endpoint stays small: 10,000 of them take well under 200 bytes each', () => {
  // Measured in a child process: node:test's own async bookkeeping retains memory per
  // awaited call inside a test, which would be counted against the endpoints.
  const script = `
    const { RpcEndpoint } = await import('./src/protocol/rpc.ts');
    const { ocpp16Validator } = await import('./src/protocol/validator.ts');
    const { pino } = await import('pino');
    const options = {
      send() {},
      async onCall() { return { currentTime: new Date().toISOString() }; },
      validator: ocpp16Validator,
      callTimeoutMs: 1000,
      log: pino({ enabled: false }),
    };
    const collect = async () => { await new Promise((r) => setTimeout(r, 50)); gc(); gc(); };
    new RpcEndpoint(options).handleText('[2,"w","Heartbeat",{}]'); // compiles the validators
    await collect();
    const before = process.memoryUsage().heapUsed;
    const endpoints = [];
    for (let i = 0; i < 10000; i++) endpoints.push(new RpcEndpoint(options));
    await collect();
    const idle = (process.memoryUsage().heapUsed - before) / endpoints.length;
    for (const endpoint of endpoints) endpoint.handleText('[2,"h","Heartbeat",{}]');
    await collect();
    const afterTraffic = (process.memoryUsage().heapUsed - before) / endpoints.length;
    process.stdout.write(JSON.stringify({ idle, afterTraffic, kept: endpoints.length }));
  `;
  const output = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url),
  });
  const { idle, afterTraffic, kept } = JSON.parse(String(output)) as { idle: number; afterTraffic: number; kept: number };
  assert.equal(kept, 10_000);
  assert.ok(idle > 0 && idle < 200, `idle endpoint: ${idle} bytes`);
  assert.ok(afterTraffic < 200, `endpoint after one exchange: ${afterTraffic} bytes`);
});
