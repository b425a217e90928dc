// One simulated OCPP 1.6-J charge point: its connection (reconnects with back-off, reboots),
// registration (BootNotification, Pending/Rejected retries, heartbeats), its connectors, and
// the state the central system's commands act on (configuration, profiles, local list).
// Frames go through the same RPC state machine as the central system's, in its charger role:
// one CALL outstanding at a time (OCPP-J 1.6 §4.1.1), every payload schema-checked both ways.
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { OcppError } from '../protocol/errors.ts';
import { RpcCallError, RpcClosedError, RpcEndpoint, RpcTimeoutError, type FrameInfo } from '../protocol/rpc.ts';
import { validatorForVersion } from '../protocol/validator.ts';
import { ChargingProfiles, type ProfileEnv } from './charging-profiles.ts';
import { handleCommand } from './commands.ts';
import { ConfigStore } from './config-store.ts';
import { Connector, type ConnectorHost, type TxMessage } from './connector.ts';
import { LocalAuth, type IdTagInfo } from './local-auth.ts';
import { INVALID_ID_PREFIX, invalidFrame, isAnswerToInvalid } from './misbehaviour.ts';
import { between, chance, stationRng, type Rng } from './random.ts';
import type { FleetCounters } from './stats.ts';
import { TxQueue } from './tx-queue.ts';
import type { ConnectorStatus, SimEvent, StationSpec } from './types.ts';
import { connectorStatus201, handleCommand201, idTagInfoOf, outgoing201, transactionEvent, Tx201State, type SimVersion } from './v201.ts';

/** What every station of a fleet shares. */
export interface StationEnv {
  /** base URL without the identity, e.g. ws://127.0.0.1:9000/ocpp */
  url: string;
  /** TLS and other ws client options (ca, rejectUnauthorized) */
  wsOptions: WebSocket.ClientOptions;
  /** the same trust for firmware downloads and diagnostics uploads */
  tls: { ca?: Array<string | Buffer>; rejectUnauthorized: boolean };
  counters: FleetCounters;
  log: Logger;
  seed: number;
  callTimeoutMs: number;
  rebootDelayMs: number;
  reconnectDelayMs: { min: number; max: number };
  emit(event: SimEvent): void;
}

export type RebootKind = 'Soft' | 'Hard' | 'PowerLoss' | 'Firmware';
const REBOOT_REASON = { Soft: 'SoftReset', Hard: 'HardReset', PowerLoss: 'PowerLoss', Firmware: 'Reboot' } as const;

export type FirmwareStatus = 'Idle' | 'Downloading' | 'Downloaded' | 'DownloadFailed' | 'Installing' | 'Installed' | 'InstallationFailed';
/** SignedFirmwareStatusNotification's statuses (Security Whitepaper): the above and the signed ones. */
export type SignedFirmwareStatus = FirmwareStatus | 'DownloadScheduled' | 'DownloadPaused' | 'InstallRebooting' | 'InstallScheduled' | 'InstallVerificationFailed' | 'InvalidSignature' | 'SignatureVerified';
export type DiagnosticsStatus = 'Idle' | 'Uploading' | 'Uploaded' | 'UploadFailed';

export class Station implements ConnectorHost {
  readonly spec: StationSpec;
  readonly env: StationEnv;
  readonly config: ConfigStore;
  readonly rng: Rng;
  readonly counters: FleetCounters;
  readonly connectors: Connector[];
  readonly profiles = new ChargingProfiles();
  readonly localAuth = new LocalAuth();
  registration: 'Unknown' | 'Accepted' | 'Pending' | 'Rejected' = 'Unknown';
  /** connector 0: the charge point as a whole (Available or Unavailable) */
  operative = true;
  password: string | null;
  firmwareVersion: string;
  firmwareStatus: SignedFirmwareStatus = 'Idle';
  /** the requestId of the SignedUpdateFirmware being worked on; null: an UpdateFirmware (or none) */
  signedRequestId: number | null = null;
  diagnosticsStatus: DiagnosticsStatus = 'Idle';
  /** no new sessions: a firmware update waits for the running ones to end */
  maintenance = false;
  bootCount = 0;
  connectCount = 0;
  /** the last commands from the central system, newest last (for tests and debugging) */
  readonly commands: Array<{ action: string; payload: unknown }> = [];
  /** the OCPP version spoken (the subprotocol offered) */
  readonly version: SimVersion;
  /** 2.0.1 BootNotification reason: PowerUp first, then why it rebooted */
  bootReason201: string = 'PowerUp';
  #tx201: Tx201State;

  #ws: WebSocket | null = null;
  #rpc: RpcEndpoint | null = null;
  #queue: TxQueue;
  #misRng: Rng;
  #jitterRng: Rng;
  #running = false;
  #stopping = false;
  #rebooting = false;
  #resetRequested = false;
  #needsBoot = true;
  #countedBooted = false;
  #reconnectFailures = 0;
  #lastConnectError = '';
  #openedAt = 0;
  #immediateReconnect = false;
  #offlineUntil = 0;
  #cutAfter: { action: string; ms: number } | null = null;
  #timers = new Map<'reconnect' | 'boot' | 'heartbeat' | 'aligned' | 'ping' | 'reboot', NodeJS.Timeout>();
  #sentId: string | null = null;
  #sentAt = 0;
  #invalidSeq = 0;
  /** Installed is reported after the boot that follows an installation (OCPP 1.6 §6.33) */
  #installedPending = false;

  constructor(spec: StationSpec, env: StationEnv) {
    this.spec = spec;
    this.env = env;
    this.counters = env.counters;
    this.rng = stationRng(env.seed, spec.index, 0);
    this.#misRng = stationRng(env.seed, spec.index, 1);
    this.#jitterRng = stationRng(env.seed, spec.index, 2);
    this.password = spec.password;
    this.version = spec.version ?? '1.6';
    this.#tx201 = new Tx201State(spec.index);
    this.firmwareVersion = spec.firmwareVersion;
    this.config = new ConfigStore(spec.config);
    const secure = env.url.startsWith('wss:');
    this.config.set('SecurityProfile', spec.password === null ? '0' : secure ? '2' : '1');
    if (spec.heartbeatIntervalSeconds !== null) this.config.set('HeartbeatInterval', String(spec.heartbeatIntervalSeconds));
    this.config.onChange = (key, value) => this.#configChanged(key, value);
    this.connectors = Array.from({ length: spec.connectors }, (_, i) => new Connector(i + 1, this));
    this.#queue = new TxQueue({
      ready: () => this.isReady(),
      call: (action, payload) => this.call(action, payload),
      attempts: () => this.config.int('TransactionMessageAttempts'),
      retryIntervalMs: () => this.config.int('TransactionMessageRetryInterval') * 1000,
      answered: (m, res) => this.#txAnswered(m, res),
      dropped: (m) => this.#txDropped(m),
      queuedOffline: () => this.counters.txMessagesQueuedOffline++,
    });
  }

  get id(): string {
    return this.spec.id;
  }

  /** started and not stopped */
  get running(): boolean {
    return this.#running && !this.#stopping;
  }

  get connected(): boolean {
    return this.#rpc !== null;
  }

  /** connected and Accepted: the station may send anything */
  isReady(): boolean {
    return this.#rpc !== null && this.registration === 'Accepted' && !this.#rebooting;
  }

  get queuedTxMessages(): number {
    return this.#queue.length;
  }

  connector(id: number): Connector | undefined {
    return this.connectors[id - 1];
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
  }

  /**
   * Stops the station. With endTransactions, running sessions end with StopTransaction
   * (reason Local) and the queue is given up to timeoutMs to deliver, so the central system
   * is not left with open transactions; then the connection closes normally.
   */
  async stop(opts: { endTransactions?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (!this.#running || this.#stopping) return;
    this.#stopping = true;
    const timeoutMs = opts.timeoutMs ?? 5000;
    if (opts.endTransactions && this.isReady()) {
      for (const c of this.connectors) c.endTransaction('Local', { unplug: 'never' });
      await this.#queue.drain(timeoutMs);
    }
    this.#running = false;
    this.#clearTimers();
    this.#queue.stop();
    for (const c of this.connectors) c.powerOff();
    const ws = this.#ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
      const timer = setTimeout(() => ws.terminate(), Math.min(timeoutMs, 2000));
      await closed;
      clearTimeout(timer);
    }
  }

  // ---- connection -----------------------------------------------------------------------

  #connect(): void {
    if (!this.#running || this.#ws || this.#rebooting) return;
    const headers: Record<string, string> = {};
    if (this.password !== null) headers.authorization = `Basic ${Buffer.from(`${this.id}:${this.password}`).toString('base64')}`;
    const ws = new WebSocket(`${this.env.url}/${encodeURIComponent(this.id)}`, [this.version === '2.0.1' ? 'ocpp2.0.1' : 'ocpp1.6'], { ...this.env.wsOptions, headers });
    this.#ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.#opened(ws);
    });
    ws.on('error', (err) => {
      // After open, a close follows and says enough; while stopping, failures are our own doing.
      if (opened || !this.running) return;
      // ws reports a refused upgrade as "Unexpected server response: 401".
      const status = /server response: (\d+)/.exec(err.message)?.[1];
      this.#lastConnectError = status ? `connect refused: HTTP ${status}` : `connect failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`;
      this.counters.error(this.#lastConnectError);
    });
    ws.on('close', () => this.#closed(ws, opened));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.#received(data.toString());
    });
  }

  #opened(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    this.counters.connected++;
    this.counters.connects++;
    this.connectCount++;
    this.#openedAt = Date.now();
    this.#rpc = new RpcEndpoint({
      send: (text) => this.#send(ws, text),
      onCall: (action, payload) => this.#command(action, payload),
      validator: validatorForVersion(this.version),
      callTimeoutMs: this.env.callTimeoutMs,
      log: this.env.log,
      role: 'charger',
      onFrame: (direction, _text, info) => this.#frame(direction, info),
      onBadMessage: (reason) => this.counters.error(`bad frame from the central system: ${reason.slice(0, 60)}`),
    });
    this.env.emit({ type: 'connected', stationId: this.id });
    // A charger that only lost its connection carries on; one that (re)started boots first.
    if (this.#needsBoot || this.registration !== 'Accepted') void this.#boot();
    else this.#resume();
  }

  #closed(ws: WebSocket, opened: boolean): void {
    if (ws !== this.#ws) return;
    this.#ws = null;
    this.#rpc?.close('connection closed');
    this.#rpc = null;
    this.#stopTimer('heartbeat');
    this.#stopTimer('aligned');
    this.#stopTimer('ping');
    this.#stopTimer('boot');
    if (opened) {
      this.counters.connected--;
      this.counters.disconnects++;
      if (this.#countedBooted) this.counters.booted--;
      this.#countedBooted = false;
      this.env.emit({ type: 'disconnected', stationId: this.id });
    } else {
      this.counters.connectFailures++;
      this.#reconnectFailures++;
      this.env.emit({ type: 'connectFailed', stationId: this.id, reason: this.#lastConnectError });
    }
    if (!this.#running || this.#stopping || this.#rebooting) return;
    // A connection that lived a while was fine: come back soon. One refused, or closed right
    // after opening (a central system turning us away), backs off exponentially.
    if (opened && Date.now() - this.#openedAt >= 10_000) this.#reconnectFailures = 0;
    else if (opened) this.#reconnectFailures++;
    const { min, max } = this.env.reconnectDelayMs;
    const backoff = Math.min(max, min * 2 ** Math.max(0, this.#reconnectFailures - 1)) * between(this.#jitterRng, 0.5, 1);
    const soon = this.#immediateReconnect || this.#reconnectFailures === 0;
    this.#immediateReconnect = false;
    const delay = Math.max(this.#offlineUntil - Date.now(), soon ? between(this.#jitterRng, 0, min) : backoff);
    this.#later('reconnect', delay, () => this.#connect());
  }

  #send(ws: WebSocket, text: string): void {
    const cut = this.#cutAfter;
    if (cut && text.startsWith('[2,') && text.includes(`"${cut.action}"`)) {
      // The frame leaves, the answer never arrives: the connection dies right behind it.
      this.#cutAfter = null;
      ws.send(text, () => this.#goOffline(ws, cut.ms));
      return;
    }
    ws.send(text);
  }

  #received(text: string): void {
    if (isAnswerToInvalid(text)) {
      this.counters.framesIn++;
      this.counters.invalidAnswered++;
      return;
    }
    this.#rpc?.handleText(text);
  }

  #frame(direction: 'in' | 'out', info: FrameInfo): void {
    if (direction === 'out') {
      this.counters.framesOut++;
      if (info.type === 2) {
        this.#sentId = info.messageId;
        this.#sentAt = performance.now();
      }
      return;
    }
    this.counters.framesIn++;
    if (info.type !== 2 && info.messageId !== null && info.messageId === this.#sentId) {
      this.counters.callLatency(performance.now() - this.#sentAt);
      this.#sentId = null;
    }
  }

  /** Misbehaviour: lose the connection now (or right after the next CALL of `afterNext` leaves) and stay away for ms. */
  goOffline(ms: number, opts: { afterNext?: string } = {}): void {
    if (opts.afterNext) {
      this.#cutAfter = { action: opts.afterNext, ms };
      return;
    }
    if (this.#ws) this.#goOffline(this.#ws, ms);
  }

  #goOffline(ws: WebSocket, ms: number): void {
    this.#offlineUntil = Date.now() + ms;
    this.#immediateReconnect = true;
    ws.terminate();
  }

  /** Misbehaviour: drop the connection and reconnect at once (reconnect bursts). */
  dropConnection(): void {
    if (!this.#ws) return;
    this.#immediateReconnect = true;
    this.#ws.terminate();
  }

  // ---- registration and the regular traffic ---------------------------------------------

  async #boot(): Promise<void> {
    const rpc = this.#rpc;
    const s = this.spec;
    let res: { status: 'Accepted' | 'Pending' | 'Rejected'; interval: number };
    try {
      res = await this.call('BootNotification', {
        chargePointVendor: s.vendor,
        chargePointModel: s.model,
        chargePointSerialNumber: s.serialNumber,
        firmwareVersion: this.firmwareVersion,
        meterType: s.electrics.dc ? 'DC meter' : 'AC meter',
      });
    } catch (err) {
      this.env.emit({ type: 'connectFailed', stationId: this.id, reason: `BootNotification: ${(err as Error).message}` });
      if (rpc === this.#rpc && rpc !== null) this.#later('boot', 10_000 * between(this.#jitterRng, 0.5, 1), () => void this.#boot());
      return;
    }
    if (rpc !== this.#rpc) return;
    this.bootCount++;
    this.counters.boots++;
    this.registration = res.status;
    this.env.emit({ type: 'booted', stationId: this.id, status: res.status });
    if (res.status !== 'Accepted') {
      // OCPP 1.6 §4.2: Pending/Rejected: the interval is the wait before the next BootNotification.
      this.#later('boot', (res.interval > 0 ? res.interval : 30) * 1000, () => void this.#boot());
      return;
    }
    this.#needsBoot = false;
    if (!this.#countedBooted) this.counters.booted++;
    this.#countedBooted = true;
    if (this.spec.heartbeatIntervalSeconds === null && res.interval > 0) this.config.set('HeartbeatInterval', String(res.interval));
    this.#resume();
  }

  /** TriggerMessage(BootNotification): boots again on the open connection (errata 3.40 advises against it; a charger still obliges). */
  triggerBoot(): void {
    if (this.#rpc) void this.#boot();
  }

  /** After Accepted or a reconnect: every connector's status (connector 0 first), then the queue, timers and cycles. */
  #resume(): void {
    if (!this.isReady() || !this.running) return;
    if (!this.#countedBooted) {
      this.counters.booted++;
      this.#countedBooted = true;
    }
    if (this.version === '1.6') this.sendStatus(0, this.operative ? 'Available' : 'Unavailable');
    for (const c of this.connectors) this.sendStatus(c.id, c.status);
    if (this.#installedPending) {
      this.#installedPending = false;
      void this.setFirmwareStatus('Installed');
    }
    this.#queue.pump();
    this.#scheduleHeartbeat(true);
    this.#scheduleAligned();
    this.#schedulePing();
    for (const c of this.connectors) c.scheduleCycle();
  }

  #scheduleHeartbeat(first = false): void {
    this.#stopTimer('heartbeat');
    const seconds = this.config.int('HeartbeatInterval');
    if (seconds <= 0 || !this.isReady()) return;
    // Spread the first one, so a fleet that booted together does not beat in step.
    const ms = seconds * 1000 * (first ? between(this.#jitterRng, 0.5, 1) : 1);
    this.#later('heartbeat', ms, () => {
      if (this.isReady()) this.send('Heartbeat', {});
      this.#scheduleHeartbeat();
    });
  }

  /** ClockAlignedDataInterval (OCPP 1.6 §3.16.2): readings on the wall clock's marks, Sample.Clock. */
  #scheduleAligned(): void {
    this.#stopTimer('aligned');
    const seconds = this.config.int('ClockAlignedDataInterval');
    if (seconds <= 0 || !this.isReady()) return;
    const period = seconds * 1000;
    const next = Math.ceil((Date.now() + 1) / period) * period;
    this.#later('aligned', next - Date.now(), () => {
      const measurands = this.config.list('MeterValuesAlignedData');
      if (measurands.length > 0) {
        for (const c of this.connectors) {
          const meterValue = [c.meterValue(measurands, 'Sample.Clock', next)];
          if (c.tx) this.enqueueTx({ action: 'MeterValues', tx: c.tx, payload: { connectorId: c.id, meterValue } });
          else if (this.isReady()) this.send('MeterValues', { connectorId: c.id, meterValue });
        }
      }
      this.#scheduleAligned();
    });
  }

  #schedulePing(): void {
    this.#stopTimer('ping');
    const seconds = this.config.int('WebSocketPingInterval');
    if (seconds <= 0 || !this.#ws) return;
    this.#later('ping', seconds * 1000, () => {
      if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.ping();
      this.#schedulePing();
    });
  }

  #configChanged(key: string, value: string): void {
    switch (key) {
      case 'HeartbeatInterval':
        this.#scheduleHeartbeat();
        break;
      case 'ClockAlignedDataInterval':
        this.#scheduleAligned();
        break;
      case 'WebSocketPingInterval':
        this.#schedulePing();
        break;
      case 'MeterValueSampleInterval':
        for (const c of this.connectors) c.restartSampling();
        break;
      case 'AuthorizationKey':
        // Security Whitepaper §2.1: the new key is the password of the next connection.
        this.password = value;
        break;
    }
  }

  // ---- CALLs ----------------------------------------------------------------------------

  /**
   * Sends a CALL and resolves with the answer. CALLERRORs and timeouts count as errors; a
   * closed connection does not (it is counted as a disconnect). Misbehaviour (duplicates,
   * invalid frames) rides along here.
   */
  async call(action: string, payload: unknown): Promise<any> {
    const rpc = this.#rpc;
    if (!rpc) throw new RpcClosedError(action, 'not connected');
    if (this.version === '2.0.1') {
      const out = outgoing201(this, action, payload);
      const res = await this.#call(rpc, out.action, out.payload);
      return out.answer ? out.answer(res) : res;
    }
    return this.#call(rpc, action, payload);
  }

  async #call(rpc: RpcEndpoint, action: string, payload: unknown): Promise<any> {
    const mis = this.spec.misbehaviour;
    if (mis.invalidProbability > 0 && chance(this.#misRng, mis.invalidProbability)) this.#sendInvalid();
    this.counters.callsSent++;
    const answer = rpc.call(action, payload);
    if (mis.duplicateProbability > 0 && action !== 'BootNotification' && chance(this.#misRng, mis.duplicateProbability)) {
      this.counters.duplicatesSent++;
      this.counters.callsSent++;
      rpc.call(action, payload).then(
        () => this.counters.callsAnswered++,
        (err) => this.#callFailed(action, err),
      );
    }
    try {
      const res = await answer;
      this.counters.callsAnswered++;
      return res;
    } catch (err) {
      this.#callFailed(action, err);
      throw err;
    }
  }

  #callFailed(action: string, err: unknown): void {
    if (err instanceof RpcCallError) this.counters.error(`CALLERROR to ${action}: ${err.code}`);
    else if (err instanceof RpcTimeoutError) this.counters.error(`no answer to ${action} in time`);
    else if (err instanceof OcppError) this.counters.error(`${action}: ${err.message.slice(0, 80)}`);
  }

  /** Fire and forget: the outcome only shows in the counters. */
  send(action: string, payload: unknown): void {
    this.call(action, payload).catch(() => {});
  }

  #sendInvalid(): void {
    const ws = this.#ws;
    if (ws?.readyState !== WebSocket.OPEN) return;
    ws.send(invalidFrame(this.#misRng, `${INVALID_ID_PREFIX}${++this.#invalidSeq}`));
    this.counters.invalidSent++;
    this.counters.framesOut++;
  }

  async #command(action: string, payload: unknown): Promise<unknown> {
    this.counters.commandsReceived++;
    this.commands.push({ action, payload });
    if (this.commands.length > 20) this.commands.shift();
    this.env.emit({ type: 'command', stationId: this.id, action, payload });
    return this.version === '2.0.1' ? handleCommand201(this, action, payload) : handleCommand(this, action, payload);
  }

  // ---- what connectors and commands use -------------------------------------------------

  canStartSessions(): boolean {
    return this.#running && !this.#stopping && !this.#resetRequested && !this.maintenance && this.operative;
  }

  sendStatus(connectorId: number, status: ConnectorStatus): void {
    if (!this.isReady()) return;
    if (this.version === '2.0.1') {
      // 2.0.1 has no station-wide status: EVSE n is connector n, with connector 1 in it.
      if (connectorId > 0) this.send('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: connectorStatus201(status), evseId: connectorId, connectorId: 1 });
      return;
    }
    this.send('StatusNotification', { connectorId, status, errorCode: 'NoError', timestamp: new Date().toISOString() });
  }

  async authorize(idTag: string): Promise<IdTagInfo | null> {
    const listEnabled = this.config.bool('LocalAuthListEnabled');
    const cacheEnabled = this.config.bool('AuthorizationCacheEnabled');
    const local = this.localAuth.lookup(idTag, { listEnabled, cacheEnabled }, Date.now());
    // OCPP 1.6 §3.5: LocalPreAuthorize starts at once on a token the list or cache accepts.
    if (local?.status === 'Accepted' && this.config.bool('LocalPreAuthorize')) return local;
    if (this.isReady()) {
      try {
        const res = await this.call('Authorize', { idTag }).catch((err) => {
          // A 2.0.1 CSMS without Authorize yet: the TransactionEvent's idTokenInfo decides.
          if (this.version === '2.0.1' && err instanceof RpcCallError && (err.code === 'NotSupported' || err.code === 'NotImplemented')) return { idTagInfo: { status: 'Accepted' } };
          throw err;
        });
        if (cacheEnabled) this.localAuth.remember(idTag, res.idTagInfo);
        return res.idTagInfo;
      } catch {
        // no answer: decide as if offline
      }
    }
    if (local && this.config.bool('LocalAuthorizeOffline')) return local;
    if (!local && this.config.bool('AllowOfflineTxForUnknownId')) return { status: 'Accepted' };
    return null;
  }

  enqueueTx(message: TxMessage): void {
    if (this.version === '2.0.1') message = { ...message, wire: transactionEvent(this, this.#tx201, message) };
    this.#queue.push(message);
    const mis = this.spec.misbehaviour;
    if (message.action === 'StartTransaction' && mis.offlineProbability > 0 && chance(this.#misRng, mis.offlineProbability)) {
      // Somewhere in the first half of the session, the network goes away for a while.
      const at = between(this.#misRng, 0.1, 0.5) * this.spec.sessionSeconds.min * 1000;
      const ms = between(this.#misRng, mis.offlineSeconds.min, mis.offlineSeconds.max) * 1000;
      setTimeout(() => {
        if (message.tx === this.connector(message.tx.connectorId)?.tx) this.goOffline(ms);
      }, at).unref();
    }
  }

  #txAnswered(m: TxMessage, res: any): void {
    if (m.action !== 'StartTransaction') return;
    if (this.version === '2.0.1' && res.idTokenInfo === undefined) {
      m.tx.transactionId = this.#tx201.seqNo;
      return;
    }
    m.tx.transactionId = this.version === '2.0.1' ? this.#tx201.seqNo : res.transactionId;
    const info: IdTagInfo = this.version === '2.0.1' ? idTagInfoOf(res.idTokenInfo) : res.idTagInfo;
    if (this.config.bool('AuthorizationCacheEnabled')) this.localAuth.remember(m.tx.idTag, info);
    if (info.status !== 'Accepted') this.connector(m.tx.connectorId)?.deauthorize(m.tx);
  }

  #txDropped(m: TxMessage): void {
    this.counters.txMessagesDropped++;
    this.counters.error(`${m.action} given up after TransactionMessageAttempts`);
    if (m.action === 'StartTransaction') m.tx.startLost = true;
  }

  profileEnv(): ProfileEnv {
    return {
      connectors: this.spec.connectors,
      electrics: this.spec.electrics,
      maxStackLevel: this.config.int('ChargeProfileMaxStackLevel'),
      maxPeriods: this.config.int('ChargingScheduleMaxPeriods'),
      maxInstalled: this.config.int('MaxChargingProfilesInstalled'),
      txOf: (id) => {
        const tx = this.connector(id)?.tx;
        return tx ? { transactionId: tx.transactionId, startedAt: tx.startedAt } : null;
      },
    };
  }

  powerLimitW(connectorId: number, now: number): number {
    const env = this.profileEnv();
    const own = this.profiles.connectorLimitW(connectorId, now, env) ?? Infinity;
    const stationLimit = this.profiles.stationLimitW(now, env);
    // ChargePointMaxProfile caps the sum: shared evenly among the connectors charging.
    const share = stationLimit === null ? Infinity : stationLimit / Math.max(1, this.connectors.filter((c) => c.tx).length);
    return Math.min(this.spec.electrics.maxPowerW, own, share);
  }

  /** After a profile or a transaction changed: every running session re-reads its limit. */
  recomputePower(): void {
    const now = Date.now();
    for (const c of this.connectors) if (c.tx) c.updatePower(now);
  }

  transactionEnded(connectorId: number): void {
    this.profiles.endTransaction(connectorId);
    this.recomputePower();
  }

  /**
   * Reports a firmware status, as SignedFirmwareStatusNotification with its requestId while a
   * signed update runs; resolves once the central system answered (or at once when offline).
   */
  async setFirmwareStatus(status: SignedFirmwareStatus): Promise<void> {
    this.firmwareStatus = status;
    this.env.emit({ type: 'firmwareStatus', stationId: this.id, status });
    if (!this.isReady()) return;
    if (this.version === '2.0.1') {
      const s201 = status === 'Idle' ? null : status === 'InstallRebooting' || status === 'Installed' || status === 'Downloading' || status === 'Downloaded' || status === 'DownloadFailed' || status === 'Installing' || status === 'InstallationFailed' ? status : null;
      if (s201) await this.call('FirmwareStatusNotification', { status: s201, ...(this.signedRequestId !== null ? { requestId: this.signedRequestId } : {}) }).catch(() => {});
      return;
    }
    if (this.signedRequestId !== null) await this.call('SignedFirmwareStatusNotification', { status, requestId: this.signedRequestId }).catch(() => {});
    else await this.call('FirmwareStatusNotification', { status }).catch(() => {});
  }

  setDiagnosticsStatus(status: DiagnosticsStatus): void {
    this.diagnosticsStatus = status;
    this.env.emit({ type: 'diagnosticsStatus', stationId: this.id, status });
    if (this.isReady()) this.send('DiagnosticsStatusNotification', { status });
  }

  emit(event: SimEvent): void {
    this.env.emit(event);
  }

  // ---- reboots --------------------------------------------------------------------------

  /** a reset is under way (from the request until the station connects again) */
  get rebooting(): boolean {
    return this.#resetRequested;
  }

  /**
   * Reset, power loss or a firmware installation: running transactions stop (SoftReset,
   * HardReset, PowerLoss, Reboot; OCPP 1.6 §5.14), the connection drops, and after
   * rebootDelayMs the station connects, boots and reports its connectors as a fresh start
   * does. A soft reset delivers the StopTransactions before going down; the others deliver
   * them after the boot, from the queue.
   */
  async reboot(kind: RebootKind, opts: { installed?: boolean } = {}): Promise<void> {
    if (this.#resetRequested || !this.#running || this.#stopping) return;
    this.#resetRequested = true;
    // A soft reset or a firmware installation shuts down in order; a hard reset or a power loss does not.
    const orderly = kind === 'Soft' || kind === 'Firmware';
    if (orderly) {
      for (const c of this.connectors) c.endTransaction(REBOOT_REASON[kind], { unplug: 'never' });
      await this.#queue.drain(3000);
      this.#rebooting = true;
    } else {
      // The power is gone at once: the StopTransactions wait in the queue for the next boot.
      this.#rebooting = true;
      for (const c of this.connectors) c.endTransaction(REBOOT_REASON[kind], { unplug: 'never' });
    }
    this.env.emit({ type: 'rebooting', stationId: this.id });
    this.bootReason201 = kind === 'Firmware' ? 'FirmwareUpdate' : kind === 'PowerLoss' ? 'PowerUp' : 'RemoteReset';
    this.#clearTimers();
    for (const c of this.connectors) c.powerOff();
    this.#installedPending = opts.installed ?? false;
    const ws = this.#ws;
    if (ws) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      if (orderly && ws.readyState === WebSocket.OPEN) ws.close(1001, 'rebooting');
      else ws.terminate();
      const timer = setTimeout(() => ws.terminate(), 2000);
      await closed;
      clearTimeout(timer);
    }
    if (!this.#running) return;
    this.registration = 'Unknown';
    this.#needsBoot = true;
    this.maintenance = false;
    await new Promise<void>((resolve) => this.#later('reboot', this.env.rebootDelayMs, resolve));
    this.#rebooting = false;
    this.#resetRequested = false;
    for (const c of this.connectors) c.powerOn();
    this.#connect();
  }

  // ---- timers ---------------------------------------------------------------------------

  #later(name: 'reconnect' | 'boot' | 'heartbeat' | 'aligned' | 'ping' | 'reboot', ms: number, fn: () => void): void {
    this.#stopTimer(name);
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        fn();
      }, Math.min(Math.max(0, ms), 2_147_483_647)),
    );
  }

  #stopTimer(name: 'reconnect' | 'boot' | 'heartbeat' | 'aligned' | 'ping' | 'reboot'): void {
    const t = this.#timers.get(name);
    if (t) clearTimeout(t);
    this.#timers.delete(name);
  }

  #clearTimers(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
