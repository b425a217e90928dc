import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  identityFromPath,
  normalizePrefix,
  parseBasicAuth,
  parseSubprotocolHeader,
  pickSubprotocol,
  usernameMatches,
} from '../../src/gateway/handshake.ts';

test('identity is the percent-decoded last path segment (OCPP-J 1.6 §3.1.1)', () => {
  assert.deepEqual(identityFromPath('/ocpp/RDAM%20123', '/ocpp'), { identity: 'RDAM 123' });
  assert.deepEqual(identityFromPath('/ocpp/CP001?foo=bar', '/ocpp'), { identity: 'CP001' });
  assert.deepEqual(identityFromPath('/ocpp/a%2Fb', '/ocpp/'), { identity: 'a/b' });
  assert.deepEqual(identityFromPath('/CP1', ''), { identity: 'CP1' });
  assert.deepEqual(identityFromPath('/ocpp/%C3%A9t%C3%A9', 'ocpp'), { identity: 'été' });
});

test('wrong paths are 404, broken encodings 400', () => {
  assert.equal(status(identityFromPath('/other/CP1', '/ocpp')), 404);
  assert.equal(status(identityFromPath('/ocppCP1', '/ocpp')), 404);
  assert.equal(status(identityFromPath('/ocpp/', '/ocpp')), 404);
  assert.equal(status(identityFromPath('/ocpp/CP1/', '/ocpp')), 404);
  assert.equal(status(identityFromPath('/ocpp/a/b', '/ocpp')), 404);
  assert.equal(status(identityFromPath(undefined, '/ocpp')), 404);
  assert.equal(status(identityFromPath('/ocpp/%E0%A4%A', '/ocpp')), 400);
  assert.equal(status(identityFromPath('/ocpp/%ZZ', '/ocpp')), 400);
  assert.equal(status(identityFromPath('/ocpp/CP%0A1', '/ocpp')), 400);
  assert.equal(status(identityFromPath('/ocpp/' + 'x'.repeat(256), '/ocpp')), 400);
});

test('path prefixes are normalised', () => {
  assert.equal(normalizePrefix('/ocpp/'), '/ocpp');
  assert.equal(normalizePrefix('ocpp'), '/ocpp');
  assert.equal(normalizePrefix('/'), '');
  assert.equal(normalizePrefix(''), '');
});

test('subprotocol: ocpp1.6 is picked from a list, nothing else is accepted (OCTT TC_088)', () => {
  assert.equal(pickSubprotocol(parseSubprotocolHeader('ocpp0.1')), null);
  assert.equal(pickSubprotocol(parseSubprotocolHeader('ocpp0.1, ocpp1.6')), 'ocpp1.6');
  assert.equal(pickSubprotocol(parseSubprotocolHeader('ocpp2.0.1,ocpp1.6')), 'ocpp2.0.1', 'the newest version is preferred');
  assert.equal(pickSubprotocol(parseSubprotocolHeader('ocpp1.6,ocpp2.0.1')), 'ocpp2.0.1', 'whatever the order offered');
  assert.equal(pickSubprotocol(parseSubprotocolHeader('ocpp2.0.1,ocpp1.6'), ['1.6']), 'ocpp1.6', 'within the allowed versions');
  assert.equal(pickSubprotocol(parseSubprotocolHeader('ocpp2.0.1'), ['1.6']), null);
  assert.equal(pickSubprotocol(parseSubprotocolHeader(undefined)), null);
  assert.equal(pickSubprotocol(parseSubprotocolHeader('OCPP1.6')), null, 'subprotocol names are case-sensitive (RFC 6455 §11.3.4)');
});

test('Basic auth keeps the password as raw bytes, colons and all', () => {
  const key = Buffer.from([0x00, 0x3a, 0xff, 0x10, 0x3a, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  const header = 'Basic ' + Buffer.concat([Buffer.from('CP1:'), key]).toString('base64');
  const parsed = parseBasicAuth(header);
  assert.ok(parsed !== null && !('error' in parsed));
  assert.deepEqual(parsed.password, key);
  assert.equal(parsed.username.toString(), 'CP1');
  assert.ok(usernameMatches(parsed, 'CP1'));
  assert.ok(!usernameMatches(parsed, 'CP2'));

  assert.equal(parseBasicAuth(undefined), null);
  assert.ok(isError(parseBasicAuth('Bearer abc')));
  assert.ok(isError(parseBasicAuth('Basic ' + Buffer.from('nocolon').toString('base64'))));
  assert.ok(isError(parseBasicAuth('Basic !!!')));
  const lower = parseBasicAuth('basic ' + Buffer.from('CP1:').toString('base64'));
  assert.ok(lower !== null && !('error' in lower) && lower.password.length === 0);
});

function status(result: ReturnType<typeof identityFromPath>): number | null {
  return 'status' in result ? result.status : null;
}

function isError(result: ReturnType<typeof parseBasicAuth>): boolean {
  return result !== null && 'error' in result;
}
