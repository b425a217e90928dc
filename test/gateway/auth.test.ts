import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthRequest, AuthResult } from '../../src/gateway/index.ts';
import { basicAuth, expectRefused, openClient, startGateway } from './helpers.ts';

// A 20-byte binary AuthorizationKey as OCPP-J 1.6 §5.2 allows, including a colon byte and
// bytes that are not valid UTF-8.
const KEY = Buffer.from('00ff3a1080c0fe0102030405060708090a0b0c0d', 'hex');
const TEXT_PASSWORD = 'hunter2-secret-password';

async function checkPassword(req: AuthRequest): Promise<AuthResult> {
  if (req.identity === 'UNKNOWN') return { ok: false, status: 404, reason: 'Unknown charge point' };
  if (req.password === null) return { ok: false, status: 401, reason: 'Credentials required' };
  const expected = req.identity === 'BINARY' ? KEY : Buffer.from(TEXT_PASSWORD);
  return req.password.equals(expected) ? { ok: true } : { ok: false, status: 401, reason: 'Wrong password' };
}

test('Basic auth: the right password is accepted, as raw bytes', async (t) => {
  const h = await startGateway({ authenticate: checkPassword });
  t.after(() => h.gateway.stop());

  const ws = await openClient(h.base + 'BINARY', 'ocpp1.6', { headers: { authorization: basicAuth('BINARY', KEY) } });
  t.after(() => ws.terminate());
  assert.deepEqual(h.authRequests[0].password, KEY);
  assert.equal(h.gateway.size, 1);

  const text = await openClient(h.base + 'CP%201', 'ocpp1.6', { headers: { authorization: basicAuth('CP 1', TEXT_PASSWORD) } });
  t.after(() => text.terminate());
  assert.equal(h.gateway.get('CP 1')?.identity, 'CP 1');
});

test('Basic auth: a wrong password gets 401 with a Basic challenge and nothing is logged in clear', async (t) => {
  const h = await startGateway({ authenticate: checkPassword });
  t.after(() => h.gateway.stop());

  const res = await expectRefused(h.base + 'CP1', 'ocpp1.6', { headers: { authorization: basicAuth('CP1', 'not-the-password') } });
  assert.equal(res.status, 401);
  assert.match(String(res.headers['www-authenticate']), /^Basic realm="Plugboard"/);
  assert.match(res.body, /Wrong password/);
  assert.equal(h.gateway.size, 0);

  const all = JSON.stringify(h.logs);
  assert.ok(all.includes('charger connection refused'), 'the refusal is logged');
  assert.ok(!all.includes('not-the-password'), 'the password never reaches the log');
  assert.ok(!all.includes(Buffer.from('CP1:not-the-password').toString('base64')), 'nor the header');
});

test('Basic auth: a user name other than the URL identity gets 401 without asking authenticate', async (t) => {
  const h = await startGateway({ authenticate: checkPassword });
  t.after(() => h.gateway.stop());
  const res = await expectRefused(h.base + 'CP1', 'ocpp1.6', { headers: { authorization: basicAuth('CP2', TEXT_PASSWORD) } });
  assert.equal(res.status, 401);
  assert.match(res.body, /does not match the charge point identity/);
  assert.match(String(res.headers['www-authenticate']), /^Basic/);
  assert.equal(h.authRequests.length, 0);
});

test('Basic auth: missing credentials reach authenticate as null, which refuses them', async (t) => {
  const h = await startGateway({ authenticate: checkPassword });
  t.after(() => h.gateway.stop());
  const res = await expectRefused(h.base + 'CP1', 'ocpp1.6');
  assert.equal(res.status, 401);
  assert.match(String(res.headers['www-authenticate']), /^Basic/);
  assert.equal(h.authRequests.length, 1);
  assert.equal(h.authRequests[0].password, null);
});

test('a malformed Authorization header is 401; an unknown charger 404 without a challenge', async (t) => {
  const h = await startGateway({ authenticate: checkPassword });
  t.after(() => h.gateway.stop());
  const bearer = await expectRefused(h.base + 'CP1', 'ocpp1.6', { headers: { authorization: 'Bearer abc' } });
  assert.equal(bearer.status, 401);
  assert.match(bearer.body, /not HTTP Basic/);

  const unknown = await expectRefused(h.base + 'UNKNOWN', 'ocpp1.6', { headers: { authorization: basicAuth('UNKNOWN', 'x') } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers['www-authenticate'], undefined);
  assert.match(unknown.body, /Unknown charge point/);
});

test('an authenticate callback that throws gives 500, and the gateway keeps serving', async (t) => {
  const h = await startGateway({
    authenticate: async (req) => {
      if (req.identity === 'BOOM') throw new Error('database down');
      return { ok: true };
    },
  });
  t.after(() => h.gateway.stop());
  const res = await expectRefused(h.base + 'BOOM', 'ocpp1.6');
  assert.equal(res.status, 500);
  assert.ok(!res.body.includes('database down'), 'internal errors stay internal');
  const ws = await openClient(h.base + 'FINE');
  t.after(() => ws.terminate());
  assert.equal(h.gateway.size, 1);
});
