// OCTT 2.0.1 CSMS cases of authorization (checklist §4.3, C): Authorize with an idToken and its
// type, answered from the same tokens as 1.6 (ADR 0014: an untyped token matches its value of
// any type, a typed one only its type on 2.0.1). The simulated charger plays the OCTT's station
// and validates every frame Plugboard sends against the 2.0.1 schemas.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { station201 as connect201 } from './support201.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const station201 = (id: string, handlers: Record<string, (p: any) => unknown> = {}) => connect201(app, id, handlers);

async function token(body: Record<string, unknown>): Promise<void> {
  const res = await app.request('POST', '/api/v1/tokens', { body });
  assert.equal(res.status, 201, res.text);
}

const authorize = (cp: SimulatedCharger, idToken: string, type = 'ISO14443') => cp.call('Authorize', { idToken: { idToken, type } }) as Promise<any>;

test('TC_C_02_CSMS Local start transaction - Authorization Invalid/Unknown', async () => {
  const cp = await station201('C02-201');
  const res = await authorize(cp, 'C02-UNKNOWN');
  assert.equal(res.idTokenInfo.status, 'Invalid');
  // recorded for the operator as for 1.6 (the unknown-tokens list writes pending sightings first)
  const unknown = await app.request('GET', '/api/v1/unknown-tokens');
  assert.ok(unknown.body.items.some((t: any) => t.idTag === 'C02-UNKNOWN' && t.lastStationId === 'C02-201'), unknown.text);
  await cp.close();
});

test('TC_C_06_CSMS Local start transaction - Authorization Blocked', async () => {
  await token({ idTag: 'C06-BLOCKED', status: 'Blocked' });
  const cp = await station201('C06-201');
  assert.equal((await authorize(cp, 'C06-BLOCKED')).idTokenInfo.status, 'Blocked');
  await cp.close();
});

test('TC_C_07_CSMS Local start transaction - Authorization Expired', async () => {
  await token({ idTag: 'C07-EXPIRED', expiryDate: '2020-01-01T00:00:00Z' });
  const cp = await station201('C07-201');
  const res = await authorize(cp, 'C07-EXPIRED');
  assert.equal(res.idTokenInfo.status, 'Expired');
  assert.equal(res.idTokenInfo.cacheExpiryDateTime, '2020-01-01T00:00:00.000Z');
  await cp.close();
});

test('TC_C_39_CSMS Authorization by GroupId - Success', async () => {
  await token({ idTag: 'C39-GROUP', type: 'Central' });
  await token({ idTag: 'C39-CARD', parentIdTag: 'C39-GROUP' });
  const cp = await station201('C39-201');
  const res = await authorize(cp, 'C39-CARD');
  assert.deepEqual(res.idTokenInfo, { status: 'Accepted', groupIdToken: { idToken: 'C39-GROUP', type: 'Central' } });
  await cp.close();
});

test('token types: untyped matches any type, typed only its own on 2.0.1 and its value on 1.6', async () => {
  await token({ idTag: 'TYPE-ANY' });
  await token({ idTag: 'TYPE-KEY', type: 'KeyCode' });
  const cp = await station201('TYPES-201');
  assert.equal((await authorize(cp, 'TYPE-ANY', 'ISO15693')).idTokenInfo.status, 'Accepted');
  assert.equal((await authorize(cp, 'TYPE-ANY', 'eMAID')).idTokenInfo.status, 'Accepted');
  assert.equal((await authorize(cp, 'TYPE-KEY', 'KeyCode')).idTokenInfo.status, 'Accepted');
  assert.equal((await authorize(cp, 'TYPE-KEY', 'ISO14443')).idTokenInfo.status, 'Invalid');
  await cp.close();

  await app.request('POST', '/api/v1/stations', { body: { id: 'TYPES-16', registrationStatus: 'Accepted', securityProfile: 0 } });
  const cp16 = app.charger('TYPES-16');
  await cp16.connect();
  assert.equal(((await cp16.call('Authorize', { idTag: 'TYPE-KEY' })) as any).idTagInfo.status, 'Accepted');
  await cp16.close();

  const listed = await app.request('GET', '/api/v1/tokens?type=KeyCode');
  assert.deepEqual(listed.body.items.map((t: any) => t.idTag), ['TYPE-KEY']);
  const patched = await app.request('PATCH', '/api/v1/tokens/TYPE-KEY', { body: { type: null } });
  assert.equal(patched.body.type, null);
  const bad = await app.request('PATCH', '/api/v1/tokens/TYPE-KEY', { body: { type: 'Magic' } });
  assert.equal(bad.status, 400);
  const csv = await app.request('POST', '/api/v1/tokens/import', { body: 'idTag,type\nTYPE-CSV,eMAID\nTYPE-BAD,Magic\n', headers: { 'content-type': 'text/csv' } });
  assert.deepEqual([csv.body.created, csv.body.failed], [1, 1]);
  assert.equal((await app.request('GET', '/api/v1/tokens/TYPE-CSV')).body.type, 'eMAID');
});
