import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { basicAuth, openClient, startGateway, waitFor } from './helpers.ts';
import { FORWARD_SECRET_CIPHERS } from '../../src/gateway/index.ts';
import { WHITEPAPER_CIPHERS } from '../../src/modules/tls/service.ts';

// Certificates are made fresh for each run with the openssl CLI: nothing secret is committed.
let dir: string;
const pem: Record<string, Buffer> = {};

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'plugboard-tls-'));
  const san = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
  // Server: one RSA and one ECDSA certificate (Security Whitepaper §2.1 cipher suites need both).
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.crt', '-days', '1', '-subj', '/CN=localhost', '-addext', san);
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec.key');
  openssl('req', '-x509', '-new', '-key', 'ec.key', '-nodes', '-out', 'ec.crt', '-days', '1', '-subj', '/CN=localhost', '-addext', san);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa2.key', '-out', 'rsa2.crt', '-days', '1', '-subj', '/CN=localhost', '-addext', san);
  // Profile 3: a CA for chargers, a charger certificate it signed, and one it did not.
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/O=Plugboard Test CPO/CN=Charger CA');
  openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'cp.key', '-out', 'cp.csr', '-subj', '/O=Plugboard Test CPO/CN=SERIAL-0042');
  openssl('x509', '-req', '-in', 'cp.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cp.crt', '-days', '1');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', '1', '-subj', '/O=Plugboard Test CPO/CN=SERIAL-0042');
  for (const name of ['rsa2.key', 'rsa2.crt', 'rsa.key', 'rsa.crt', 'ec.key', 'ec.crt', 'ca.crt', 'cp.key', 'cp.crt', 'rogue.key', 'rogue.crt']) {
    pem[name] = readFileSync(join(dir, name));
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

function tlsGateway(requestClientCert = false, ciphers?: string) {
  return startGateway({
    listeners: [
      {
        host: '127.0.0.1',
        port: 0,
        tls: { cert: [pem['rsa.crt'], pem['ec.crt']], key: [pem['rsa.key'], pem['ec.key']], ca: pem['ca.crt'], requestClientCert, ciphers },
      },
    ],
    authenticate: async (req) =>
      req.clientCertificate !== undefined || req.password?.toString() === 'pw' ? { ok: true } : { ok: false, status: 401, reason: 'no credentials' },
  });
}

const trust = () => ({ ca: [pem['rsa.crt'], pem['ec.crt']] });

test('security profile 2: Basic auth over TLS; authenticate sees secure=true', async (t) => {
  const h = await tlsGateway();
  t.after(() => h.gateway.stop());
  assert.deepEqual(h.gateway.addresses()[0].tls, true);
  assert.ok(h.base.startsWith('wss://'));
  const ws = await openClient(h.base + 'TLS1', 'ocpp1.6', { ...trust(), headers: { authorization: basicAuth('TLS1', 'pw') } });
  t.after(() => ws.terminate());
  assert.equal(h.authRequests[0].secure, true);
  assert.equal(h.authRequests[0].clientCertificate, undefined);
  assert.equal(h.gateway.get('TLS1')?.secure, true);

  await assert.rejects(openClient(h.base + 'TLS2', 'ocpp1.6', trust()), /401/);
});

/** Opens a TLS 1.2 connection offering only `cipher`; resolves with the suite negotiated, rejects when the server refuses. */
async function negotiate(base: string, cipher: string, ca: Array<string | Buffer> = trust().ca): Promise<string> {
  const ws = new WebSocket(base + 'SUITE', 'ocpp1.6', { ca, ciphers: cipher, maxVersion: 'TLSv1.2', headers: { authorization: basicAuth('SUITE', 'pw') } });
  let negotiated = '';
  ws.once('upgrade', (res) => (negotiated = (res.socket as TLSSocket).getCipher().name));
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  } finally {
    ws.terminate();
  }
  return negotiated;
}

test('TLS serves both the RSA and the ECDSA suites the whitepaper lists (OCTT TC_086), the TLS_RSA ones only when configured', async (t) => {
  const h = await tlsGateway(false, WHITEPAPER_CIPHERS);
  t.after(() => h.gateway.stop());
  for (const cipher of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384']) {
    assert.equal(await negotiate(h.base, cipher), cipher);
  }
});

test('by default only forward-secret suites: AES128-SHA and AES128-GCM-SHA256 are refused, ECDHE with ECDSA and RSA certificates works', async (t) => {
  const h = await tlsGateway();
  t.after(() => h.gateway.stop());
  for (const cipher of ['AES128-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA']) {
    await assert.rejects(negotiate(h.base, cipher), /handshake failure|no shared cipher|alert/, cipher);
  }
  for (const cipher of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
    assert.equal(await negotiate(h.base, cipher), cipher);
  }
  assert.ok(!FORWARD_SECRET_CIPHERS.split(':').some((c) => !c.startsWith('ECDHE-') && !c.startsWith('TLS_')), 'every default TLS 1.2 suite is ECDHE');
});

test('setTls: a new certificate and cipher list apply to the next connections without a restart', async (t) => {
  const h = await tlsGateway();
  t.after(() => h.gateway.stop());
  const fingerprint = async () => {
    const ws = await openClient(h.base + 'TLS1', 'ocpp1.6', { ...trust(), headers: { authorization: basicAuth('TLS1', 'pw') } });
    const print = (ws as unknown as { _socket: TLSSocket })._socket.getPeerCertificate().fingerprint256;
    ws.terminate();
    return print;
  };
  const before = await fingerprint();
  h.gateway.setTls({ cert: pem['rsa2.crt'], key: pem['rsa2.key'], ca: pem['ca.crt'], ciphers: WHITEPAPER_CIPHERS });
  const after = await openClient(h.base + 'TLS2', 'ocpp1.6', { ca: [pem['rsa2.crt']], headers: { authorization: basicAuth('TLS2', 'pw') } });
  const served = (after as unknown as { _socket: TLSSocket })._socket.getPeerCertificate().fingerprint256;
  after.terminate();
  assert.notEqual(served, before);
  assert.equal(await negotiate(h.base, 'AES128-GCM-SHA256', [pem['rsa2.crt']]), 'AES128-GCM-SHA256', 'the new cipher list applies');
  assert.throws(() => h.gateway.setTls({ cert: pem['rsa2.crt'], key: pem['rsa.key'] }), /key values mismatch|mismatch/);
  assert.equal(await negotiate(h.base, 'AES128-GCM-SHA256', [pem['rsa2.crt']]), 'AES128-GCM-SHA256', 'a refused update changes nothing');
});

test('TLS older than 1.2 is refused by the server', async (t) => {
  const h = await tlsGateway();
  t.after(() => h.gateway.stop());
  const ws = new WebSocket(h.base + 'OLD', 'ocpp1.6', {
    ...trust(),
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.1',
    // Let the client offer TLS 1.1 at all, so that the refusal is the server's.
    ciphers: 'DEFAULT@SECLEVEL=0',
  });
  const err = await new Promise<Error & { code?: string }>((resolve) => ws.once('error', resolve));
  // Alert 70 (protocol_version) comes from the server; a client-side refusal would say
  // "no protocols available" instead.
  assert.match(err.message, /alert protocol version/);
  assert.equal(h.authRequests.length, 0);
  await waitFor(() => h.logs.some((l) => l.msg === 'TLS handshake with a charger failed'), 2_000, 'the failure to be logged');
});

test('security profile 3: a client certificate from the configured CA reaches authenticate; a rogue one does not', async (t) => {
  const h = await tlsGateway(true);
  t.after(() => h.gateway.stop());
  const ws = await openClient(h.base + 'SERIAL-0042', 'ocpp1.6', { ...trust(), cert: pem['cp.crt'], key: pem['cp.key'] });
  t.after(() => ws.terminate());
  const certificate = h.authRequests[0].clientCertificate;
  assert.ok(certificate);
  assert.equal(certificate.subject.CN, 'SERIAL-0042');
  assert.equal(certificate.subject.O, 'Plugboard Test CPO');
  assert.equal(h.authRequests[0].password, null);

  await assert.rejects(openClient(h.base + 'SERIAL-0042', 'ocpp1.6', { ...trust(), cert: pem['rogue.crt'], key: pem['rogue.key'] }), /401/);
  assert.equal(h.authRequests[1].clientCertificate, undefined);
  assert.ok(h.logs.some((l) => l.msg === 'charger client certificate rejected'));
  assert.equal(h.gateway.size, 1);
});
