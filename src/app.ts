// Composition root: builds the database, bus, gateway and HTTP server and registers every module.
import type { Config } from './config.ts';
import type { AppContext, Module, Services } from './context.ts';
import { createLogger, type Logger } from './log.ts';
import { openAndMigrate } from './db/index.ts';
import { createMetrics, FRAME_TYPE_NAMES } from './metrics.ts';
import { LocalBus } from './bus/local.ts';
import { OcppDispatcher, type Ocpp201Dispatcher } from './dispatch.ts';
import { Gateway, type GatewayOptions } from './gateway/index.ts';
import { CENTRAL_TO_CHARGER_ACTIONS, CHARGER_TO_CENTRAL_ACTIONS } from './protocol/index.ts';
import { createHttpServer } from './http/server.ts';
import type { Api } from './http/types.ts';
import { stationsModule } from './modules/stations/index.ts';
import { authorizationModule } from './modules/authorization/index.ts';
import { transactionsModule } from './modules/transactions/index.ts';
import { messageLogModule } from './modules/messagelog/index.ts';
import { apiKeysModule } from './modules/apikeys/index.ts';
import { reportsModule } from './modules/reports/index.ts';
import { commandsModule } from './modules/commands/index.ts';
import { eventsModule } from './modules/events/index.ts';
import { webhooksModule } from './modules/webhooks/index.ts';
import { reservationsModule } from './modules/reservations/index.ts';
import { triggerModule } from './modules/trigger/index.ts';
import { smartChargingModule } from './modules/smartcharging/index.ts';
import { firmwareModule } from './modules/firmware/index.ts';
import { localAuthModule } from './modules/localauth/index.ts';
import { certificatesModule } from './modules/certificates/index.ts';
import { securityModule } from './modules/security/index.ts';
import { tlsModule } from './modules/tls/index.ts';
import { deviceModelModule } from './modules/devicemodel/index.ts';

export const modules: Module[] = [stationsModule, authorizationModule, transactionsModule, messageLogModule, apiKeysModule, commandsModule, eventsModule, reportsModule, webhooksModule, firmwareModule, smartChargingModule, localAuthModule, reservationsModule, triggerModule, certificatesModule, securityModule, tlsModule, deviceModelModule];

export interface App {
  ctx: AppContext;
  gateway: Gateway;
  http: Api;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** ws:// base URL chargers connect to (append /{stationId}), once started */
  ocppUrl(): string;
  /** wss:// base URL, when a TLS listener is configured */
  ocppTlsUrl(): string | null;
  httpUrl(): string;
}

function listenersOf(config: Config, ctx: AppContext): GatewayOptions['listeners'] {
  const listeners: GatewayOptions['listeners'] = [{ host: config.ocpp.host, port: config.ocpp.port }];
  const tls = config.ocpp.tls;
  // The TLS module reads the files (and rereads them when they change: ctx.services.tls.useGateway below).
  const tlsOptions = ctx.services.tls.listenerTls();
  if (tls && tlsOptions) listeners.push({ host: tls.host, port: tls.port, tls: tlsOptions });
  return listeners;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** The database, bus and modules without any listener: what CLI commands need. */
export interface CoreOptions {
  log?: Logger;
  onStorageFailure?: (err: Error) => void;
  /** Tests only: replaces the SQLite WAL fdatasync (OpenDbOptions.syncWal). */
  syncWal?: (fd: number) => Promise<void>;
}

export async function createCore(config: Config, opts: CoreOptions = {}): Promise<{ ctx: AppContext; close(): Promise<void> }> {
  const log = opts.log ?? createLogger(config.log.level);
  const db = await openAndMigrate({
    databaseUrl: config.database.url,
    sqlitePath: config.database.sqlitePath,
    log,
    poolSize: config.database.poolSize,
    syncWal: opts.syncWal,
    // Fail-stop: nothing more can be acknowledged safely; the next start recovers the database.
    onStorageFailure: opts.onStorageFailure ?? ((err) => {
      log.fatal({ err }, 'storage failed: Plugboard stops so that nothing is acknowledged that may be lost; restart it to recover the database');
      process.exit(70);
    }),
  });
  const ctx: AppContext = {
    config,
    log,
    db,
    bus: new LocalBus((err) => log.error({ err }, 'event listener failed')),
    metrics: createMetrics(),
    ocpp16: new OcppDispatcher(),
    ocpp201: new OcppDispatcher() as Ocpp201Dispatcher,
    services: {} as Services,
    now: () => new Date(),
  };
  for (const m of modules) await m.register(ctx);
  return {
    ctx,
    async close() {
      for (const m of modules) await m.stop?.(ctx);
      await db.close();
    },
  };
}

const KNOWN_ACTIONS = new Set<string>([...CHARGER_TO_CENTRAL_ACTIONS, ...CENTRAL_TO_CHARGER_ACTIONS, 'unknown']);
const metricAction = (action: string) => (KNOWN_ACTIONS.has(action) ? action : 'other');

export async function createApp(config: Config, opts: Pick<CoreOptions, 'log' | 'syncWal'> = {}): Promise<App> {
  const core = await createCore(config, opts);
  const { ctx } = core;
  const { log, bus, metrics } = ctx;

  // Two counters per frame: the labelled children are looked up once per (direction, action,
  // type), not hashed from a labels object on every frame. An action name a charger made up is
  // counted as "other": label values must stay a bounded set (metrics and this map alike).
  const frameCounters = new Map<string, { inc(): void }>();
  const frameCounter = (direction: 'in' | 'out', rawAction: string, type: string) => {
    const action = metricAction(rawAction);
    const key = `${direction} ${action} ${type}`;
    let child = frameCounters.get(key);
    if (!child) {
      child = (direction === 'in' ? metrics.messagesIn : metrics.messagesOut).labels(action, type);
      frameCounters.set(key, child);
    }
    return child;
  };

  // Stations' certificates from the built-in CA are trusted at the TLS upgrade (before the listener reads its CA list).
  await ctx.services.tls.trustCertificateAuthority();
  const gateway = new Gateway({
    listeners: listenersOf(config, ctx),
    pathPrefix: config.ocpp.path,
    maxFrameBytes: config.ocpp.maxFrameBytes,
    pingIntervalMs: config.ocpp.pingIntervalSeconds * 1000,
    callTimeoutMs: config.ocpp.callTimeoutSeconds * 1000,
    maxBadMessagesPerMinute: config.ocpp.maxBadMessagesPerMinute,
    versions: config.ocpp.versions,
    drainTimeoutMs: config.ocpp.shutdownTimeoutSeconds * 1000,
    admission: {
      maxFailuresPerAddress: config.ocpp.admission.maxFailuresPerAddress,
      maxFailuresPerIdentity: config.ocpp.admission.maxFailuresPerIdentity,
      windowMs: config.ocpp.admission.failureWindowSeconds * 1000,
    },
    handshakes: { timeoutMs: config.ocpp.admission.handshakeTimeoutSeconds * 1000, maxPending: config.ocpp.admission.maxPendingHandshakes },
    log,
    authenticate: (req) => ctx.services.stations.authenticate(req),
    onCall: (conn, action, payload) =>
      (conn.version === '2.0.1' ? ctx.ocpp201 : ctx.ocpp16).dispatch({ stationId: conn.identity, version: conn.version, log }, action, payload),
    onConnected(conn) {
      metrics.connectedChargers.inc();
      ctx.services.stations.onConnected(conn.identity, conn.protocol);
      bus.publish({ type: 'station.connected', stationId: conn.identity, at: new Date().toISOString(), protocol: conn.protocol, remoteAddress: conn.remoteAddress });
    },
    onDisconnected(conn, info) {
      metrics.connectedChargers.dec();
      // A replaced connection is not an outage: the charger is still online on its new socket.
      if (!info.replaced) ctx.services.stations.onDisconnected(conn.identity);
      bus.publish({ type: 'station.disconnected', stationId: conn.identity, at: new Date().toISOString(), code: info.code, reason: info.reason, replaced: info.replaced });
    },
    onFrame(conn, direction, text, info) {
      frameCounter(direction, info.action ?? 'unknown', FRAME_TYPE_NAMES[info.type] ?? 'invalid').inc();
      if (direction === 'in') ctx.services.stations.noteActivity(conn.identity);
      if (info.type === 4 && direction === 'in') metrics.errors.inc({ kind: 'callerror_received', code: 'any' });
      ctx.services.messageLog.record(conn.identity, direction, text, info);
    },
    onHttpRequest: (req, res) => ctx.services.firmware.handleChargerHttp(req, res),
    onCallHandled(action, durationMs, errorCode) {
      metrics.callLatency.observe({ action: metricAction(action) }, durationMs / 1000);
      if (errorCode) metrics.errors.inc({ kind: 'callerror_sent', code: errorCode });
    },
  });
  bus.setCommandTarget({
    callLocal: (stationId, action, payload, timeoutMs) => gateway.get(stationId)?.call(action, payload, { timeoutMs }),
  });
  ctx.services.stations.useConnections(gateway);
  ctx.services.tls.useGateway(gateway);
  ctx.services.firmware.useChargerListeners(() => gateway.addresses());
  const http = await createHttpServer(ctx, gateway, modules);

  let httpAddress = '';
  return {
    ctx,
    gateway,
    http,
    async start() {
      const firstKey = await ctx.services.apiKeys.ensureAdminKey();
      if (firstKey) {
        // Printed once, on stdout, so the operator can copy it; only its hash is stored.
        process.stdout.write(`\nPlugboard created an admin API key. Store it now; it is not shown again:\n\n  ${firstKey}\n\n`);
        log.warn('created the initial admin API key (printed above, once)');
      }
      await gateway.start();
      httpAddress = await http.listen({ host: config.http.host, port: config.http.port });
      const ocpp = gateway.addresses();
      log.info({ ocpp: ocpp.map((a) => `${a.tls ? 'wss' : 'ws'}://${urlHost(a.host)}:${a.port}${config.ocpp.path}/{stationId}`), http: httpAddress, database: ctx.db.dialect }, 'plugboard is listening');
    },
    async stop() {
      await gateway.stop();
      await http.close();
      await core.close();
    },
    ocppUrl() {
      const a = gateway.addresses().find((x) => !x.tls)!;
      return `ws://${urlHost(a.host)}:${a.port}${config.ocpp.path}`;
    },
    ocppTlsUrl() {
      const a = gateway.addresses().find((x) => x.tls);
      return a ? `wss://${urlHost(a.host)}:${a.port}${config.ocpp.path}` : null;
    },
    httpUrl() {
      const a = http.server.address();
      return typeof a === 'object' && a ? `http://${urlHost(a.address)}:${a.port}` : httpAddress;
    },
  };
}
