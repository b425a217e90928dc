// Schema-validation 400s say what is allowed and stay small: a union of constants or an enum is
// one "must be one of: ..." phrase, and however many problems a body has, the answer reports a
// bounded list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { MAX_VALIDATION_ERRORS } from '../../src/http/errors.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.cleanup());

test('an invalid role (a union of constants) answers "body/role must be one of: admin, read"', async () => {
  const res = await app.request('POST', '/api/v1/api-keys', { body: { name: 'ops', role: 'operator' } });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.body.error, 'validation_failed');
  assert.equal(res.body.message, 'invalid body: body/role must be one of: admin, read');
});

test('an invalid enum value (token status) lists the allowed values once', async () => {
  const res = await app.request('POST', '/api/v1/tokens', { body: { idTag: 'VE-1', status: 'Gold' } });
  assert.equal(res.status, 400, res.text);
  assert.match(res.body.message, /^invalid body: body\/status must be one of: Accepted, Blocked, Expired, Invalid/);
  assert.doesNotMatch(res.body.message, /equal to/);
});

test('a body with 500,000 unknown keys gets a small 400 with a bounded list', async () => {
  const body: Record<string, string | number> = { name: 'flood', role: 'read' };
  for (let i = 0; i < 500_000; i++) body[`k${i}`] = i;
  const res = await app.request('POST', '/api/v1/api-keys', { body });
  assert.equal(res.status, 400, res.text.slice(0, 500));
  assert.equal(res.body.error, 'validation_failed');
  assert.match(res.body.message, /body must NOT have additional properties \(k0\)/);
  assert.ok(Array.isArray(res.body.details) && res.body.details.length <= MAX_VALIDATION_ERRORS, `details: ${res.body.details?.length}`);
  assert.ok(res.text.length < 4096, `response is ${res.text.length} bytes`);
});

test('a POST with no body at all is an empty object: optional-only bodies just work, others name the required property', async () => {
  // revoke's body (a reason) is optional: no body reaches the route, which answers for the id.
  const revoke = await app.request('POST', '/api/v1/certificates/issued/987654/revoke');
  assert.equal(revoke.status, 404, revoke.text);
  const station = await app.request('POST', '/api/v1/stations');
  assert.equal(station.status, 400, station.text);
  assert.match(station.body.message, /required property 'id'/);
  // A declared JSON body that is empty is still the parser's 400, not an empty object.
  const emptyJson = await app.request('POST', '/api/v1/stations', { body: '', headers: { 'content-type': 'application/json' } });
  assert.equal(emptyJson.status, 400, emptyJson.text);
});
