// Secrets in OCPP frames (issue 11): AuthorizationKey values and private key material never reach
// the message log, the logs, bus events (SSE) or webhook deliveries; ChangeConfiguration of
// AuthorizationKey / SecurityProfile outside the rotation and upgrade flows is refused, nothing sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.ts';
import { redact, rememberSecret, REDACTED } from '../../src/redact.ts';
import { eventually, ADMIN_KEY, startTestApp, type TestApp } from '../helpers/app.ts';

const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----';
const CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUPublicPart\n-----END CERTIFICATE-----';

test('redact(): AuthorizationKey values, BasicAuthPassword, private keys and known secrets; certificates and other frames pass unchanged', () => {
  const change = JSON.stringify([2, 'm1', 'ChangeConfiguration', { key: 'authorizationKey', value: 'sekrit-sekrit-sekrit' }]);
  assert.equal(redact(change), JSON.stringify([2, 'm1', 'ChangeConfiguration', { key: 'authorizationKey', value: REDACTED }]));
  const got = JSON.stringify([3, 'm2', { configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: 'abcdefabcdefabcdef' }, { key: 'HeartbeatInterval', readonly: false, value: '60' }] }]);
  assert.deepEqual(JSON.parse(redact(got))[2].configurationKey.map((k: { value: string }) => k.value), [REDACTED, '60']);
  const set201 = { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'pw-pw-pw-pw-pw-pw' }] };
  assert.equal(redact(set201).setVariableData[0].attributeValue, REDACTED);

  const withKey = JSON.stringify([2, 'm3', 'DataTransfer', { vendorId: 'x', data: `${CERTIFICATE}\n${PRIVATE_KEY}` }]);
  const r = redact(withKey);
  assert.ok(!r.includes('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'), r);
  assert.ok(r.includes('MIIBszCCAVmgAwIBAgIUPublicPart'), 'the certificate is public');
  assert.ok(r.includes('PRIVATE KEY-----[redacted]'));
  // A key block cut off before its END line is hidden to the end.
  assert.equal(redact('x -----BEGIN EC PRIVATE KEY-----\nAAAA'), `x -----BEGIN EC PRIVATE KEY-----${REDACTED}-----END EC PRIVATE KEY-----`);
  // Free text that mentions AuthorizationKey with a JSON value member; not JSON itself.
  assert.ok(!redact('bad frame: {"key":"AuthorizationKey","value":"0123456789abcdef0123"').includes('0123456789abcdef0123'));

  rememberSecret('echoed-secret-0123456789');
  assert.equal(redact('the charger says: cannot store echoed-secret-0123456789'), `the charger says: cannot store ${REDACTED}`);
  const event = { type: 'command.answered', stationId: 'S', at: 'now', action: 'ChangeConfiguration', ok: false, error: 'InternalError: echoed-secret-0123456789' };
  assert.equal(redact(event).error, `InternalError: ${REDACTED}`);
  const err = new Error('failed with echoed-secret-0123456789');
  const redactedErr = redact({ err }).err;
  assert.ok(redactedErr instanceof Error && !redactedErr.message.includes('echoed-secret') && !String(redactedErr.stack).includes('echoed-secret'));

  // Nothing to hide: the very same value comes back.
  const plain = JSON.stringify([2, 'm4', 'Heartbeat', {}]);
  assert.equal(redact(plain), plain);
  const obj = { type: 'station.heartbeat', stationId: 'S', at: 'now' };
  assert.equal(redact(obj), obj);
});

// --- end to end --------------------------------------------------------------------------------

const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});

let app: TestApp;
let readKey: string;
const hooks: string[] = [];
let hookServer: ReturnType<typeof createServer>;
let sse = '';
const sseAbort = new AbortController();

before(async () => {
  app = await startTestApp({ log: createLogger('debug', logSink), config: { webhooks: { allowPrivateTargets: true } } });
  readKey = (await app.request('POST', '/api/v1/api-keys', { body: { name: 'reader', role: 'read' } })).body.key;
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(body);
      res.writeHead(200).end('ok');
    });
  });
  hookServer.listen(0, '127.0.0.1');
  await once(hookServer, 'listening');
  const { port } = hookServer.address() as { port: number };
  const created = await app.request('POST', '/api/v1/webhooks', { body: { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['command.*', 'station.*'] } });
  assert.equal(created.status, 201, created.text);
  app.ctx.services.webhooks.configureDelivery({ pollMs: 50, retryBaseMs: 200, retryMaxMs: 2000 });
  const res = await fetch(`${app.httpUrl()}/api/v1/events`, { headers: { 'x-api-key': readKey }, signal: sseAbort.signal });
  void (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        sse += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
});
after(async () => {
  sseAbort.abort();
  hookServer?.closeAllConnections();
  hookServer?.close();
  await app?.cleanup();
});

async function station(id: string, password: string) {
  assert.equal((await app.request('POST', '/api/v1/stations', { body: { id, password } })).status, 201);
}

/** Every place a secret must not reach, as text: the message log read with a read-only key, the logs, SSE, webhooks. */
async function everywhere(stationId: string): Promise<string> {
  const messages = await app.request('GET', `/api/v1/stations/${stationId}/messages?limit=500`, { key: readKey });
  assert.equal(messages.status, 200, messages.text);
  const flows = await app.request('GET', `/api/v1/stations/${stationId}/security-flows`, { key: readKey });
  return [messages.text, flows.text, logLines.join(''), sse, hooks.join('\n')].join('\n');
}

test('ChangeConfiguration AuthorizationKey / SecurityProfile through the generic, friendly and bulk endpoints: 400 naming the flow routes, nothing sent', async () => {
  await station('RD-GUARD', 'initial-password-0001');
  const cp = app.charger('RD-GUARD', { password: 'initial-password-0001' });
  await cp.connect();
  await cp.boot();
  const secret = 'operator-typed-0123456789';
  const generic = await app.request('POST', '/api/v1/stations/RD-GUARD/ocpp/ChangeConfiguration', { body: { key: 'AuthorizationKey', value: secret } });
  assert.equal(generic.status, 400, generic.text);
  assert.equal(generic.body.error, 'invalid_command');
  assert.match(generic.body.message, /POST \/api\/v1\/stations\/\{id\}\/password-rotation/);
  const friendly = await app.request('PUT', '/api/v1/stations/RD-GUARD/configuration/authorizationkey', { body: { value: secret } });
  assert.equal(friendly.status, 400, friendly.text);
  const bulk = await app.request('POST', '/api/v1/commands/bulk', { body: { stationIds: ['RD-GUARD'], action: 'ChangeConfiguration', payload: { key: 'AuthorizationKey', value: secret } } });
  assert.equal(bulk.status, 200, bulk.text);
  assert.equal(bulk.body.results[0].error.status, 400);
  const profile = await app.request('PUT', '/api/v1/stations/RD-GUARD/configuration/SecurityProfile', { body: { value: '2' } });
  assert.equal(profile.status, 400, profile.text);
  assert.match(profile.body.message, /security-profile-upgrade/);
  // Other keys still go.
  assert.equal((await app.request('PUT', '/api/v1/stations/RD-GUARD/configuration/HeartbeatInterval', { body: { value: '60' } })).status, 200);
  assert.deepEqual(cp.received.filter((r) => r.action === 'ChangeConfiguration').map((r) => r.payload.key), ['HeartbeatInterval']);
  // The refused request's secret is nowhere either.
  assert.ok(!(await everywhere('RD-GUARD')).includes(secret));
});

test('a rotated password and a charger echoing it, a GetConfiguration reporting AuthorizationKey, private keys in frames: in no message log, log line, event or webhook', async () => {
  await station('RD-1', 'initial-password-0001');
  let echo = true;
  const told: string[] = [];
  const cp = app.charger('RD-1', {
    password: 'initial-password-0001',
    handlers: {
      ChangeConfiguration: (p: { key: string; value: string }) => {
        told.push(p.value);
        if (echo) throw new Error(`cannot store AuthorizationKey ${p.value}`);
        return { status: 'Accepted' };
      },
      GetConfiguration: () => ({ configurationKey: [{ key: 'AuthorizationKey', readonly: false, value: 'reported-by-charger-0123' }] }),
      DataTransfer: () => ({ status: 'Accepted', data: PRIVATE_KEY }),
    },
  });
  await cp.connect();
  await cp.boot();

  // 1. The charger answers with a CALLERROR echoing the new password: the rotation fails, the old password stays.
  const failed = await app.request('POST', '/api/v1/stations/RD-1/password-rotation');
  assert.equal(failed.status, 200, failed.text);
  assert.equal(failed.body.flow.status, 'Failed');
  assert.equal(failed.body.password, undefined, 'nothing changed: no password to show');
  // 2. GetConfiguration answered with the write-only key's value; private keys both ways.
  const conf = await app.request('POST', '/api/v1/stations/RD-1/ocpp/GetConfiguration', { body: { key: ['AuthorizationKey'] } });
  assert.equal(conf.status, 200, conf.text);
  assert.equal(conf.body.configurationKey[0].value, REDACTED);
  assert.equal((await app.request('POST', '/api/v1/stations/RD-1/ocpp/DataTransfer', { body: { vendorId: 'Plugboard', data: `${CERTIFICATE}\n${PRIVATE_KEY}` } })).status, 200);
  // 3. It accepts the next password: the connection that used the old one is closed, it comes back with the new one.
  echo = false;
  const rotated = await app.request('POST', '/api/v1/stations/RD-1/password-rotation');
  assert.equal(rotated.body.flow.status, 'Accepted', rotated.text);
  assert.equal(rotated.body.password, told[1], 'the generated password is shown once');
  await cp.closed();
  const back = app.charger('RD-1', { password: rotated.body.password });
  await back.connect();
  await back.heartbeat();
  await back.close();

  await eventually(() => hooks.some((h) => h.includes('"action":"ChangeConfiguration"') && h.includes('"ok":false')) && sse.includes('ChangeConfiguration'), 30_000, 'webhooks and SSE saw the commands');
  await eventually(() => hooks.some((h) => h.includes('station.disconnected')), 30_000, 'the disconnect delivered');
  const all = await everywhere('RD-1');
  assert.equal(told.length, 2);
  for (const secret of [...told, 'reported-by-charger-0123', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7']) {
    assert.ok(!all.includes(secret), `${secret.slice(0, 12)}... appears: ${all.slice(Math.max(0, all.indexOf(secret) - 300), all.indexOf(secret) + 50)}`);
  }
  // The frames are there, redacted; the certificate (public) is kept; the log did record the failure.
  assert.ok(all.includes('"key":"AuthorizationKey","value":"[redacted]"'), 'the ChangeConfiguration frames are logged, redacted');
  assert.ok(all.includes('MIIBszCCAVmgAwIBAgIUPublicPart'));
  assert.ok(all.includes(`cannot store AuthorizationKey ${REDACTED}`), 'the echo is stored, redacted');
  assert.ok(logLines.some((l) => l.includes('password rotation: ChangeConfiguration AuthorizationKey failed') && l.includes(REDACTED)), 'the failure is logged, redacted');
  assert.ok(hooks.length > 0 && sse.length > 0);
  void ADMIN_KEY;
});
