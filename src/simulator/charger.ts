// A charge point simulator speaking OCPP 1.6-J, used by tests, benchmarks and `plugboard
// simulate`. Deliberately small and independent of the central system's RPC layer (only the
// frame codec is shared), so a bug there cannot hide itself in tests. The strict, fully
// independent client for acceptance tests is ocpp-rpc.
import WebSocket from 'ws';
import { encodeCall, encodeCallError, encodeCallResult, parseFrame } from '../protocol/frames.ts';

export interface SimulatorOptions {
  /** base URL without the station id, e.g. ws://127.0.0.1:9000/ocpp */
  url: string;
  stationId: string;
  password?: string | Buffer;
  protocols?: string[];
  callTimeoutMs?: number;
  /** answers to commands from the central system; the defaults accept everything */
  handlers?: Record<string, (payload: any) => unknown>;
  /** extra options for the ws client (TLS ca, etc.) */
  wsOptions?: WebSocket.ClientOptions;
}

export class CallErrorResponse extends Error {
  code: string;
  description: string;
  details: unknown;
  constructor(code: string, description: string, details: unknown) {
    super(`${code}: ${description}`);
    this.code = code;
    this.description = description;
    this.details = details;
  }
}

const DEFAULT_ANSWERS: Record<string, (p: any) => unknown> = {
  ChangeAvailability: () => ({ status: 'Accepted' }),
  ChangeConfiguration: () => ({ status: 'Accepted' }),
  ClearCache: () => ({ status: 'Accepted' }),
  DataTransfer: () => ({ status: 'UnknownVendorId' }),
  GetConfiguration: () => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: [] }),
  RemoteStartTransaction: () => ({ status: 'Accepted' }),
  RemoteStopTransaction: () => ({ status: 'Accepted' }),
  Reset: () => ({ status: 'Accepted' }),
  UnlockConnector: () => ({ status: 'Unlocked' }),
};

export class SimulatedCharger {
  readonly stationId: string;
  ws: WebSocket | null = null;
  /** every CALL the central system sent, in order */
  readonly received: Array<{ action: string; payload: any }> = [];
  #opts: SimulatorOptions;
  #seq = 0;
  #pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  #frameListeners = new Set<(text: string) => void>();

  constructor(opts: SimulatorOptions) {
    this.#opts = opts;
    this.stationId = opts.stationId;
  }

  get protocol(): string {
    return this.ws?.protocol ?? '';
  }

  connect(): Promise<void> {
    const { url, stationId, password, protocols = ['ocpp1.6'], wsOptions } = this.#opts;
    const headers: Record<string, string> = {};
    if (password !== undefined) {
      const cred = Buffer.concat([Buffer.from(`${stationId}:`), Buffer.from(password)]);
      headers.authorization = `Basic ${cred.toString('base64')}`;
    }
    const ws = new WebSocket(`${url}/${encodeURIComponent(stationId)}`, protocols, { headers, ...wsOptions });
    this.ws = ws;
    ws.on('message', (data, isBinary) => this.#onMessage(data.toString(), isBinary));
    ws.on('close', () => this.#failPending(new Error('connection closed')));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode} ${body}`.trim()), { statusCode: res.statusCode })));
      });
      ws.once('error', reject);
    });
  }

  /** Sends a CALL and resolves with the CALLRESULT payload; rejects with CallErrorResponse on a CALLERROR. */
  call(action: string, payload: unknown = {}): Promise<any> {
    const id = `${this.stationId}-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${action} timed out`));
      }, this.#opts.callTimeoutMs ?? 10_000);
      this.#pending.set(id, { resolve, reject, timer });
      this.sendRaw(encodeCall(id, action, payload));
    });
  }

  sendRaw(text: string): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new Error('not connected');
    this.ws.send(text);
  }

  /** Resolves with the next frame text the central system sends (for raw-frame tests). */
  nextFrame(timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#frameListeners.delete(listener);
        reject(new Error('no frame received'));
      }, timeoutMs);
      const listener = (text: string) => {
        clearTimeout(timer);
        this.#frameListeners.delete(listener);
        resolve(text);
      };
      this.#frameListeners.add(listener);
    });
  }

  closed(): Promise<{ code: number; reason: string }> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: 1006, reason: '' });
    return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  async close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    const done = this.closed();
    ws.close(1000);
    await done;
  }

  // Convenience calls for a typical session.
  boot(extra: Record<string, unknown> = {}) {
    return this.call('BootNotification', { chargePointVendor: 'Plugboard', chargePointModel: 'Simulator', ...extra });
  }
  heartbeat() {
    return this.call('Heartbeat', {});
  }
  status(connectorId: number, status: string, errorCode = 'NoError', extra: Record<string, unknown> = {}) {
    return this.call('StatusNotification', { connectorId, status, errorCode, timestamp: new Date().toISOString(), ...extra });
  }
  authorize(idTag: string) {
    return this.call('Authorize', { idTag });
  }
  startTransaction(connectorId: number, idTag: string, meterStart: number, timestamp = new Date().toISOString(), extra: Record<string, unknown> = {}) {
    return this.call('StartTransaction', { connectorId, idTag, meterStart, timestamp, ...extra });
  }
  stopTransaction(transactionId: number, meterStop: number, extra: Record<string, unknown> = {}) {
    return this.call('StopTransaction', { transactionId, meterStop, timestamp: new Date().toISOString(), ...extra });
  }
  meterValues(connectorId: number, transactionId: number | undefined, energyWh: number) {
    return this.call('MeterValues', {
      connectorId,
      ...(transactionId !== undefined ? { transactionId } : {}),
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
  }

  #onMessage(text: string, isBinary: boolean): void {
    if (isBinary) return;
    for (const l of this.#frameListeners) l(text);
    const parsed = parseFrame(text);
    if (!parsed.ok) return;
    const f = parsed.frame;
    if (f.type === 2) {
      this.received.push({ action: f.action, payload: f.payload });
      const handler = this.#opts.handlers?.[f.action] ?? DEFAULT_ANSWERS[f.action];
      if (!handler) {
        this.ws?.send(encodeCallError(f.id, 'NotImplemented', `${f.action} is not implemented by the simulator`));
        return;
      }
      Promise.resolve()
        .then(() => handler(f.payload))
        .then(
          (res) => this.ws?.send(encodeCallResult(f.id, res)),
          (err) => this.ws?.send(encodeCallError(f.id, 'InternalError', String(err?.message ?? err))),
        );
      return;
    }
    const pending = this.#pending.get(f.id);
    if (!pending) return;
    this.#pending.delete(f.id);
    clearTimeout(pending.timer);
    if (f.type === 3) pending.resolve(f.payload);
    else pending.reject(new CallErrorResponse(f.code, f.description, f.details));
  }

  #failPending(err: Error): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.#pending.delete(id);
    }
  }
}
