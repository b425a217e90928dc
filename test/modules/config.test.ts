import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, defaultConfig, ConfigError } from '../../src/config.ts';

test('defaults: chargers on 9000 under /ocpp, HTTP on 8080, data in ./data/plugboard.db', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.ocpp.port, 9000);
  assert.equal(c.ocpp.path, '/ocpp');
  assert.equal(c.http.port, 8080);
  assert.equal(c.database.sqlitePath, './data/plugboard.db');
  assert.equal(c.database.url, null);
  assert.equal(c.ocpp.allowUnsecured, false);
  assert.deepEqual(c, defaultConfig);
});

test('file then environment: env wins, types are coerced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ ocpp: { port: 9100, allowUnsecured: true }, registration: { unknownStations: 'pending' } }));
  const c = loadConfig({ file, env: { PLUGBOARD_OCPP_PORT: '9200', DATABASE_URL: 'postgres://u@h/db', PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'yes' } });
  assert.equal(c.ocpp.port, 9200);
  assert.equal(c.ocpp.allowUnsecured, true);
  assert.equal(c.registration.unknownStations, 'pending');
  assert.equal(c.database.url, 'postgres://u@h/db');
  assert.equal(c.authorization.acceptUnknownIdTags, true);
});

test('TLS listener from environment variables', () => {
  const c = loadConfig({ env: { PLUGBOARD_OCPP_TLS_CERT_FILE: '/c.pem', PLUGBOARD_OCPP_TLS_KEY_FILE: '/k.pem' } });
  assert.deepEqual(c.ocpp.tls, { host: '0.0.0.0', port: 9443, caFile: null, requestClientCert: false, certFile: '/c.pem', keyFile: '/k.pem' });
  assert.throws(() => loadConfig({ env: { PLUGBOARD_OCPP_TLS_CERT_FILE: '/c.pem' } }), /ocpp\.tls must have required property 'keyFile'/);
});

test('bad values fail fast with the setting named', () => {
  assert.throws(() => loadConfig({ env: { PLUGBOARD_HTTP_PORT: '70000' } }), /http\.port must be <= 65535/);
  assert.throws(() => loadConfig({ env: { PLUGBOARD_OCPP_ALLOW_UNSECURED: 'perhaps' } }), ConfigError);
  assert.throws(() => loadConfig({ env: { DATABASE_URL: 'mysql://x' } }), /database\.url must match pattern/);
  assert.throws(() => loadConfig({ overrides: { ocpp: { typo: 1 } as never }, env: {} }), /ocpp must NOT have additional properties/);
  const dir = mkdtempSync(join(tmpdir(), 'pb-cfg-'));
  writeFileSync(join(dir, 'bad.json'), '{ nope');
  assert.throws(() => loadConfig({ file: join(dir, 'bad.json'), env: {} }), /config file .*bad\.json/);
});

test('smart charging: 230 V and 3 phases by default, from the environment, per station from the file; bad values named', () => {
  assert.deepEqual(loadConfig({ env: {} }).smartCharging, { nominalVoltage: 230, defaultNumberPhases: 3, stations: {} });
  const env = { PLUGBOARD_SMART_CHARGING_NOMINAL_VOLTAGE: '230.5', PLUGBOARD_SMART_CHARGING_DEFAULT_NUMBER_PHASES: '1' };
  const c = loadConfig({ env, overrides: { smartCharging: { stations: { 'CP-US': { nominalVoltage: 120 } } } } });
  assert.deepEqual(c.smartCharging, { nominalVoltage: 230.5, defaultNumberPhases: 1, stations: { 'CP-US': { nominalVoltage: 120 } } });
  assert.throws(() => loadConfig({ env: { PLUGBOARD_SMART_CHARGING_DEFAULT_NUMBER_PHASES: '4' } }), /smartCharging\.defaultNumberPhases must be equal to one of the allowed values/);
  assert.throws(() => loadConfig({ env: {}, overrides: { smartCharging: { stations: { X: { nominalVoltage: 0 } } } } }), /smartCharging\.stations\.X\.nominalVoltage must be >= 1/);
});

test('firmware signing key and certificate: unset by default, from the environment, empty means unset, bad values named', () => {
  assert.deepEqual(loadConfig({ env: {} }).files.firmwareSigning, { keyFile: null, certificateFile: null });
  const cfg = loadConfig({ env: { PLUGBOARD_FIRMWARE_SIGNING_KEY_FILE: '/etc/plugboard/fw.key', PLUGBOARD_FIRMWARE_SIGNING_CERTIFICATE_FILE: '/etc/plugboard/fw.pem' } });
  assert.deepEqual(cfg.files.firmwareSigning, { keyFile: '/etc/plugboard/fw.key', certificateFile: '/etc/plugboard/fw.pem' });
  assert.equal(loadConfig({ env: { PLUGBOARD_FIRMWARE_SIGNING_KEY_FILE: '' } }).files.firmwareSigning.keyFile, null);
  assert.throws(() => loadConfig({ env: {}, overrides: { files: { firmwareSigning: { keyFile: 7 as unknown as string } } } }), /files\.firmwareSigning\.keyFile/);
});

test('security profile 3 and TLS settings: env vars, lists, and what cannot work is refused at start', () => {
  const c = loadConfig({
    env: {
      PLUGBOARD_OCPP_TLS_CERT_FILE: '/c.pem',
      PLUGBOARD_OCPP_TLS_KEY_FILE: '/k.pem',
      PLUGBOARD_OCPP_TLS_REQUEST_CLIENT_CERT: 'true',
      PLUGBOARD_OCPP_TLS_CIPHERS: 'whitepaper',
      PLUGBOARD_OCPP_TLS_RELOAD_INTERVAL_SECONDS: '5',
      PLUGBOARD_OCPP_DEFAULT_SECURITY_PROFILE: '3',
      PLUGBOARD_OCPP_CERTIFICATE_CN: 'stationId',
      PLUGBOARD_OCPP_CERTIFICATE_O: 'My CPO',
      PLUGBOARD_OCPP_CLIENT_CERT_HEADER: 'X-SSL-Client-Cert',
      PLUGBOARD_OCPP_TRUSTED_PROXIES: '10.0.0.5, 10.1.0.0/16,fd00::/8',
    },
  });
  assert.equal(c.ocpp.defaultSecurityProfile, 3);
  assert.equal(c.ocpp.tls?.requestClientCert, true);
  assert.equal(c.ocpp.tls?.ciphers, 'whitepaper');
  assert.equal(c.ocpp.tls?.reloadIntervalSeconds, 5);
  assert.deepEqual(c.ocpp.security, { certificateSubject: { commonName: 'stationId', organization: 'My CPO' }, clientCertHeader: 'X-SSL-Client-Cert', trustedProxies: ['10.0.0.5', '10.1.0.0/16', 'fd00::/8'] });
  assert.equal(defaultConfig.ocpp.security.certificateSubject.commonName, 'serialNumber');
  // An RSA and an ECDSA certificate side by side, keys in the same order.
  const both = loadConfig({ env: {}, overrides: { ocpp: { tls: { host: '0.0.0.0', port: 9443, certFile: ['/rsa.crt', '/ec.crt'], keyFile: ['/rsa.key', '/ec.key'], caFile: null, requestClientCert: false } } } });
  assert.deepEqual(both.ocpp.tls?.certFile, ['/rsa.crt', '/ec.crt']);
  assert.throws(() => loadConfig({ env: {}, overrides: { ocpp: { tls: { host: '0.0.0.0', port: 9443, certFile: ['/rsa.crt', '/ec.crt'], keyFile: '/rsa.key', caFile: null, requestClientCert: false } } } }), /as many files/);
  // Profile 3 by default with no way to receive a client certificate cannot work.
  assert.throws(() => loadConfig({ env: { PLUGBOARD_OCPP_DEFAULT_SECURITY_PROFILE: '3' } }), /defaultSecurityProfile 3 needs client certificates/);
  assert.throws(() => loadConfig({ env: { PLUGBOARD_OCPP_DEFAULT_SECURITY_PROFILE: '4' } }), /defaultSecurityProfile must be equal to one of the allowed values/);
  assert.throws(() => loadConfig({ env: { PLUGBOARD_OCPP_TRUSTED_PROXIES: '10.0.0.300' } }), /trustedProxies: "10.0.0.300" is not an IP address/);
  assert.throws(() => loadConfig({ env: { PLUGBOARD_OCPP_TRUSTED_PROXIES: '10.0.0.0/33' } }), /trustedProxies/);
  assert.throws(() => loadConfig({ env: { PLUGBOARD_OCPP_CERTIFICATE_CN: 'email' } }), /commonName must be equal to one of the allowed values/);
});
