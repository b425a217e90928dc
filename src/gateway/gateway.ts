import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { ChargerConnection, type ConnectionHost } from './connection.ts';
import {
  checkUpgradeRequest,
  identityFromPath,
  parseBasicAuth,
  parseSubprotocolHeader,
  pickSubprotocol,
  subprotocolList,
  usernameMatches,
} from './handshake.ts';
import { Admission, TOO_MANY_FAILURES } from './admission.ts';
import { HandshakeGuard } from './handshakes.ts';
import { refuseUpgrade } from './refuse.ts';
import { ChargerSocket } from './socket.ts';
import type { AdmittedCertificate, AuthRequest, AuthResult, GatewayOptions, ListenerOptions, ListenerTlsOptions } from './types.ts';
import { OCPP_VERSIONS } from '../protocol/versions.ts';

export { ChargerConnection, ChargerNotConnectedError, REPLACED_CODE, REPLACED_REASON } from './connection.ts';
export type { AdmittedCertificate, AuthRequest, AuthResult, DisconnectInfo, FrameInfo, GatewayOptions, ListenerOptions, ListenerTlsOptions } from './types.ts';

/**
 * The default cipher suites: forward-secret only (ECDHE key exchange, AEAD ciphers), in the
 * Security Whitepaper's order of preference for TLS 1.2, then the TLS 1.3 suites (all forward
 * secret). The whitepaper's TLS_RSA_WITH_AES_128/256_GCM suites (AES128-GCM-SHA256,
 * AES256-GCM-SHA384) have no forward secrecy: only when configured (ocpp.tls.ciphers
 * "whitepaper", see src/modules/tls). CBC suites such as AES128-SHA never by default.
 */
export const FORWARD_SECRET_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
].join(':');

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="Plugboard", charset="UTF-8"' };
const SHUTDOWN_CODE = 1001;
const SHUTDOWN_REASON = 'server shutting down';
// How long stop() waits for chargers to answer our close frame before cutting them off.
const SHUTDOWN_GRACE_MS = 2_000;
/** How long stop() waits for the CALLs already read to be answered (GatewayOptions.drainTimeoutMs). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const DRAIN_POLL_MS = 10;

interface BoundListener {
  options: ListenerOptions;
  server: Server;
}

type State = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * The WebSocket server chargers connect to. It knows connections, not tariffs: who may
 * connect and what to answer are callbacks. Exactly one live connection per identity.
 */
export class Gateway implements ConnectionHost {
  readonly options: GatewayOptions;

  private readonly wss: WebSocketServer;
  private readonly admission: Admission | null;
  private readonly handshakes: HandshakeGuard | null;
  private readonly listeners: BoundListener[] = [];
  private readonly registry = new Map<string, ChargerConnection>();
  /** Every socket not yet fully closed, including connections already finished or replaced. */
  private readonly sockets = new Set<ChargerSocket>();
  private upgradeSeq = 0;
  private state: State = 'idle';
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private drained: (() => void) | null = null;
  private stopped: Promise<void> | null = null;

  constructor(options: GatewayOptions) {
    this.options = options;
    this.admission = options.admission === undefined ? null : new Admission(options.admission);
    this.handshakes = options.handshakes === undefined ? null : new HandshakeGuard(options.handshakes, options.log);
    this.wss = new WebSocketServer({
      noServer: true,
      // We keep our own registry; ws's client set would add a closure per socket.
      clientTracking: false,
      maxPayload: options.maxFrameBytes,
      // permessage-deflate keeps zlib state per socket: measured at about 195 KB RSS per
      // charger after one Heartbeat each way, against about 10-14 KB without it (2,000
      // chargers). For messages of a few hundred bytes that is gigabytes per 10,000
      // chargers for little gain; declining the extension is allowed (RFC 7692 §5).
      perMessageDeflate: false,
      WebSocket: ChargerSocket,
      handleProtocols: pickSubprotocolFromSet,
    });
    this.handleUpgrade = this.handleUpgrade.bind(this);
    this.handleHttpRequest = this.handleHttpRequest.bind(this);
    this.logTlsFailure = this.logTlsFailure.bind(this);
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`Gateway cannot start: it is ${this.state}`);
    this.state = 'running';
    try {
      for (const options of this.options.listeners) {
        const server = createListenerServer(options, this.handleHttpRequest);
        if (this.handshakes !== null) server.on('connection', this.handshakes.connection);
        server.on('upgrade', this.handleUpgrade);
        if (options.tls !== undefined) server.on('tlsClientError', this.logTlsFailure);
        this.listeners.push({ options, server });
        await listen(server, options);
        this.options.log.info({ ...this.addressOf(server, options), path: this.options.pathPrefix }, 'charger gateway listening');
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    if (this.options.pingIntervalMs > 0) {
      // One timer for all chargers: a timer per socket would cost memory and wakeups.
      this.keepaliveTimer = setInterval(() => this.keepaliveTick(), this.options.pingIntervalMs);
      this.keepaliveTimer.unref();
    }
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutDown();
    return this.stopped;
  }

  /**
   * Graceful stop, in order: no new connections (the listeners stop accepting; an upgrade under
   * way is refused with 503); nothing more read from the chargers; every CALL already read is
   * handled and answered (its data committed first, as always), for up to drainTimeoutMs; then
   * each socket is closed with 1001 Going Away. A CALL a charger sent after we stopped reading
   * is never read, so never stored: the charger resends it to the next server, as OCPP-J has
   * it do for any CALL left unanswered.
   */
  private async shutDown(): Promise<void> {
    this.state = 'stopping';
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    const listenersClosed = this.listeners.map(({ server }) => stopAccepting(server));
    for (const conn of this.registry.values()) conn.pauseReading();
    await this.drainInbound();
    for (const conn of [...this.registry.values()]) conn.closeAfterDrain(SHUTDOWN_CODE, SHUTDOWN_REASON);
    if (this.sockets.size > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
      await Promise.race([drained, grace]);
      for (const socket of this.sockets) socket.terminate();
    }
    this.handshakes?.closeAll();
    for (const { server } of this.listeners) server.closeAllConnections();
    await Promise.all(listenersClosed);
    this.state = 'stopped';
  }

  /** Until every connection has answered the CALLs it read, or drainTimeoutMs passed. */
  private async drainInbound(): Promise<void> {
    const busy = () => [...this.registry.values()].filter((c) => c.pendingInbound > 0);
    if (busy().length === 0) return;
    const timeoutMs = this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    // Polled, during a stop only: the RPC layer has no idle callback, and 10 ms is nothing here.
    let waiting = busy();
    while (waiting.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      waiting = busy();
    }
    if (waiting.length > 0) {
      const calls = waiting.reduce((n, c) => n + c.pendingInbound, 0);
      this.options.log.warn({ chargers: waiting.length, calls, timeoutMs }, 'stopping with charger CALLs still unanswered: the drain timeout passed');
    }
  }

  get(identity: string): ChargerConnection | undefined {
    return this.registry.get(identity);
  }

  get size(): number {
    return this.registry.size;
  }

  /**
   * New certificate, key, CA or cipher settings for the TLS listeners, without a restart:
   * connections from now on use them, the ones already open keep theirs. Throws (and changes
   * nothing) when the material is unusable, e.g. a key that does not match its certificate.
   */
  setTls(tls: ListenerTlsOptions): void {
    const context = secureContextOptions(tls);
    createSecureContext(context); // throws before any listener is touched
    for (const listener of this.listeners) {
      if (listener.options.tls === undefined) continue;
      (listener.server as HttpsServer).setSecureContext(context);
      listener.options.tls = { ...tls, requestClientCert: listener.options.tls.requestClientCert };
    }
  }

  addresses(): Array<{ host: string; port: number; tls: boolean }> {
    return this.listeners.filter(({ server }) => server.listening).map(({ server, options }) => this.addressOf(server, options));
  }

  /** @internal ConnectionHost */
  connectionEnded(conn: ChargerConnection, code: number, reason: string, replaced: boolean): void {
    // Identity check, not a delete by key: a replaced connection closing late must never
    // remove its successor from the registry.
    if (this.registry.get(conn.identity) === conn) this.registry.delete(conn.identity);
    // Level checked first: conn.log makes the connection's child logger (see ChargerConnection.log).
    if (this.options.log.isLevelEnabled('info')) conn.log.info({ code, reason, replaced }, 'charger disconnected');
    try {
      this.options.onDisconnected?.(conn, { code, reason, replaced });
    } catch (err) {
      conn.log.error({ err }, 'onDisconnected callback threw');
    }
  }

  /** @internal ConnectionHost */
  socketGone(socket: ChargerSocket): void {
    this.sockets.delete(socket);
    if (this.sockets.size === 0 && this.drained !== null) {
      this.drained();
      this.drained = null;
    }
  }

  private keepaliveTick(): void {
    // Deleting the current entry while iterating a Map is well defined, so a terminated
    // connection can leave the registry from inside this loop.
    for (const conn of this.registry.values()) conn.keepaliveTick();
  }

  private logTlsFailure(err: Error & { code?: string }, socket: TLSSocket): void {
    // Old TLS versions, no shared cipher, scanners: our side of what the Security Whitepaper
    // (§8) has a charger report as InvalidTLSVersion / InvalidTLSCipherSuite. Common on the
    // open internet, so info rather than warn.
    this.options.log.info({ remoteAddress: socket.remoteAddress, code: err.code, reason: err.message }, 'TLS handshake with a charger failed');
  }

  private handleHttpRequest(req: IncomingMessage, res: ServerResponse): void {
    this.handshakes?.done(req.socket);
    let handled: boolean;
    try {
      handled = this.options.onHttpRequest?.(req, res) === true;
    } catch (err) {
      this.options.log.error({ err, url: req.url }, 'onHttpRequest callback threw');
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end('Internal server error\n');
      } else {
        res.destroy();
      }
      return;
    }
    if (!handled) answerPlainHttp(req, res);
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes over, a reset by the peer must not become an uncaught 'error'.
    socket.on('error', ignoreHandshakeError);
    this.handshakes?.headersIn(req.socket);
    this.negotiate(req, socket, head).catch((err: unknown) => {
      this.options.log.error({ err }, 'charger upgrade failed unexpectedly');
      refuseUpgrade(socket, 500, 'Internal server error');
    });
  }

  private async negotiate(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const remoteAddress = req.socket.remoteAddress ?? '';
    const secure = (req.socket as Partial<TLSSocket>).encrypted === true;
    const log = this.options.log;
    const refuse = (status: number, message: string, identity?: string, headers?: Record<string, string>, detail?: string): void => {
      log.info({ chargePointId: identity, remoteAddress, status, reason: detail ?? message }, 'charger connection refused');
      // Every refusal the peer caused counts against its address (not our 5xx, a supersede, or
      // throttling itself), except the Basic challenge to a request without credentials: RFC
      // 7617's first step, which chargers take at every connect and which guesses nothing.
      const challengeOnly = status === 401 && req.headers.authorization === undefined;
      if (status >= 400 && status < 409 && !challengeOnly) this.admission?.addressFailed(remoteAddress);
      if (identity !== undefined && (status === 401 || status === 403) && !challengeOnly) this.admission?.identityFailed(identity);
      refuseUpgrade(socket, status, message, headers);
    };

    if (this.state !== 'running') return refuse(503, 'Server is shutting down');
    const bad = checkUpgradeRequest(req.method, req.headers);
    if (bad !== null) return refuse(bad.status, bad.message);
    const target = identityFromPath(req.url, this.options.pathPrefix);
    if ('status' in target) return refuse(target.status, target.message);
    const identity = target.identity;

    // A charger offering subprotocols, none of which this server speaks, is refused with HTTP
    // 400 before anything else: OCPP-J 1.6 §3.2 would complete the handshake and close, but the
    // OCTT cases (1.6 TC_088; 2.0.1 TC_B_58 "does NOT upgrade") expect no upgrade, and no
    // WebSocket is spent on a peer we cannot talk to. A charger offering none at all is a 1.6
    // charger (ADR 0014: none offered = 1.6, never 2.0.1): accepted without echoing a protocol.
    // Which of the offered ones it gets depends on the station (its allowed versions), so the
    // pick is made after authenticate.
    const serverVersions = this.options.versions ?? OCPP_VERSIONS;
    const offered = parseSubprotocolHeader(req.headers['sec-websocket-protocol']);
    if (offered.length > 0 && pickSubprotocol(offered, serverVersions) === null) {
      return refuse(400, `Unsupported subprotocol ${offered.join(', ')}: this server speaks ${subprotocolList(serverVersions)}`, identity);
    }
    if (offered.length === 0 && !serverVersions.includes('1.6')) {
      return refuse(400, `Missing Sec-WebSocket-Protocol header (that is OCPP 1.6): this server speaks ${subprotocolList(serverVersions)}`, identity);
    }

    const credentials = parseBasicAuth(req.headers.authorization);
    if (credentials !== null && 'error' in credentials) return refuse(401, credentials.error, identity, BASIC_CHALLENGE);
    if (credentials !== null && !usernameMatches(credentials, identity)) {
      return refuse(401, 'Basic auth user name does not match the charge point identity in the URL', identity, BASIC_CHALLENGE);
    }

    const authRequest: AuthRequest = { identity, password: credentials?.password ?? null, secure, remoteAddress, headers: req.headers };
    const verdict = this.admission?.verdict(remoteAddress, identity);
    if (verdict !== undefined) {
      authRequest.suspect = verdict.suspect;
      authRequest.throttled = verdict.throttled;
    }
    presentedClientCertificate(req.socket as TLSSocket, log, identity, authRequest);

    // Taken before the await: when several upgrades for one identity overlap, the one
    // that started last wins, whichever finishes authenticating first.
    const seq = ++this.upgradeSeq;
    let result: AuthResult;
    try {
      result = await this.options.authenticate(authRequest);
    } catch (err) {
      log.error({ err, chargePointId: identity }, 'authenticate callback threw');
      return refuse(500, 'Internal server error', identity);
    }

    if (socket.destroyed || !socket.writable) return; // the charger gave up while we checked
    if (this.state !== 'running') return refuse(503, 'Server is shutting down', identity);
    if (!result.ok && result.status === 401 && verdict?.throttled === true) {
      // A callback that ignored `throttled`: the answer is still the throttled one.
      result = { ok: false, status: 429, reason: TOO_MANY_FAILURES, detail: result.detail ?? result.reason };
    }
    if (!result.ok) {
      const headers: Record<string, string> | undefined =
        result.status === 401 ? BASIC_CHALLENGE : result.status === 429 || result.status === 503 ? { 'Retry-After': String(result.retryAfterSeconds ?? verdict?.retryAfterSeconds ?? 1) } : undefined;
      return refuse(result.status, result.reason, identity, headers, result.detail);
    }
    // The station's allowed versions, within the server's; the newest offered one of them wins.
    const allowed = result.versions ? serverVersions.filter((v) => result.versions!.includes(v)) : serverVersions;
    let protocol: string | null = null;
    if (offered.length > 0) {
      protocol = pickSubprotocol(offered, allowed);
      if (protocol === null) return refuse(400, `Unsupported subprotocol ${offered.join(', ')}: this station may speak ${subprotocolList(allowed)}`, identity);
    } else if (!allowed.includes('1.6')) {
      return refuse(400, `Missing Sec-WebSocket-Protocol header (that is OCPP 1.6): this station may speak ${subprotocolList(allowed)}`, identity);
    }
    const current = this.registry.get(identity);
    if (current !== undefined && current.seq > seq) {
      return refuse(409, 'Superseded by a newer connection from the same charge point', identity);
    }

    // Synchronous from here to adopt(): no other upgrade can interleave.
    this.handshakes?.done(req.socket);
    const certificate = result.certificate ?? null;
    // ws asks handleProtocols again during the upgrade: it answers with this pick.
    if (protocol !== null) PICKED.set(req, protocol);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws as ChargerSocket, identity, protocol ?? '', remoteAddress, secure, seq, certificate));
  }

  /** Sockets on the listeners not yet a WebSocket nor an HTTP request (tests). */
  get pendingHandshakes(): number {
    return this.handshakes?.pending ?? 0;
  }

  private adopt(socket: ChargerSocket, identity: string, protocol: string, remoteAddress: string, secure: boolean, seq: number, certificate: AdmittedCertificate | null): void {
    socket.listen();
    this.sockets.add(socket);

    const conn = new ChargerConnection(this, socket, { identity, protocol, remoteAddress, secure, seq, certificate });
    const previous = this.registry.get(identity);
    if (previous !== undefined) {
      conn.log.info({ previousRemoteAddress: previous.remoteAddress, remoteAddress }, 'charger reconnected: replacing its previous connection');
      previous.replace();
    }
    this.registry.set(identity, conn);
    if (this.options.log.isLevelEnabled('info')) conn.log.info({ remoteAddress, protocol, secure }, 'charger connected');
    try {
      this.options.onConnected?.(conn);
    } catch (err) {
      conn.log.error({ err }, 'onConnected callback threw');
    }
  }

  private addressOf(server: Server, options: ListenerOptions): { host: string; port: number; tls: boolean } {
    const address = server.address() as AddressInfo;
    return { host: options.host, port: address.port, tls: options.tls !== undefined };
  }
}

/** The subprotocol negotiate() chose for an upgrade request, for ws's handleProtocols. */
const PICKED = new WeakMap<IncomingMessage, string>();

function pickSubprotocolFromSet(protocols: Set<string>, req: IncomingMessage): string | false {
  const picked = PICKED.get(req);
  return picked !== undefined && protocols.has(picked) ? picked : false;
}

function ignoreHandshakeError(): void {}

function answerPlainHttp(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'close' });
  res.end('This is an OCPP-J endpoint: connect with a WebSocket (subprotocol ocpp2.0.1 or ocpp1.6)\n');
}

function createListenerServer(options: ListenerOptions, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Server {
  if (options.tls === undefined) return createHttpServer(onRequest);
  const tls = options.tls;
  return createHttpsServer(
    {
      ...secureContextOptions(tls),
      requestCert: tls.requestClientCert === true,
      // The chain is checked, but a charger without a valid certificate still reaches the
      // authenticate callback (profile 2 on the same port), which then decides.
      rejectUnauthorized: false,
    },
    onRequest,
  );
}

/** What every TLS listener's secure context is made of (also what setTls replaces). */
function secureContextOptions(tls: ListenerTlsOptions): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    // Security Whitepaper §2.1 profile 2/3: TLS 1.2 or newer only.
    minVersion: 'TLSv1.2',
    ciphers: tls.ciphers ?? FORWARD_SECRET_CIPHERS,
    // Our order of preference, not the client's: forward-secret AEAD suites first.
    honorCipherOrder: true,
  };
}

/** Puts the client certificate, verified or not, on the AuthRequest; the business layer decides what it is worth. */
function presentedClientCertificate(socket: TLSSocket, log: GatewayOptions['log'], identity: string, authRequest: AuthRequest): void {
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return;
  const certificate = socket.getPeerCertificate();
  if (certificate === null || Object.keys(certificate).length === 0) return;
  if (!socket.authorized) {
    // Security Whitepaper A00.FR.407: an invalid client certificate does not authenticate.
    const reason = String(socket.authorizationError);
    log.warn({ chargePointId: identity, reason }, 'charger client certificate rejected');
    authRequest.clientCertificateError = { reason, certificate };
    return;
  }
  authRequest.clientCertificate = certificate;
}

/**
 * Accept queue length. Node's default (511) overflows when thousands of chargers reconnect at
 * once while the event loop is busy answering their BootNotifications: the kernel drops the
 * SYNs and each charger retries after 1 s, 3 s, 7 s. The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 8192;

function listen(server: Server, options: ListenerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting connections; resolves once the ones it has are gone too. */
function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
