// Bad input from a charger, end to end through the real app: every malformed or invalid frame
// gets the OCPP-J 1.6 CALLERROR the protocol layer documents (src/protocol/frames.ts,
// rpc.ts, validator.ts), on a connection that keeps working afterwards; oversized frames and
// noisy chargers are cut off without touching anyone else's session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startOpenApp, eventually, type TestApp } from '../helpers/app.ts';
import { assertHeartbeatAnswered, exchange } from '../fixtures/raw-frames.ts';

const now = () => new Date().toISOString();

interface Case {
  name: string;
  frame: string;
  /** the exact CALLERROR, or null when OCPP-J 1.6 wants no answer at all */
  expected: unknown[] | null;
}

function schemaError(id: string, code: string, schema: string, path: string, message: string): unknown[] {
  return [4, id, code, `${schema}: ${path} ${message}`, { errors: [{ path, message }] }];
}

const ID_37 = 'x'.repeat(37);

const CASES: Case[] = [
  {
    // §4.2.3 FormationViolation; no message id could be read, so the answer uses "-1".
    name: 'not JSON',
    frame: '[2,"m1","Heartbeat",{',
    expected: [4, '-1', 'FormationViolation', 'Message is not valid JSON', {}],
  },
  {
    name: 'JSON but not an array',
    frame: '{"messageTypeId":2,"uniqueId":"m2","action":"Heartbeat","payload":{}}',
    expected: [4, '-1', 'FormationViolation', 'Message must be a JSON array', {}],
  },
  {
    name: 'a CALL with 3 elements',
    frame: '[2,"m3","Heartbeat"]',
    expected: [4, 'm3', 'FormationViolation', 'CALL must have 4 elements: [2, messageId, action, payload]', {}],
  },
  {
    name: 'a CALL with 5 elements',
    frame: '[2,"m4","Heartbeat",{},{}]',
    expected: [4, 'm4', 'FormationViolation', 'CALL must have 4 elements: [2, messageId, action, payload]', {}],
  },
  {
    name: 'a message type that is a string',
    frame: '["2","m5","Heartbeat",{}]',
    expected: [4, 'm5', 'FormationViolation', 'MessageTypeId must be a number', {}],
  },
  {
    // §4.1.3: "a message with an unknown MessageTypeId is ignored"; 1.6 has no code to answer with.
    name: 'an unknown message type id',
    frame: '[7,"m6","Heartbeat",{}]',
    expected: null,
  },
  {
    name: 'a message id that is a number',
    frame: '[2,6,"Heartbeat",{}]',
    expected: [4, '-1', 'FormationViolation', 'MessageId must be a string', {}],
  },
  {
    name: 'a CALL whose action is not a string',
    frame: '[2,"m7",42,{}]',
    expected: [4, 'm7', 'FormationViolation', 'Action must be a non-empty string', {}],
  },
  {
    name: 'a CALL whose payload is an array',
    frame: '[2,"m8","Heartbeat",[]]',
    expected: [4, 'm8', 'FormationViolation', 'Payload must be a JSON object', {}],
  },
  {
    name: 'an unknown action',
    frame: '[2,"m9","FooBar",{}]',
    expected: [4, 'm9', 'NotImplemented', 'Unknown action FooBar', {}],
  },
  {
    // Actions are looked up in sets, never on a plain object: a prototype member is just unknown.
    name: 'an action named like an Object.prototype member',
    frame: '[2,"m10","constructor",{}]',
    expected: [4, 'm10', 'NotImplemented', 'Unknown action constructor', {}],
  },
  {
    // §4.2.1: action names are case-sensitive.
    name: 'a known action in the wrong case',
    frame: '[2,"m11","heartbeat",{}]',
    expected: [4, 'm11', 'NotImplemented', 'Unknown action heartbeat', {}],
  },
  {
    // A Central System -> Charge Point action sent by the charger: known, but not in this direction.
    name: 'Reset sent by a charger',
    frame: '[2,"m12","Reset",{"type":"Hard"}]',
    expected: [4, 'm12', 'NotSupported', 'Reset is not accepted in this direction', {}],
  },
  {
    name: 'a required field missing (StatusNotification without errorCode)',
    frame: JSON.stringify([2, 'm13', 'StatusNotification', { connectorId: 1, status: 'Available' }]),
    expected: schemaError('m13', 'OccurenceConstraintViolation', 'StatusNotificationRequest', '/errorCode', 'is required'),
  },
  {
    name: 'a field of the wrong type (connectorId as a string)',
    frame: JSON.stringify([2, 'm14', 'StatusNotification', { connectorId: '1', status: 'Available', errorCode: 'NoError' }]),
    expected: schemaError('m14', 'TypeConstraintViolation', 'StatusNotificationRequest', '/connectorId', 'must be integer'),
  },
  {
    name: 'an enum value that is not allowed',
    frame: JSON.stringify([2, 'm15', 'StatusNotification', { connectorId: 1, status: 'Sleeping', errorCode: 'NoError' }]),
    expected: schemaError(
      'm15',
      'PropertyConstraintViolation',
      'StatusNotificationRequest',
      '/status',
      'must be one of: Available, Preparing, Charging, SuspendedEVSE, SuspendedEV, Finishing, Reserved, Unavailable, Faulted',
    ),
  },
  {
    // CiString20Type: 21 characters is one too many.
    name: 'an idTag of 21 characters',
    frame: JSON.stringify([2, 'm16', 'Authorize', { idTag: 'A'.repeat(21) }]),
    expected: schemaError('m16', 'PropertyConstraintViolation', 'AuthorizeRequest', '/idTag', 'must NOT have more than 20 characters'),
  },
  {
    name: 'a timestamp that is not a date-time',
    frame: JSON.stringify([2, 'm17', 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2024-13-45T00:00:00Z' }]),
    expected: schemaError('m17', 'PropertyConstraintViolation', 'StatusNotificationRequest', '/timestamp', 'must match format "date-time"'),
  },
  {
    // J-errata 3.1: additionalProperties is false; validator.ts maps it to FormationViolation.
    name: 'an additional unknown property',
    frame: JSON.stringify([2, 'm18', 'Heartbeat', { vendorField: 1 }]),
    expected: schemaError('m18', 'FormationViolation', 'HeartbeatRequest', '/vendorField', 'is not allowed by the schema'),
  },
  {
    name: 'an unknown property named __proto__',
    frame: '[2,"m19","Heartbeat",{"__proto__":{"polluted":true}}]',
    expected: schemaError('m19', 'FormationViolation', 'HeartbeatRequest', '/__proto__', 'is not allowed by the schema'),
  },
  {
    // §4.1.4: at most 36 characters. The id is still echoed so the charger can match the error.
    name: 'a message id of 37 characters',
    frame: JSON.stringify([2, ID_37, 'Heartbeat', {}]),
    expected: [4, ID_37, 'FormationViolation', 'MessageId must be 1 to 36 characters long', {}],
  },
  {
    name: 'an empty message id',
    frame: '[2,"","Heartbeat",{}]',
    expected: [4, '', 'FormationViolation', 'MessageId must be 1 to 36 characters long', {}],
  },
  {
    // A CALLRESULT / CALLERROR answering nothing of ours: never answered (§4.2.3), only logged.
    name: 'a CALLRESULT for an id the central system never used',
    frame: '[3,"never-sent",{}]',
    expected: null,
  },
  {
    name: 'a CALLERROR for an id the central system never used',
    frame: '[4,"never-sent","GenericError","",{}]',
    expected: null,
  },
  {
    name: 'a malformed CALLRESULT',
    frame: '[3,"never-sent"]',
    expected: null,
  },
  {
    // Deep nesting must not blow the parser's stack; it is just an array whose type is not a number.
    name: 'an array nested 50,000 levels deep',
    frame: '['.repeat(50_000) + ']'.repeat(50_000),
    expected: [4, '-1', 'FormationViolation', 'MessageTypeId must be a number', {}],
  },
];

async function openCharger(app: TestApp, id: string) {
  const cp = app.charger(id);
  await cp.connect();
  assert.equal((await cp.boot()).status, 'Accepted');
  return cp;
}

test('every malformed frame gets its CALLERROR (or none) and the same connection keeps answering', async (t) => {
  const app = await startOpenApp({ ocpp: { maxBadMessagesPerMinute: 1000 } });
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'MALFORMED-1');
  const conn = app.gateway.get('MALFORMED-1');
  assert.ok(conn);

  for (const c of CASES) {
    if (c.expected === null) {
      // No answer: the next frame we get must be the probe Heartbeat's answer (checked inside).
      cp.sendRaw(c.frame);
    } else {
      assert.deepEqual(await exchange(cp, c.frame), c.expected, c.name);
    }
    await assertHeartbeatAnswered(cp);
    assert.equal(app.gateway.get('MALFORMED-1'), conn, `${c.name}: still the same connection`);
    assert.equal(conn.isOpen, true, `${c.name}: connection still open`);
  }

  // Every frame, however broken, is in the operator's message log, with what we answered.
  await app.ctx.db.flush();
  const logged = await app.ctx.db.kysely.selectFrom('message_log').select(['direction', 'frame']).where('station_id', '=', 'MALFORMED-1').execute();
  const inbound = new Set(logged.filter((r) => r.direction === 'in').map((r) => r.frame));
  const outbound = new Set(logged.filter((r) => r.direction === 'out').map((r) => r.frame));
  for (const c of CASES) {
    assert.ok(inbound.has(c.frame), `${c.name}: inbound frame logged`);
    if (c.expected !== null) assert.ok(outbound.has(JSON.stringify(c.expected)), `${c.name}: CALLERROR logged`);
  }
});

test('a reused message id while the first CALL is still being handled gets GenericError, the first is answered once', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'DUP-ID');
  const frames: unknown[][] = [];
  cp.ws!.on('message', (data) => frames.push(JSON.parse(data.toString()) as unknown[]));
  // Back to back: the second arrives while the first waits for its database commit.
  const status = JSON.stringify([2, 'same', 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: now() }]);
  cp.sendRaw(status);
  cp.sendRaw(status);
  await eventually(() => frames.length >= 2, 5000, 'two answers');
  await assertHeartbeatAnswered(cp);
  assert.equal(frames.length, 3, 'exactly one answer per frame');
  assert.deepEqual(frames[0], [4, 'same', 'GenericError', 'MessageId same is already in use by a CALL being processed', {}]);
  assert.deepEqual(frames[1], [3, 'same', {}]);
  const history = await app.ctx.db.kysely.selectFrom('status_history').select('status').where('station_id', '=', 'DUP-ID').execute();
  assert.equal(history.length, 1, 'the duplicate was not processed');
});

test('a frame over ocpp.maxFrameBytes closes that charger with 1009; a charger connected at the same time keeps working', async (t) => {
  const maxFrameBytes = 4096;
  const app = await startOpenApp({ ocpp: { maxFrameBytes } });
  t.after(() => app.cleanup());
  const big = await openCharger(app, 'BIG-FRAME');
  const other = await openCharger(app, 'BYSTANDER');

  // Exactly at the limit is still a frame like any other.
  const shell = JSON.stringify([2, 'fits', 'DataTransfer', { vendorId: 'v', data: '' }]);
  const atLimit = JSON.stringify([2, 'fits', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(maxFrameBytes - shell.length) }]);
  assert.equal(Buffer.byteLength(atLimit), maxFrameBytes);
  assert.deepEqual(await exchange(big, atLimit), [3, 'fits', { status: 'UnknownVendorId' }]);

  const closed = big.closed();
  big.sendRaw(JSON.stringify([2, 'too-big', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(maxFrameBytes) }]));
  assert.deepEqual(await closed, { code: 1009, reason: `message larger than ${maxFrameBytes} bytes` });
  await eventually(() => app.gateway.get('BIG-FRAME') === undefined, 5000, 'BIG-FRAME out of the registry');

  await assertHeartbeatAnswered(other);
  assert.equal(app.gateway.size, 1);
  // A real outage of BIG-FRAME, recorded as such; the bystander's record is untouched.
  const stations = await eventually(async () => {
    const rows = await app.ctx.db.kysely.selectFrom('stations').select(['id', 'last_disconnected_at']).orderBy('id').execute();
    return rows.find((r) => r.id === 'BIG-FRAME')?.last_disconnected_at ? rows : null;
  }, 5000, 'disconnection recorded');
  assert.equal(stations.find((r) => r.id === 'BYSTANDER')?.last_disconnected_at, null);

  // The charger may come back, and the new connection works.
  const again = await openCharger(app, 'BIG-FRAME');
  await assertHeartbeatAnswered(again);
});

test('the frame limit counts a fragmented message whole: small fragments adding up to too much close with 1009', async (t) => {
  const maxFrameBytes = 2048;
  const app = await startOpenApp({ ocpp: { maxFrameBytes } });
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'FRAGMENTS');
  // RFC 6455 §5.4: one message in several frames. Under the limit it is an ordinary CALL.
  const heartbeat = JSON.stringify([2, 'f1', 'Heartbeat', {}]);
  const answer = cp.nextFrame();
  cp.ws!.send(heartbeat.slice(0, 10), { fin: false });
  cp.ws!.send(heartbeat.slice(10), { fin: true });
  assert.deepEqual((JSON.parse(await answer) as unknown[]).slice(0, 2), [3, 'f1']);

  const closed = cp.closed();
  const big = JSON.stringify([2, 'f2', 'DataTransfer', { vendorId: 'v', data: 'x'.repeat(3 * maxFrameBytes) }]);
  for (let i = 0; i < big.length; i += 1000) cp.ws!.send(big.slice(i, i + 1000), { fin: i + 1000 >= big.length });
  assert.deepEqual(await closed, { code: 1009, reason: `message larger than ${maxFrameBytes} bytes` });
});

test('a text frame that is not valid UTF-8 closes that charger with 1007; others carry on', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const bad = await openCharger(app, 'BAD-UTF8');
  const other = await openCharger(app, 'BYSTANDER');
  const closed = bad.closed();
  // 0xC3 0x28 is an invalid 2-byte sequence; sent in a TEXT frame (binary: false).
  bad.ws!.send(Buffer.concat([Buffer.from('[2,"u1","Authorize",{"idTag":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]), { binary: false });
  assert.deepEqual(await closed, { code: 1007, reason: 'text frame is not valid UTF-8' });
  await eventually(() => app.gateway.get('BAD-UTF8') === undefined, 5000, 'BAD-UTF8 out of the registry');
  await assertHeartbeatAnswered(other);
});

test('more than maxBadMessagesPerMinute bad frames disconnect the charger with 1008; others carry on', async (t) => {
  const limit = 5;
  const app = await startOpenApp({ ocpp: { maxBadMessagesPerMinute: limit } });
  t.after(() => app.cleanup());
  const noisy = await openCharger(app, 'NOISY');
  const other = await openCharger(app, 'BYSTANDER');

  // Each kind of refusal counts: unreadable, unknown action, wrong direction, schema-invalid.
  const bad = ['nonsense', '[2,"b2","FooBar",{}]', '[2,"b3","Reset",{"type":"Soft"}]', '[2,"b4","Heartbeat",{"x":1}]', '[2,"b5",1,{}]'];
  for (const frame of bad) assert.equal((await exchange(noisy, frame))[0], 4, frame);
  // At the limit the charger is still served, and good frames do not count.
  await assertHeartbeatAnswered(noisy);
  assert.equal(app.gateway.get('NOISY')?.isOpen, true);

  const closed = noisy.closed();
  noisy.sendRaw('[2,"b6","FooBar",{}]');
  assert.deepEqual(await closed, { code: 1008, reason: `more than ${limit} bad messages per minute` });
  await eventually(() => app.gateway.get('NOISY') === undefined, 5000, 'NOISY out of the registry');

  // The bystander's own bad frame is counted for it alone: it stays connected.
  assert.equal((await exchange(other, '[2,"o1","FooBar",{}]'))[0], 4);
  await assertHeartbeatAnswered(other);
  assert.equal(app.gateway.size, 1);
});

test('good and bad frames sent back to back each get exactly one answer, matched by id', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'MIXED');
  const frames: unknown[][] = [];
  cp.ws!.on('message', (data) => frames.push(JSON.parse(data.toString()) as unknown[]));
  // None awaited. A refusal goes out at once while a CALL waits for its handler, so the
  // answers may come in another order (§4.1.4: the id, not the order, pairs them).
  cp.sendRaw('[2,"g1","Heartbeat",{}]');
  cp.sendRaw('[2,"g2","FooBar",{}]');
  cp.sendRaw('[2,"g3","Heartbeat",{}]');
  cp.sendRaw('[7,"g4","Heartbeat",{}]');
  await eventually(() => frames.length >= 3, 5000, 'three answers');
  await assertHeartbeatAnswered(cp);
  const byId = new Map(frames.map((f) => [f[1], f[0]]));
  assert.equal(frames.length, 4, 'one answer per answerable frame, plus the probe');
  assert.deepEqual([byId.get('g1'), byId.get('g2'), byId.get('g3'), byId.get('g4')], [3, 4, 3, undefined]);
  // Two CALLs of one charger are handled in arrival order.
  assert.ok(frames.findIndex((f) => f[1] === 'g1') < frames.findIndex((f) => f[1] === 'g3'));
});

// Integers the OCA schemas allow (they put no bound on them) but that do not fit 32 bits. A
// charger migrated from another central system, or one with a long-lived meter, sends these.
// StopTransaction and MeterValues must never be refused (OCPP 1.6 §4.10, DESIGN.md): the
// charger would resend them forever.

test('a StopTransaction for a transactionId beyond 32 bits is answered and kept as an orphan stop', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'BIG-IDS');
  const stop = [2, 's1', 'StopTransaction', { transactionId: 3_000_000_000, meterStop: 10, timestamp: now() }];
  assert.deepEqual(await exchange(cp, JSON.stringify(stop)), [3, 's1', {}]);
  const rows = await app.ctx.services.transactions.orphanStops('BIG-IDS');
  assert.equal(rows.length, 1);
  assert.equal(Number(rows[0].reported_transaction_id), 3_000_000_000);
});

test('MeterValues naming a transactionId beyond 32 bits are answered and stored', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'BIG-IDS');
  const mv = [2, 'v1', 'MeterValues', { connectorId: 1, transactionId: 3_000_000_000, meterValue: [{ timestamp: now(), sampledValue: [{ value: '42' }] }] }];
  assert.deepEqual(await exchange(cp, JSON.stringify(mv)), [3, 'v1', {}]);
  const rows = await app.ctx.services.transactions.meterValuesOfStation('BIG-IDS');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].value, '42');
  assert.equal(rows[0].transaction_id, null, 'no such transaction: the values are kept unattached');
});

test('meter registers beyond 32 bits are stored exactly (a lifetime Wh register outgrows int4)', async (t) => {
  const app = await startOpenApp({ authorization: { acceptUnknownIdTags: true } });
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'BIG-METER');
  const start = await cp.startTransaction(1, 'TAG', 5_000_000_000);
  assert.equal(start.idTagInfo.status, 'Accepted');
  assert.deepEqual(await cp.stopTransaction(start.transactionId, 5_000_012_345), {});
  const tx = await app.ctx.services.transactions.details(start.transactionId);
  assert.equal(tx?.meter_start, 5_000_000_000);
  assert.equal(tx?.meter_stop, 5_000_012_345);
  assert.equal(tx?.energyWh, 12_345);
});

test('a charger vanishing with CALLs in flight breaks nothing, and may reconnect at once', async (t) => {
  const app = await startOpenApp();
  t.after(() => app.cleanup());
  const cp = await openCharger(app, 'LEAVER');
  const other = await openCharger(app, 'BYSTANDER');
  // A burst of CALLs, then the charger vanishes without waiting for the answers.
  for (let i = 0; i < 20; i++) cp.sendRaw(JSON.stringify([2, `l${i}`, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: now() }]));
  cp.ws!.terminate();
  await eventually(() => app.gateway.get('LEAVER') === undefined, 5000, 'LEAVER gone');
  await assertHeartbeatAnswered(other);
  // Its session can start again at once.
  const back = await openCharger(app, 'LEAVER');
  await assertHeartbeatAnswered(back);
  assert.equal(app.gateway.size, 2);
  assert.equal(back.ws!.readyState, WebSocket.OPEN);
});
