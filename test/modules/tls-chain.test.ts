// tls/chain.ts: reading a client certificate forwarded by a proxy in its usual encodings, and
// the proxy address list. The chain checks themselves run against real certificates in
// test/e2e/octt-security-tls.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { addressList, certificatesFromHeader, chainProblem, inAddressList, subjectOf } from '../../src/modules/tls/chain.ts';

let dir: string;
let ca: string;
let leaf: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'plugboard-chain-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/O=CPO/CN=CA', '-addext', 'basicConstraints=critical,CA:TRUE');
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'cp.key', '-out', 'cp.csr', '-subj', '/O=CPO/O=Second/CN=SERIAL-1');
  openssl('x509', '-req', '-in', 'cp.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cp.crt', '-days', '1');
  ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  leaf = readFileSync(join(dir, 'cp.crt'), 'utf8');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a forwarded certificate is read URL-encoded (nginx), with spaces for newlines, and from Envoy\'s x-forwarded-client-cert', () => {
  const fingerprint = new X509Certificate(leaf).fingerprint256;
  for (const value of [encodeURIComponent(leaf), leaf.replaceAll('\n', ' '), `By=spiffe://x;Hash=abc;Cert="${encodeURIComponent(leaf)}";Subject="CN=SERIAL-1"`, encodeURIComponent(leaf + ca)]) {
    const chain = certificatesFromHeader(value);
    assert.equal(chain[0].fingerprint256, fingerprint, value.slice(0, 40));
    assert.equal(chainProblem(chain, [new X509Certificate(ca)], new Date()), null);
  }
  assert.deepEqual(certificatesFromHeader('garbage'), []);
  assert.equal(chainProblem(certificatesFromHeader(encodeURIComponent(leaf)), [], new Date()), 'the certificate is not issued by a trusted CA');
  // A chain the peer sends does not make its own root trusted.
  assert.match(chainProblem(certificatesFromHeader(encodeURIComponent(leaf + ca)), [], new Date()) ?? '', /self-signed CA that is not trusted/);
  assert.match(chainProblem([new X509Certificate(leaf)], [new X509Certificate(ca)], new Date(Date.now() + 3 * 86_400_000)) ?? '', /expired/);
});

test('subjects: several values of one attribute stay several (binding.ts then refuses an ambiguous O)', () => {
  assert.deepEqual(subjectOf(new X509Certificate(leaf)), { CN: 'SERIAL-1', O: ['CPO', 'Second'] });
});

test('trusted proxies: addresses and ranges, IPv4-mapped IPv6 peers included', () => {
  const list = addressList(['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
  assert.equal(inAddressList(list, '10.0.0.5'), true);
  assert.equal(inAddressList(list, '::ffff:10.0.0.5'), true);
  assert.equal(inAddressList(list, '10.0.0.6'), false);
  assert.equal(inAddressList(list, '192.168.44.1'), true);
  assert.equal(inAddressList(list, 'fd12::1'), true);
  assert.equal(inAddressList(list, ''), false);
  assert.throws(() => addressList(['nope']), /not an IP address/);
});
