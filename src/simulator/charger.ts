// A charge point simulator speaking OCPP 1.6-J or 2.0.1 (by the negotiated subprotocol), used by tests, benchmarks and `plugboard
// simulate`. Deliberately small and independent of the central system's RPC layer (only the
// frame codec and the schema validator are shared), so a bug there cannot hide itself in tests.
// The strict, fully independent client for acceptance tests is ocpp-rpc.
//
// Like the OCTT when it plays a charge point, it checks every frame the central system sends:
// OCPP-J framing, each CALL against the OCA request schema of its action, each CALLRESULT
// against the response schema of the CALL it answers, each CALLERROR's code against the 1.6
// list. A frame that fails is a violation: it is recorded in `violations` (test/helpers/app.ts
// fails the test that saw one), a CALL is answered with the CALLERROR a charger would send
// (and its handler is not run), and a CALL of ours whose answer is invalid rejects with
// FrameViolationError.
import WebSocket from 'ws';
import { isErrorCode16, isErrorCode201, wireErrorCode } from '../protocol/errors.ts';
import { encodeCall, encodeCallError, encodeCallResult, parseFrame } from '../protocol/frames.ts';
import { validatorForVersion } from '../protocol/validator.ts';
import { versionOfSubprotocol, type OcppVersion } from '../protocol/versions.ts';

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
  /** check every frame the central system sends against OCPP-J and the OCA 1.6 schemas (default true) */
  validate?: boolean;
}

/** A frame from the central system that OCPP-J 1.6 or the OCA schemas refuse. */
export interface FrameViolation {
  stationId: string;
  /** what the frame was: a CALL, the answer to one of our CALLs, or not a frame at all */
  kind: 'CALL' | 'CALLRESULT' | 'CALLERROR' | 'frame';
  action: string | null;
  message: string;
  frame: string;
}

/**
 * A CALLERROR that is valid OCPP-J but for its message id: the answer to a frame of ours whose id
 * was malformed (empty, over 36 characters), which the central system must echo as it got it.
 */
function echoesOurMessageId(text: string): boolean {
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch {
    return false;
  }
  if (!Array.isArray(arr) || arr[0] !== 4 || typeof arr[1] !== 'string') return false;
  const withValidId = [...arr];
  withValidId[1] = 'x';
  return parseFrame(JSON.stringify(withValidId)).ok;
}

export class FrameViolationError extends Error {
  readonly violation: FrameViolation;
  constructor(v: FrameViolation) {
    super(v.message);
    this.name = 'FrameViolationError';
    this.violation = v;
  }
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

// What a 2.0.1 station answers by default: accepted, or the empty/neutral answer its schema allows.
const DEFAULT_ANSWERS_201: Record<string, (p: any) => unknown> = {
  ChangeAvailability: () => ({ status: 'Accepted' }),
  ClearCache: () => ({ status: 'Accepted' }),
  DataTransfer: () => ({ status: 'UnknownVendorId' }),
  GetVariables: (p: { getVariableData: Array<{ component: unknown; variable: unknown }> }) => ({
    getVariableResult: p.getVariableData.map((d) => ({ attributeStatus: 'UnknownVariable', component: d.component, variable: d.variable })),
  }),
  SetVariables: (p: { setVariableData: Array<{ component: unknown; variable: unknown }> }) => ({
    setVariableResult: p.setVariableData.map((d) => ({ attributeStatus: 'Accepted', component: d.component, variable: d.variable })),
  }),
  GetBaseReport: () => ({ status: 'Accepted' }),
  GetReport: () => ({ status: 'Accepted' }),
  RequestStartTransaction: () => ({ status: 'Accepted' }),
  RequestStopTransaction: () => ({ status: 'Accepted' }),
  Reset: () => ({ status: 'Accepted' }),
  TriggerMessage: () => ({ status: 'Accepted' }),
  UnlockConnector: () => ({ status: 'Unlocked' }),
};

export class SimulatedCharger {
  readonly stationId: string;
  ws: WebSocket | null = null;
  /** every CALL the central system sent, in order */
  readonly received: Array<{ action: string; payload: any }> = [];
  /** every frame the central system sent that failed validation, in order (see the file comment) */
  readonly violations: FrameViolation[] = [];
  #opts: SimulatorOptions;
  #seq = 0;
  #pending = new Map<string, { action: string; resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  #frameListeners = new Set<(text: string) => void>();

  constructor(opts: SimulatorOptions) {
    this.#opts = opts;
    this.stationId = opts.stationId;
  }

  get protocol(): string {
    return this.ws?.protocol ?? '';
  }

  /** The version of the negotiated subprotocol (none: 1.6): frames are checked against its schemas and error codes. */
  get version(): OcppVersion {
    return versionOfSubprotocol(this.ws?.protocol);
  }

  connect(): Promise<void> {
    const { url, stationId, password, protocols = ['ocpp1.6'], wsOptions } = this.#opts;
    const headers: Record<string, string> = {};
    if (password !== undefined) {
      const cred = Buffer.concat([Buffer.from(`${stationId}:`), Buffer.from(password)]);
      headers.authorization = `Basic ${cred.toString('base64')}`;
    }
    // Headers from wsOptions (e.g. a proxy's) are added to the Authorization header, not instead of it.
    const ws = new WebSocket(`${url}/${encodeURIComponent(stationId)}`, protocols, { ...wsOptions, headers: { ...headers, ...wsOptions?.headers } });
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
      this.#pending.set(id, { action, resolve, reject, timer });
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

  #violation(kind: FrameViolation['kind'], action: string | null, message: string, frame: string): FrameViolation {
    const v: FrameViolation = { stationId: this.stationId, kind, action, message: `${this.stationId}: the central system sent ${message}: ${frame.slice(0, 500)}`, frame };
    this.violations.push(v);
    return v;
  }

  #onMessage(text: string, isBinary: boolean): void {
    const validate = this.#opts.validate !== false;
    if (isBinary) {
      if (validate) this.#violation('frame', null, 'a binary frame (OCPP-J uses text frames only)', `${text.length} bytes`);
      return;
    }
    for (const l of this.#frameListeners) l(text);
    const parsed = parseFrame(text);
    if (!parsed.ok) {
      if (validate && !echoesOurMessageId(text)) this.#violation('frame', null, `a frame that is not OCPP-J (${parsed.code}: ${parsed.description})`, text);
      return;
    }
    const f = parsed.frame;
    if (f.type === 2) {
      this.received.push({ action: f.action, payload: f.payload });
      if (validate) {
        // The central system's payloads are checked as strictly as it checks its own ('local':
        // timestamps with their UTC offset), as the OCTT does.
        const validator = validatorForVersion(this.version);
        const check = validator.isCentralAction(f.action)
          ? validator.validateRequest(f.action, f.payload, 'local')
          : ({ ok: false, code: 'NotImplemented', message: `${f.action} is not an action a ${this.version} central system sends` } as const);
        if (!check.ok) {
          this.#violation('CALL', f.action, `a ${f.action} CALL that fails the OCA schema (${check.message})`, text);
          this.ws?.send(encodeCallError(f.id, wireErrorCode(this.version, check.code), check.message));
          return;
        }
      }
      const handler = this.#opts.handlers?.[f.action] ?? (this.version === '2.0.1' ? DEFAULT_ANSWERS_201 : DEFAULT_ANSWERS)[f.action];
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
    if (validate && f.type === 4 && !(this.version === '2.0.1' ? isErrorCode201(f.code) : isErrorCode16(f.code))) {
      const v = this.#violation('CALLERROR', pending?.action ?? null, `a CALLERROR whose code ${f.code} is not an OCPP-J ${this.version} error code`, text);
      if (pending) {
        this.#settle(f.id, pending);
        pending.reject(new FrameViolationError(v));
      }
      return;
    }
    // An answer to a CALL sent with sendRaw (no pending entry) names no action to check it against.
    if (!pending) return;
    this.#settle(f.id, pending);
    if (f.type === 3) {
      const check = validate ? validatorForVersion(this.version).validateResponse(pending.action, f.payload, 'local') : { ok: true as const };
      if (!check.ok) pending.reject(new FrameViolationError(this.#violation('CALLRESULT', pending.action, `a ${pending.action} CALLRESULT that fails the OCA schema (${check.message})`, text)));
      else pending.resolve(f.payload);
    } else pending.reject(new CallErrorResponse(f.code, f.description, f.details));
  }

  #settle(id: string, pending: { timer: NodeJS.Timeout }): void {
    this.#pending.delete(id);
    clearTimeout(pending.timer);
  }

  #failPending(err: Error): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.#pending.delete(id);
    }
  }
}
