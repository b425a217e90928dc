// A charger's message log over the REST API: frames in and out, newest first, parsed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const V1 = '/api/v1';
const PASSWORD = 'station-password-0001';

let app: TestApp;
let readKey: string;
let beforeHeartbeat: string;

function assertValidation(res: { status: number; body: any }, field: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, 'validation_failed');
  assert.match(res.body.message, new RegExp(field), `the message names ${field}: ${res.body.message}`);
}

before(async () => {
  app = await startTestApp();
  readKey = (await app.request('POST', `${V1}/api-keys`, { body: { name: 'reader', role: 'read' } })).body.key;
  await app.request('POST', `${V1}/stations`, { body: { id: 'ML-CP', password: PASSWORD } });
  await app.request('POST', `${V1}/stations`, { body: { id: 'ML-QUIET', password: PASSWORD } });
  const cp = app.charger('ML-CP', { password: PASSWORD });
  await cp.connect();
  await cp.boot();
  await new Promise((r) => setTimeout(r, 5));
  beforeHeartbeat = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  await cp.heartbeat();
  await app.ctx.services.stations.getConfiguration('ML-CP', { key: ['HeartbeatInterval'] });
  cp.sendRaw('this is not json');
  await cp.nextFrame();
});
after(() => app.cleanup());

const summary = (items: any[]) => items.map((m) => `${m.direction} ${m.messageTypeName} ${m.action ?? '-'}`);

test('every frame in and out, newest first, parsed, with its type and direction', async () => {
  const res = await app.request('GET', `${V1}/stations/ML-CP/messages`, { key: readKey });
  assert.equal(res.status, 200);
  assert.equal(res.body.total, 8);
  assert.deepEqual(summary(res.body.items), [
    'out CALLERROR -',
    'in INVALID -',
    'in CALLRESULT GetConfiguration',
    'out CALL GetConfiguration',
    'out CALLRESULT Heartbeat',
    'in CALL Heartbeat',
    'out CALLRESULT BootNotification',
    'in CALL BootNotification',
  ]);
  const boot = res.body.items[7];
  assert.equal(boot.messageType, 2);
  assert.equal(boot.frame[0], 2);
  assert.equal(boot.frame[2], 'BootNotification');
  assert.equal(boot.frame[3].chargePointVendor, 'Plugboard');
  assert.equal(boot.messageId, boot.frame[1]);
  assert.equal(boot.raw, undefined);
  const bootAnswer = res.body.items[6];
  assert.equal(bootAnswer.messageId, boot.messageId);
  assert.equal(bootAnswer.frame[2].status, 'Accepted');
  const invalid = res.body.items[1];
  assert.deepEqual([invalid.messageType, invalid.frame, invalid.raw], [0, null, 'this is not json']);
  assert.equal(res.body.items[0].frame[0], 4, 'the CALLERROR sent back');
  assert.match(boot.createdAt, /Z$/);
  assert.ok(res.body.items.every((m: any, i: number, all: any[]) => i === 0 || all[i - 1].id > m.id));
});

test('filters: action (a CALL and its answer), direction, time range; sort and pagination', async () => {
  const q = async (query: string) => (await app.request('GET', `${V1}/stations/ML-CP/messages?${query}`)).body;
  assert.deepEqual(summary((await q('action=BootNotification')).items), ['out CALLRESULT BootNotification', 'in CALL BootNotification']);
  assert.deepEqual(summary((await q('action=GetConfiguration&direction=out')).items), ['out CALL GetConfiguration']);
  assert.equal((await q('direction=in')).total, 4);
  const since = await q(`from=${encodeURIComponent(beforeHeartbeat)}&sort=createdAt`);
  assert.equal(since.items[0].action, 'Heartbeat', 'from is inclusive and cuts off the boot');
  assert.equal(since.total, 6);
  const until = await q(`to=${encodeURIComponent(beforeHeartbeat)}`);
  assert.deepEqual(summary(until.items), ['out CALLRESULT BootNotification', 'in CALL BootNotification']);
  const page = await q('limit=3&offset=2&sort=createdAt');
  assert.deepEqual(summary(page.items), ['in CALL Heartbeat', 'out CALLRESULT Heartbeat', 'out CALL GetConfiguration']);
  assert.equal(page.total, 8);
  assert.equal((await q('action=Authorize')).total, 0);
});

test('a station without messages has an empty log; an unknown station is 404; bad queries are 400', async () => {
  const quiet = await app.request('GET', `${V1}/stations/ML-QUIET/messages`);
  assert.deepEqual([quiet.status, quiet.body.total, quiet.body.items], [200, 0, []]);
  const missing = await app.request('GET', `${V1}/stations/NOPE/messages`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'station_not_found');
  assertValidation(await app.request('GET', `${V1}/stations/ML-CP/messages?direction=sideways`), 'direction');
  assertValidation(await app.request('GET', `${V1}/stations/ML-CP/messages?from=today`), 'from');
  assertValidation(await app.request('GET', `${V1}/stations/ML-CP/messages?sort=action`), 'sort');
  assertValidation(await app.request('GET', `${V1}/stations/ML-CP/messages?limit=5000`), 'limit');
});

test('auth: the message log needs a key; a read-only key may read it', async () => {
  assert.equal((await app.request('GET', `${V1}/stations/ML-CP/messages`, { key: null })).status, 401);
  assert.equal((await app.request('GET', `${V1}/stations/ML-CP/messages`, { key: readKey })).status, 200);
});
