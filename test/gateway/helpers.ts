import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import { WebSocket, type ClientOptions } from 'ws';
import { MIN_WAIT_MS } from '../helpers/wait.ts';
import { Gateway, type AuthRequest, type ChargerConnection, type DisconnectInfo, type GatewayOptions } from '../../src/gateway/index.ts';

export interface Harness {
  gateway: Gateway;
  /** ws://127.0.0.1:{port}/ocpp/ (append the encoded identity) */
  base: string;
  authRequests: AuthRequest[];
  connected: ChargerConnection[];
  disconnected: Array<{ conn: ChargerConnection; info: DisconnectInfo }>;
  /** Every log line the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
}

export function captureLogger(lines: Array<Record<string, unknown>>): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
}

/** A gateway on 127.0.0.1 port 0 that accepts everyone unless told otherwise; stopped by the test's `after`. */
export async function startGateway(overrides: Partial<GatewayOptions> = {}): Promise<Harness> {
  const logs: Array<Record<string, unknown>> = [];
  const authRequests: AuthRequest[] = [];
  const connected: ChargerConnection[] = [];
  const disconnected: Harness['disconnected'] = [];
  const options: GatewayOptions = {
    listeners: [{ host: '127.0.0.1', port: 0 }],
    pathPrefix: '/ocpp',
    maxFrameBytes: 64 * 1024,
    pingIntervalMs: 0,
    callTimeoutMs: 5_000,
    maxBadMessagesPerMinute: 10,
    log: captureLogger(logs),
    authenticate: async () => ({ ok: true }),
    onCall: async () => ({ currentTime: new Date().toISOString() }),
    ...overrides,
  };
  const authenticate = options.authenticate;
  options.authenticate = (req) => {
    authRequests.push(req);
    return authenticate(req);
  };
  const onConnected = options.onConnected;
  options.onConnected = (conn) => {
    connected.push(conn);
    onConnected?.(conn);
  };
  const onDisconnected = options.onDisconnected;
  options.onDisconnected = (conn, info) => {
    disconnected.push({ conn, info });
    onDisconnected?.(conn, info);
  };
  const gateway = new Gateway(options);
  await gateway.start();
  const { port, tls } = gateway.addresses()[0];
  const base = `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ocpp/`;
  return { gateway, base, authRequests, connected, disconnected, logs };
}

/** Opens a client and waits for it to be open; rejects with the HTTP status if refused. */
export async function openClient(url: string, protocols: string | string[] = 'ocpp1.6', options: ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`unexpected HTTP ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
  });
  return ws;
}

export interface Refused {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/** Expects the upgrade to be refused with an HTTP response and returns it. */
export function expectRefused(url: string, protocols: string | string[] | undefined, options: ClientOptions = {}): Promise<Refused> {
  const ws = new WebSocket(url, protocols, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade unexpectedly succeeded'));
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        ws.terminate();
      });
    });
  });
}

export async function nextMessage(ws: WebSocket): Promise<unknown> {
  const [data] = (await once(ws, 'message')) as [Buffer];
  return JSON.parse(data.toString('utf8'));
}

export async function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed; listen before it closes');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString('utf8') };
}

export function basicAuth(user: string, password: Buffer | string): string {
  const pass = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  return 'Basic ' + Buffer.concat([Buffer.from(user + ':', 'utf8'), pass]).toString('base64');
}

/** Polls condition until it holds; fails after timeoutMs, at least MIN_WAIT_MS (see test/helpers/app.ts). */
export async function waitFor(condition: () => boolean, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + Math.max(timeoutMs, MIN_WAIT_MS);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
