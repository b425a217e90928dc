// The ceiling: a bare OCPP-J server with no database. Same `ws` settings, same frame parsing
// and the same OCA 1.6 schema validation as Plugboard (src/protocol), then a canned valid
// answer. Whatever Plugboard reaches on a load, as a fraction of what this reaches on the same
// load, is the share of the machine's capacity the rest of Plugboard leaves.
// Also a minimal POST /api/v1/stations/:id/ocpp/:action, for the command-latency ceiling,
// and the memory-server IPC 'measure' hook (run with --expose-gc).
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeCall, encodeCallError, encodeCallResult, parseFrame } from '../../src/protocol/frames.ts';
import { ocpp16Validator, ocpp201Validator, precompileOcpp16Schemas } from '../../src/protocol/validator.ts';
import type { ChildMessage, ParentMessage } from './memory-server.ts';

const ocppPort = Number(process.env.PLUGBOARD_OCPP_PORT);
const httpPort = Number(process.env.PLUGBOARD_HTTP_PORT);
precompileOcpp16Schemas('central');
precompileOcpp16Schemas('central', '2.0.1');

const now = () => new Date().toISOString();
const ANSWERS: Record<string, () => unknown> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  StatusNotification: () => ({}),
  MeterValues: () => ({}),
  StartTransaction: () => ({ transactionId: 1, idTagInfo: { status: 'Accepted' } }),
  StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
  Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
};
const ANSWERS_201: Record<string, () => unknown> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  TransactionEvent: () => ({}),
  Authorize: () => ({ idTokenInfo: { status: 'Accepted' } }),
};

interface Conn {
  ws: WebSocket;
  seq: number;
  pending: Map<string, (frame: unknown[]) => void>;
}
const stations = new Map<string, Conn>();

// Same accept backlog as Plugboard's gateway, so that a storm meets the same kernel queue.
const ocppHttp = createServer((_req, res) => res.writeHead(404).end());
ocppHttp.listen({ port: ocppPort, host: '127.0.0.1', backlog: 8192 });
const wss = new WebSocketServer({ server: ocppHttp, perMessageDeflate: false, handleProtocols: (p) => (p.has('ocpp2.0.1') ? 'ocpp2.0.1' : p.has('ocpp1.6') ? 'ocpp1.6' : false) });
wss.on('connection', (ws, req) => {
  const id = decodeURIComponent(req.url!.split('/').pop()!);
  const conn: Conn = { ws, seq: 0, pending: new Map() };
  const v201 = ws.protocol === 'ocpp2.0.1';
  const validator = v201 ? ocpp201Validator : ocpp16Validator;
  const answers = v201 ? ANSWERS_201 : ANSWERS;
  stations.set(id, conn);
  ws.on('close', () => stations.get(id) === conn && stations.delete(id));
  ws.on('message', (data) => {
    const parsed = parseFrame(String(data));
    if (!parsed.ok) return;
    const f = parsed.frame;
    if (f.type === 2) {
      const v = validator.validateRequest(f.action, f.payload);
      if (!v.ok) ws.send(encodeCallError(f.id, v.code, v.message));
      else ws.send(encodeCallResult(f.id, (answers[f.action] ?? (() => ({})))()));
    } else {
      const done = conn.pending.get(f.id);
      conn.pending.delete(f.id);
      done?.([f.type, f.type === 3 ? f.payload : null]);
    }
  });
});

const http = createServer((req, res) => {
  const m = /^\/api\/v1\/stations\/([^/]+)\/ocpp\/(\w+)/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m) return void res.writeHead(404).end();
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const conn = stations.get(decodeURIComponent(m[1]));
    if (!conn) return void res.writeHead(404).end();
    const payload = body ? JSON.parse(body) : {};
    const id = String(++conn.seq);
    conn.pending.set(id, ([, answer]) => {
      const v = ocpp16Validator.validateResponse(m[2], answer);
      res.writeHead(v.ok ? 200 : 502, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    conn.ws.send(encodeCall(id, m[2], payload));
  });
});
http.listen(httpPort, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'plugboard is listening (echo ceiling)' })));

const gc = (globalThis as { gc?: (opts?: object) => void }).gc;
process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'measure') {
    void (async () => {
      for (let i = 0; i < 3; i++) {
        gc?.(msg.release ? { type: 'major', execution: 'sync', flavor: 'last-resort' } : { type: 'major', execution: 'sync' });
        await new Promise((r) => setTimeout(r, 50));
      }
      const u = process.memoryUsage();
      process.send!({ type: 'sample', sample: { rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers, connections: stations.size, heapSpaces: {}, smaps: {} } } satisfies ChildMessage);
    })();
  } else if (msg.type === 'stop') {
    process.exit(0);
  }
});
// GET /health for startServerProcess's readiness poll goes to the 404 above: the listening line is enough.
