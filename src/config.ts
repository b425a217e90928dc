// One typed, validated configuration object, built from defaults, an optional JSON config file
// and environment variables (in that order of precedence, env last). Bad config fails fast
// with a message naming the setting, before anything listens.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Ajv } from 'ajv';
import { parseCidr } from './address-policy.ts';

export interface TlsListenerConfig {
  host: string;
  port: number;
  /** PEM file(s); a list serves an RSA and an ECDSA certificate side by side (keyFile in the same order) */
  certFile: string | string[];
  keyFile: string | string[];
  /** CA bundle used to verify charger client certificates (security profile 3) */
  caFile: string | null;
  requestClientCert: boolean;
  /** OpenSSL cipher list; null: forward-secret suites only; "whitepaper": those plus TLS_RSA_WITH_AES_128/256_GCM */
  ciphers?: string | null;
  /** how often the certificate, key and CA files are checked for changes (reloaded without a restart); 0: never */
  reloadIntervalSeconds?: number;
}

/** Security profile 3 (client certificates), wherever TLS ends. */
export interface OcppSecurityConfig {
  /** how a client certificate's subject is bound to the station (src/modules/certificates/binding.ts) */
  certificateSubject: { commonName: 'serialNumber' | 'stationId'; organization: string | null };
  /** behind a TLS-terminating proxy: the request header carrying the client certificate (URL-encoded PEM, nginx $ssl_client_escaped_cert) */
  clientCertHeader: string | null;
  /** addresses (or CIDR ranges) of the proxies whose clientCertHeader and X-Forwarded-Proto are believed */
  trustedProxies: string[];
}

export interface Config {
  ocpp: {
    host: string;
    port: number;
    /** chargers connect to ws://host:port{path}/{chargePointId} */
    path: string;
    tls: TlsListenerConfig | null;
    /** security profile 0 (no authentication at all): only when the operator enables it */
    allowUnsecured: boolean;
    /** profile applied to stations that have none of their own: 0, 1 (Basic auth), 2 (TLS + Basic auth) or 3 (TLS client certificate) */
    defaultSecurityProfile: 0 | 1 | 2 | 3;
    security: OcppSecurityConfig;
    maxFrameBytes: number;
    pingIntervalSeconds: number;
    callTimeoutSeconds: number;
    maxBadMessagesPerMinute: number;
    /** the OCPP versions chargers may connect with (the subprotocols offered at the upgrade); a station's own list narrows it */
    versions: Array<'1.6' | '2.0.1'>;
    /** on SIGTERM: how long to wait for the CALLs already received to be answered before closing the sockets */
    shutdownTimeoutSeconds: number;
    /** the charger door's limits (issue 11); see README */
    admission: {
      /** refused upgrades from one address within the window; beyond, only known-good credentials pass (429 otherwise) */
      maxFailuresPerAddress: number;
      /** refused credentials for one identity within the window; beyond, an address that failed before gets 429 for it */
      maxFailuresPerIdentity: number;
      failureWindowSeconds: number;
      /** password checks (scrypt) running at once */
      verifyConcurrency: number;
      /** password checks waiting, all addresses together; a full queue answers 503 with Retry-After */
      verifyQueueLength: number;
      /** password checks waiting from one address */
      verifyQueuePerAddress: number;
      /** a socket whose request headers are not complete this long after connecting is closed: silent sockets, dribbling headers, stalled TLS */
      handshakeTimeoutSeconds: number;
      /** sockets in their handshake at once (plain and TLS listeners together); a new one beyond it is closed at once */
      maxPendingHandshakes: number;
      /** check charger passwords with a keyed verifier (HMAC under a key from secretKeyFile, ADR 0008) before falling back to scrypt */
      keyedPasswordVerifier: boolean;
    };
  };
  http: { host: string; port: number };
  database: { url: string | null; sqlitePath: string; poolSize: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  registration: {
    /** what an unknown charger becomes when it connects (only possible with allowUnsecured) */
    unknownStations: 'accept' | 'pending' | 'reject';
    heartbeatIntervalSeconds: number;
    /** BootNotification interval for Pending/Rejected chargers: the minimum wait before the next boot */
    retryIntervalSeconds: number;
    /** unknown identities kept in the unknown-stations list; past it the least recently seen are pruned */
    unknownStationsMaxRows: number;
    /** an unknown identity not seen for this long leaves the list */
    unknownStationsRetentionDays: number;
  };
  authorization: {
    /** free-charging mode: unknown idTags are Accepted instead of Invalid */
    acceptUnknownIdTags: boolean;
    /** default for tokens without their own setting: may one token run several transactions at once */
    allowConcurrentTx: boolean;
  };
  messageLog: { enabled: boolean; retentionDays: number; maxRowsPerStation: number };
  /** security events are an audit trail: kept longer than the message log, but not without bound (a station may flood them) */
  securityEvents: { retentionDays: number; maxRowsPerStation: number };
  api: {
    /** an admin API key to install at start (e.g. from a secret store); otherwise the first start creates one and prints it once */
    adminKey: string | null;
    /** failed authentications per client address and window before wrong or missing keys get 429 (a valid key is always served) */
    maxAuthFailuresPerMinute: number;
    /** the window those failures are counted in, seconds (60: a minute) */
    authFailureWindowSeconds: number;
    /** open event streams (GET /events) per API key; one more is answered 429 */
    maxEventStreamsPerKey: number;
  };
  webhooks: {
    /** attempts per delivery before it is marked failed */
    maxAttempts: number;
    /** per attempt */
    timeoutSeconds: number;
    /** deliver to loopback, link-local, private and other non-public addresses too (refused by default, ADR 0013) */
    allowPrivateTargets: boolean;
    /** CIDRs (e.g. "10.20.0.0/16", "fd00:1::/64") allowed as webhook targets even though not public */
    allowedTargets: string[];
  };
  /** file holding the instance key that encrypts secrets Plugboard must be able to use (webhook signing secrets); created 0600 if missing */
  secretKeyFile: string;
  /** files exchanged with chargers over HTTP on the charger listener: firmware (download) and diagnostics (upload) */
  files: {
    /** firmware is kept in {directory}/firmware, diagnostics uploads in {directory}/diagnostics */
    directory: string;
    /** base URL chargers reach the charger listener at, e.g. http://cs.example.com:9000; null = derived from the OCPP listener */
    publicBaseUrl: string | null;
    maxFirmwareBytes: number;
    maxDiagnosticsBytes: number;
    /** how long a diagnostics upload URL stays valid after GetDiagnostics (plus the charger's retries) */
    diagnosticsUploadTtlSeconds: number;
    /** Plugboard's own firmware signing key (PEM, RSA or EC, readable by Plugboard only) and its certificate (PEM), for SignedUpdateFirmware; null = not configured */
    firmwareSigning: { keyFile: string | null; certificateFile: string | null };
  };
  /** converting charging limits between A and W (expected composite schedules): W = A × V × phases */
  smartCharging: {
    /** supply voltage per phase (V) */
    nominalVoltage: number;
    /** phases of a schedule period without numberPhases (OCPP 1.6 §7.14 assumes 3) */
    defaultNumberPhases: 1 | 2 | 3;
    /** per station id, what differs from the two above (e.g. a 120 V or single-phase site) */
    stations: Record<string, { nominalVoltage?: number; defaultNumberPhases?: 1 | 2 | 3 }>;
  };
  /** station certificates (SignCertificate -> CertificateSigned): the built-in CA or an external signer */
  certificates: {
    /** builtin: Plugboard's CA signs CSRs; external: CSRs wait (event certificate.csr_received) for a chain posted through the API */
    signer: 'builtin' | 'external';
    /** the built-in CA's generated certificate and key (key 0600); null = a `ca` folder beside secretKeyFile */
    caDirectory: string | null;
    /** key of a generated CA */
    caKeyType: 'ecdsa-p256' | 'rsa-2048' | 'rsa-3072';
    /** subject of a generated CA */
    caSubject: string;
    caValidityDays: number;
    /** an operator's CA instead of a generated one: PEM certificate (then any certificates above it) and PEM key, both or neither */
    caCertFile: string | null;
    caKeyFile: string | null;
    /** validity of an issued station certificate (never past the CA's) */
    validityDays: number;
    /** stations whose certificate expires within this many days are asked to renew it (ExtendedTriggerMessage SignChargePointCertificate) */
    renewBeforeDays: number;
    /** how often expiring certificates are looked for; 0 = never */
    renewalCheckIntervalSeconds: number;
    /** CertificateSigned.certificateChain length limit unless the station reports CertificateSignedMaxChainSize */
    maxChainSize: number;
  };
}

export const defaultConfig: Config = {
  ocpp: {
    host: '0.0.0.0',
    port: 9000,
    path: '/ocpp',
    tls: null,
    allowUnsecured: false,
    defaultSecurityProfile: 1,
    security: { certificateSubject: { commonName: 'serialNumber', organization: null }, clientCertHeader: null, trustedProxies: [] },
    maxFrameBytes: 256 * 1024,
    pingIntervalSeconds: 30,
    callTimeoutSeconds: 30,
    maxBadMessagesPerMinute: 30,
    versions: ['1.6', '2.0.1'],
    shutdownTimeoutSeconds: 10,
    admission: { maxFailuresPerAddress: 50, maxFailuresPerIdentity: 10, failureWindowSeconds: 300, verifyConcurrency: 2, verifyQueueLength: 200, verifyQueuePerAddress: 32, handshakeTimeoutSeconds: 10, maxPendingHandshakes: 2000, keyedPasswordVerifier: true },
  },
  http: { host: '127.0.0.1', port: 8080 },
  database: { url: null, sqlitePath: './data/plugboard.db', poolSize: 10 },
  log: { level: 'info' },
  registration: { unknownStations: 'accept', heartbeatIntervalSeconds: 300, retryIntervalSeconds: 60, unknownStationsMaxRows: 1000, unknownStationsRetentionDays: 30 },
  authorization: { acceptUnknownIdTags: false, allowConcurrentTx: false },
  messageLog: { enabled: true, retentionDays: 30, maxRowsPerStation: 100_000 },
  securityEvents: { retentionDays: 365, maxRowsPerStation: 10_000 },
  api: { adminKey: null, maxAuthFailuresPerMinute: 20, authFailureWindowSeconds: 60, maxEventStreamsPerKey: 10 },
  webhooks: { maxAttempts: 8, timeoutSeconds: 10, allowPrivateTargets: false, allowedTargets: [] },
  secretKeyFile: './data/secret.key',
  files: { directory: './data/files', publicBaseUrl: null, maxFirmwareBytes: 512 * 1024 * 1024, maxDiagnosticsBytes: 100 * 1024 * 1024, diagnosticsUploadTtlSeconds: 86400, firmwareSigning: { keyFile: null, certificateFile: null } },
  smartCharging: { nominalVoltage: 230, defaultNumberPhases: 3, stations: {} },
  certificates: {
    signer: 'builtin',
    caDirectory: null,
    caKeyType: 'ecdsa-p256',
    caSubject: 'CN=Plugboard Station CA, O=Plugboard',
    caValidityDays: 3650,
    caCertFile: null,
    caKeyFile: null,
    validityDays: 365,
    renewBeforeDays: 30,
    renewalCheckIntervalSeconds: 3600,
    maxChainSize: 10_000,
  },
};

/** Environment variable -> config path. Documented in README.md. */
export const ENV_VARS: Record<string, string> = {
  PLUGBOARD_OCPP_HOST: 'ocpp.host',
  PLUGBOARD_OCPP_PORT: 'ocpp.port',
  PLUGBOARD_OCPP_PATH: 'ocpp.path',
  PLUGBOARD_OCPP_ALLOW_UNSECURED: 'ocpp.allowUnsecured',
  PLUGBOARD_OCPP_DEFAULT_SECURITY_PROFILE: 'ocpp.defaultSecurityProfile',
  PLUGBOARD_OCPP_MAX_FRAME_BYTES: 'ocpp.maxFrameBytes',
  PLUGBOARD_OCPP_PING_INTERVAL_SECONDS: 'ocpp.pingIntervalSeconds',
  PLUGBOARD_OCPP_CALL_TIMEOUT_SECONDS: 'ocpp.callTimeoutSeconds',
  PLUGBOARD_OCPP_MAX_BAD_MESSAGES_PER_MINUTE: 'ocpp.maxBadMessagesPerMinute',
  PLUGBOARD_OCPP_VERSIONS: 'ocpp.versions',
  PLUGBOARD_OCPP_SHUTDOWN_TIMEOUT_SECONDS: 'ocpp.shutdownTimeoutSeconds',
  PLUGBOARD_OCPP_MAX_FAILURES_PER_ADDRESS: 'ocpp.admission.maxFailuresPerAddress',
  PLUGBOARD_OCPP_MAX_FAILURES_PER_IDENTITY: 'ocpp.admission.maxFailuresPerIdentity',
  PLUGBOARD_OCPP_FAILURE_WINDOW_SECONDS: 'ocpp.admission.failureWindowSeconds',
  PLUGBOARD_OCPP_VERIFY_CONCURRENCY: 'ocpp.admission.verifyConcurrency',
  PLUGBOARD_OCPP_VERIFY_QUEUE_LENGTH: 'ocpp.admission.verifyQueueLength',
  PLUGBOARD_OCPP_VERIFY_QUEUE_PER_ADDRESS: 'ocpp.admission.verifyQueuePerAddress',
  PLUGBOARD_OCPP_HANDSHAKE_TIMEOUT_SECONDS: 'ocpp.admission.handshakeTimeoutSeconds',
  PLUGBOARD_OCPP_MAX_PENDING_HANDSHAKES: 'ocpp.admission.maxPendingHandshakes',
  PLUGBOARD_OCPP_KEYED_PASSWORD_VERIFIER: 'ocpp.admission.keyedPasswordVerifier',
  PLUGBOARD_OCPP_TLS_HOST: 'ocpp.tls.host',
  PLUGBOARD_OCPP_TLS_PORT: 'ocpp.tls.port',
  PLUGBOARD_OCPP_TLS_CERT_FILE: 'ocpp.tls.certFile',
  PLUGBOARD_OCPP_TLS_KEY_FILE: 'ocpp.tls.keyFile',
  PLUGBOARD_OCPP_TLS_CA_FILE: 'ocpp.tls.caFile',
  PLUGBOARD_OCPP_TLS_REQUEST_CLIENT_CERT: 'ocpp.tls.requestClientCert',
  PLUGBOARD_OCPP_TLS_CIPHERS: 'ocpp.tls.ciphers',
  PLUGBOARD_OCPP_TLS_RELOAD_INTERVAL_SECONDS: 'ocpp.tls.reloadIntervalSeconds',
  PLUGBOARD_OCPP_CERTIFICATE_CN: 'ocpp.security.certificateSubject.commonName',
  PLUGBOARD_OCPP_CERTIFICATE_O: 'ocpp.security.certificateSubject.organization',
  PLUGBOARD_OCPP_CLIENT_CERT_HEADER: 'ocpp.security.clientCertHeader',
  PLUGBOARD_OCPP_TRUSTED_PROXIES: 'ocpp.security.trustedProxies',
  PLUGBOARD_HTTP_HOST: 'http.host',
  PLUGBOARD_HTTP_PORT: 'http.port',
  DATABASE_URL: 'database.url',
  PLUGBOARD_DB_PATH: 'database.sqlitePath',
  PLUGBOARD_DB_POOL_SIZE: 'database.poolSize',
  PLUGBOARD_LOG_LEVEL: 'log.level',
  PLUGBOARD_UNKNOWN_STATIONS: 'registration.unknownStations',
  PLUGBOARD_HEARTBEAT_INTERVAL_SECONDS: 'registration.heartbeatIntervalSeconds',
  PLUGBOARD_RETRY_INTERVAL_SECONDS: 'registration.retryIntervalSeconds',
  PLUGBOARD_UNKNOWN_STATIONS_MAX_ROWS: 'registration.unknownStationsMaxRows',
  PLUGBOARD_UNKNOWN_STATIONS_RETENTION_DAYS: 'registration.unknownStationsRetentionDays',
  PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'authorization.acceptUnknownIdTags',
  PLUGBOARD_ALLOW_CONCURRENT_TX: 'authorization.allowConcurrentTx',
  PLUGBOARD_MESSAGE_LOG_ENABLED: 'messageLog.enabled',
  PLUGBOARD_MESSAGE_LOG_RETENTION_DAYS: 'messageLog.retentionDays',
  PLUGBOARD_MESSAGE_LOG_MAX_ROWS_PER_STATION: 'messageLog.maxRowsPerStation',
  PLUGBOARD_SECURITY_EVENTS_RETENTION_DAYS: 'securityEvents.retentionDays',
  PLUGBOARD_SECURITY_EVENTS_MAX_ROWS_PER_STATION: 'securityEvents.maxRowsPerStation',
  PLUGBOARD_ADMIN_API_KEY: 'api.adminKey',
  PLUGBOARD_MAX_AUTH_FAILURES_PER_MINUTE: 'api.maxAuthFailuresPerMinute',
  PLUGBOARD_AUTH_FAILURE_WINDOW_SECONDS: 'api.authFailureWindowSeconds',
  PLUGBOARD_MAX_EVENT_STREAMS_PER_KEY: 'api.maxEventStreamsPerKey',
  PLUGBOARD_WEBHOOK_MAX_ATTEMPTS: 'webhooks.maxAttempts',
  PLUGBOARD_WEBHOOK_TIMEOUT_SECONDS: 'webhooks.timeoutSeconds',
  PLUGBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'webhooks.allowPrivateTargets',
  PLUGBOARD_WEBHOOK_ALLOWED_TARGETS: 'webhooks.allowedTargets',
  PLUGBOARD_SECRET_KEY_FILE: 'secretKeyFile',
  PLUGBOARD_FILES_DIR: 'files.directory',
  PLUGBOARD_FILES_PUBLIC_BASE_URL: 'files.publicBaseUrl',
  PLUGBOARD_FILES_MAX_FIRMWARE_BYTES: 'files.maxFirmwareBytes',
  PLUGBOARD_FILES_MAX_DIAGNOSTICS_BYTES: 'files.maxDiagnosticsBytes',
  PLUGBOARD_FILES_DIAGNOSTICS_UPLOAD_TTL_SECONDS: 'files.diagnosticsUploadTtlSeconds',
  PLUGBOARD_FIRMWARE_SIGNING_KEY_FILE: 'files.firmwareSigning.keyFile',
  PLUGBOARD_FIRMWARE_SIGNING_CERTIFICATE_FILE: 'files.firmwareSigning.certificateFile',
  PLUGBOARD_SMART_CHARGING_NOMINAL_VOLTAGE: 'smartCharging.nominalVoltage',
  PLUGBOARD_SMART_CHARGING_DEFAULT_NUMBER_PHASES: 'smartCharging.defaultNumberPhases',
  PLUGBOARD_CERTIFICATES_SIGNER: 'certificates.signer',
  PLUGBOARD_CERTIFICATES_CA_DIR: 'certificates.caDirectory',
  PLUGBOARD_CERTIFICATES_CA_KEY_TYPE: 'certificates.caKeyType',
  PLUGBOARD_CERTIFICATES_CA_SUBJECT: 'certificates.caSubject',
  PLUGBOARD_CERTIFICATES_CA_CERT_FILE: 'certificates.caCertFile',
  PLUGBOARD_CERTIFICATES_CA_KEY_FILE: 'certificates.caKeyFile',
  PLUGBOARD_CERTIFICATES_VALIDITY_DAYS: 'certificates.validityDays',
  PLUGBOARD_CERTIFICATES_RENEW_BEFORE_DAYS: 'certificates.renewBeforeDays',
};

const port = { type: 'integer', minimum: 0, maximum: 65535 };
const voltage = { type: 'number', minimum: 1, maximum: 1000 };
const phases = { enum: [1, 2, 3] };
const seconds = { type: 'integer', minimum: 1, maximum: 86400 };
const host = { type: 'string', minLength: 1 };
const files = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] };
const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['ocpp', 'http', 'database', 'log', 'registration', 'authorization', 'messageLog', 'api', 'webhooks', 'secretKeyFile', 'files', 'smartCharging', 'certificates'],
  properties: {
    ocpp: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host,
        port,
        path: { type: 'string', pattern: '^/[^?#]*[^/]$' },
        tls: {
          anyOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['host', 'port', 'certFile', 'keyFile', 'caFile', 'requestClientCert'],
              properties: {
                host, port,
                certFile: files,
                keyFile: files,
                caFile: { type: ['string', 'null'] },
                requestClientCert: { type: 'boolean' },
                ciphers: { type: ['string', 'null'], minLength: 1 },
                reloadIntervalSeconds: { type: 'integer', minimum: 0, maximum: 86400 },
              },
            },
          ],
        },
        allowUnsecured: { type: 'boolean' },
        defaultSecurityProfile: { enum: [0, 1, 2, 3] },
        security: {
          type: 'object',
          additionalProperties: false,
          properties: {
            certificateSubject: {
              type: 'object',
              additionalProperties: false,
              properties: { commonName: { enum: ['serialNumber', 'stationId'] }, organization: { type: ['string', 'null'], minLength: 1 } },
            },
            clientCertHeader: { type: ['string', 'null'], pattern: '^[A-Za-z0-9-]+$' },
            trustedProxies: { type: 'array', items: { type: 'string', pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' } },
          },
        },
        maxFrameBytes: { type: 'integer', minimum: 1024, maximum: 16 * 1024 * 1024 },
        pingIntervalSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
        callTimeoutSeconds: seconds,
        maxBadMessagesPerMinute: { type: 'integer', minimum: 1 },
        versions: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['1.6', '2.0.1'] } },
        shutdownTimeoutSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
        admission: {
          type: 'object',
          additionalProperties: false,
          properties: {
            maxFailuresPerAddress: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            maxFailuresPerIdentity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            failureWindowSeconds: seconds,
            verifyConcurrency: { type: 'integer', minimum: 1, maximum: 64 },
            verifyQueueLength: { type: 'integer', minimum: 0, maximum: 100_000 },
            verifyQueuePerAddress: { type: 'integer', minimum: 0, maximum: 100_000 },
            handshakeTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 600 },
            maxPendingHandshakes: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            keyedPasswordVerifier: { type: 'boolean' },
          },
        },
      },
    },
    http: { type: 'object', additionalProperties: false, properties: { host, port } },
    database: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: { type: ['string', 'null'], pattern: '^postgres(ql)?://' },
        sqlitePath: { type: 'string', minLength: 1 },
        poolSize: { type: 'integer', minimum: 1, maximum: 200 },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] } },
    },
    registration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        unknownStations: { enum: ['accept', 'pending', 'reject'] },
        heartbeatIntervalSeconds: seconds,
        retryIntervalSeconds: seconds,
        unknownStationsMaxRows: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        unknownStationsRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
      },
    },
    authorization: {
      type: 'object',
      additionalProperties: false,
      properties: { acceptUnknownIdTags: { type: 'boolean' }, allowConcurrentTx: { type: 'boolean' } },
    },
    messageLog: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        retentionDays: { type: 'integer', minimum: 1 },
        maxRowsPerStation: { type: 'integer', minimum: 100 },
      },
    },
    securityEvents: {
      type: 'object',
      additionalProperties: false,
      properties: {
        retentionDays: { type: 'integer', minimum: 1 },
        maxRowsPerStation: { type: 'integer', minimum: 100 },
      },
    },
    api: {
      type: 'object',
      additionalProperties: false,
      properties: {
        adminKey: { type: ['string', 'null'], minLength: 24 },
        maxAuthFailuresPerMinute: { type: 'integer', minimum: 1 },
        authFailureWindowSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
        maxEventStreamsPerKey: { type: 'integer', minimum: 1, maximum: 10_000 },
      },
    },
    webhooks: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAttempts: { type: 'integer', minimum: 1, maximum: 50 },
        timeoutSeconds: { type: 'integer', minimum: 1, maximum: 120 },
        allowPrivateTargets: { type: 'boolean' },
        allowedTargets: { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 64 } },
      },
    },
    secretKeyFile: { type: 'string', minLength: 1 },
    files: {
      type: 'object',
      additionalProperties: false,
      properties: {
        directory: { type: 'string', minLength: 1 },
        publicBaseUrl: { type: ['string', 'null'], pattern: '^https?://[^/?#]+(/[^?#]*)?$' },
        maxFirmwareBytes: { type: 'integer', minimum: 1024 },
        maxDiagnosticsBytes: { type: 'integer', minimum: 1024 },
        diagnosticsUploadTtlSeconds: { type: 'integer', minimum: 60, maximum: 30 * 86400 },
        firmwareSigning: {
          type: 'object',
          additionalProperties: false,
          properties: { keyFile: { type: ['string', 'null'], minLength: 1 }, certificateFile: { type: ['string', 'null'], minLength: 1 } },
        },
      },
    },
    smartCharging: {
      type: 'object',
      additionalProperties: false,
      properties: {
        nominalVoltage: voltage,
        defaultNumberPhases: phases,
        stations: { type: 'object', additionalProperties: { type: 'object', additionalProperties: false, properties: { nominalVoltage: voltage, defaultNumberPhases: phases } } },
      },
    },
    certificates: {
      type: 'object',
      additionalProperties: false,
      properties: {
        signer: { enum: ['builtin', 'external'] },
        caDirectory: { type: ['string', 'null'], minLength: 1 },
        caKeyType: { enum: ['ecdsa-p256', 'rsa-2048', 'rsa-3072'] },
        caSubject: { type: 'string', pattern: '^\\s*[A-Za-z]+=' },
        caValidityDays: { type: 'integer', minimum: 1, maximum: 36500 },
        caCertFile: { type: ['string', 'null'], minLength: 1 },
        caKeyFile: { type: ['string', 'null'], minLength: 1 },
        validityDays: { type: 'integer', minimum: 1, maximum: 3650 },
        renewBeforeDays: { type: 'integer', minimum: 1, maximum: 3650 },
        renewalCheckIntervalSeconds: { type: 'integer', minimum: 0, maximum: 7 * 86400 },
        maxChainSize: { type: 'integer', minimum: 1000, maximum: 10_000 },
      },
    },
  },
};

const validateConfig = new Ajv({ allErrors: true }).compile(schema);

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(base[k]) ? merge(base[k] as Json, v) : v;
  }
  return out;
}

/** Env values are strings; turn them into the type the schema expects at that path. */
function coerce(path: string, raw: string): unknown {
  const current = path.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), defaultConfig);
  if (raw === '' && (path === 'database.url' || path === 'ocpp.tls.caFile' || path === 'api.adminKey' || path === 'files.publicBaseUrl' || path.startsWith('files.firmwareSigning.') || /^certificates\.ca(Directory|CertFile|KeyFile)$/.test(path) || path === 'ocpp.tls.ciphers' || path === 'ocpp.security.clientCertHeader' || path === 'ocpp.security.certificateSubject.organization')) return null;
  if (path === 'ocpp.versions') return raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (path === 'ocpp.security.trustedProxies') return raw.split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (typeof current === 'number' || /port$|Seconds$|Bytes$|Size$|Profile$|PerMinute$|Days$|PerStation$/.test(path)) {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`${path}: expected a number, got "${raw}"`);
    return n;
  }
  if (Array.isArray(current)) return raw.split(',').map((v) => v.trim()).filter(Boolean);
  if (typeof current === 'boolean' || /^(allow|accept|enabled|requestClientCert)/.test(path.split('.').pop()!)) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${path}: expected true or false, got "${raw}"`);
  }
  return raw;
}

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    if (!isObject(o[k])) o[k] = {};
    o = o[k] as Json;
  }
  o[keys[keys.length - 1]] = value;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** path of a JSON config file; defaults to $PLUGBOARD_CONFIG */
  file?: string | null;
  /** programmatic overrides (tests), applied last */
  overrides?: DeepPartial<Config>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object | null ? DeepPartial<NonNullable<T[K]>> | T[K] : T[K] };

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  let cfg: Json = structuredClone(defaultConfig) as unknown as Json;
  const file = opts.file ?? env.PLUGBOARD_CONFIG ?? null;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
    }
    if (!isObject(parsed)) throw new ConfigError(`config file ${file}: expected a JSON object`);
    cfg = merge(cfg, parsed);
  }
  const envTls: Json = {};
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined) continue;
    if (path.startsWith('ocpp.tls.')) setPath(envTls, path.slice('ocpp.tls.'.length), coerce(path, raw));
    else setPath(cfg, path, coerce(path, raw));
  }
  if (Object.keys(envTls).length > 0) {
    const tlsBase = isObject((cfg.ocpp as Json).tls) ? ((cfg.ocpp as Json).tls as Json) : { host: '0.0.0.0', port: 9443, caFile: null, requestClientCert: false };
    (cfg.ocpp as Json).tls = merge(tlsBase, envTls);
  }
  if (opts.overrides) cfg = merge(cfg, opts.overrides as Json);
  if (!validateConfig(cfg)) {
    const problems = (validateConfig.errors ?? []).map((e) => `${e.instancePath.slice(1).replaceAll('/', '.') || '(root)'} ${e.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const badCidr = (cfg as unknown as Config).webhooks.allowedTargets.find((c) => !parseCidr(c));
  if (badCidr !== undefined) throw new ConfigError(`webhooks.allowedTargets: ${JSON.stringify(badCidr)} is not a CIDR: write an address and a prefix length, e.g. "10.20.0.0/16" or "fd00:1::/64"`);
  const certs = cfg.certificates as Json;
  if ((certs.caCertFile === null) !== (certs.caKeyFile === null)) throw new ConfigError('invalid configuration: certificates.caCertFile and certificates.caKeyFile go together (both or neither)');
  const config = cfg as unknown as Config;
  const tls = config.ocpp.tls;
  if (tls && [tls.certFile].flat().length !== [tls.keyFile].flat().length) {
    throw new ConfigError('invalid configuration: ocpp.tls.certFile and ocpp.tls.keyFile must list as many files, in the same order');
  }
  for (const entry of config.ocpp.security.trustedProxies) {
    const [address, bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || (bits !== undefined && Number(bits) > (family === 4 ? 32 : 128))) {
      throw new ConfigError(`ocpp.security.trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. "10.0.0.5" or "10.1.0.0/16")`);
    }
  }
  if (config.ocpp.defaultSecurityProfile === 3 && !tls?.requestClientCert && config.ocpp.security.clientCertHeader === null) {
    throw new ConfigError('invalid configuration: ocpp.defaultSecurityProfile 3 needs client certificates: set ocpp.tls.requestClientCert (and ocpp.tls.caFile), or ocpp.security.clientCertHeader behind a TLS-terminating proxy');
  }
  return config;
}
