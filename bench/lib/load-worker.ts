// The load generator: a child process (forked by bench/lib/load.ts) holding a slice of the
// simulated stations. Raw `ws` clients with canned frames rather than the full simulator, so
// that the load generator costs as little as possible of the CPU it shares with the server.
// Each process stays under the ~20,000 open files a process gets here, so 19,000 stations
// take two of them. Driven over IPC: connect (+ boot storm), steady (MeterValues/Heartbeat at
// a rate), stop. Answers the central system's CALLs like a charger would (command latency).
import { WebSocket } from 'ws';

export type WorkerCommand =
  | { type: 'connect'; url: string; ids: string[]; connectors: number; concurrency: number; boot: boolean; version?: '1.6' | '2.0.1' }
  | { type: 'steady'; ratePerSecond: number; heartbeatEvery: number; seconds: number; warmupSeconds: number }
  | { type: 'stop' };

export interface ConnectReport {
  type: 'connected';
  stations: number;
  failed: number;
  /** ms from the storm's start until each station had all its answers, one per station */
  doneAtMs: number[];
  /** TCP connect + WebSocket upgrade, ms */
  connectMs: number[];
  /** BootNotification and StatusNotification round trips, ms */
  bootRttMs: number[];
  statusRttMs: number[];
  firstError?: string;
}

export interface SteadyReport {
  type: 'steady';
  /** per answered MeterValues/Heartbeat: ms from when it was due (queueing at the charger included) */
  meterRttMs: number[];
  heartbeatRttMs: number[];
  sent: number;
  /** answers that arrived within the measured window, whenever they were due (the throughput) */
  meterAnswered: number;
  heartbeatAnswered: number;
  errors: number;
  /** seconds actually measured (after warm-up) */
  seconds: number;
  /** messages still waiting at the chargers when the time was up (the server fell behind) */
  backlog: number;
}

type Pending = { resolve: (payload: unknown) => void; reject: (err: Error) => void };

/** What a charger answers to each central-system command (valid OCPP 1.6 responses). */
const ANSWERS: Record<string, unknown> = {
  GetConfiguration: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: [] },
  ChangeConfiguration: { status: 'Accepted' },
  ChangeAvailability: { status: 'Accepted' },
  ClearCache: { status: 'Accepted' },
  TriggerMessage: { status: 'Accepted' },
  RemoteStartTransaction: { status: 'Accepted' },
  RemoteStopTransaction: { status: 'Accepted' },
  Reset: { status: 'Accepted' },
  UnlockConnector: { status: 'Unlocked' },
  DataTransfer: { status: 'UnknownVendorId' },
  GetLocalListVersion: { listVersion: 0 },
};

/** The same for OCPP 2.0.1 commands. */
const ANSWERS_201: Record<string, unknown> = {
  GetVariables: { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
  SetVariables: { setVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
  ChangeAvailability: { status: 'Accepted' },
  ClearCache: { status: 'Accepted' },
  TriggerMessage: { status: 'Accepted' },
  RequestStartTransaction: { status: 'Accepted' },
  RequestStopTransaction: { status: 'Accepted' },
  Reset: { status: 'Accepted' },
  UnlockConnector: { status: 'Unlocked' },
  DataTransfer: { status: 'UnknownVendorId' },
  GetLocalListVersion: { versionNumber: 0 },
};

class Station {
  readonly id: string;
  ws!: WebSocket;
  #seq = 0;
  readonly #pending = new Map<string, Pending>();
  /** the next queued send is started when the one in flight is answered (OCPP-J 1.6 §4.1.1) */
  busy = false;
  queue: Array<() => void> = [];
  transactionId = 0;
  energyWh = 0;
  readonly version: '1.6' | '2.0.1';
  /** 2.0.1: TransactionEvent seqNo */
  seqNo = 0;

  constructor(id: string, version: '1.6' | '2.0.1' = '1.6') {
    this.id = id;
    this.version = version;
  }

  open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}/${this.id}`, [this.version === '2.0.1' ? 'ocpp2.0.1' : 'ocpp1.6'], { perMessageDeflate: false });
      this.ws = ws;
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.on('close', () => {
        for (const p of this.#pending.values()) p.reject(new Error('closed'));
        this.#pending.clear();
      });
      ws.on('message', (data) => this.#onMessage(String(data)));
    });
  }

  #onMessage(text: string): void {
    const frame = JSON.parse(text) as [number, string, ...unknown[]];
    if (frame[0] === 2) {
      const answer = (this.version === '2.0.1' ? ANSWERS_201[frame[2] as string] : ANSWERS[frame[2] as string]) ?? {};
      this.ws.send(JSON.stringify([3, frame[1], answer]));
      return;
    }
    const p = this.#pending.get(frame[1]);
    if (!p) return;
    this.#pending.delete(frame[1]);
    if (frame[0] === 3) p.resolve(frame[2]);
    else p.reject(new Error(`${frame[2]}: ${frame[3]}`));
  }

  call(action: string, payload: unknown): Promise<unknown> {
    const id = String(++this.#seq);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.ws.send(`[2,"${id}","${action}",${JSON.stringify(payload)}]`);
    });
  }

  /** queues behind the CALL in flight, as a charger must */
  enqueue(send: () => Promise<unknown>): void {
    const run = () => {
      this.busy = true;
      send().finally(() => {
        this.busy = false;
        const next = this.queue.shift();
        if (next) next();
      });
    };
    if (this.busy) this.queue.push(run);
    else run();
  }
}

let stations: Station[] = [];

function meterValues(st: Station): unknown {
  st.energyWh += 37;
  const ts = new Date().toISOString();
  return {
    connectorId: 1,
    transactionId: st.transactionId,
    meterValue: [{
      timestamp: ts,
      sampledValue: [
        { value: String(st.energyWh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
        { value: '11040', context: 'Sample.Periodic', measurand: 'Power.Active.Import', unit: 'W' },
        { value: '16.0', context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
        { value: '16.0', context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
        { value: '16.0', context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
      ],
    }],
  };
}

/** OCPP 2.0.1: the same readings as a TransactionEvent Updated. */
function transactionEventUpdated(st: Station): unknown {
  st.energyWh += 37;
  const ts = new Date().toISOString();
  const sv = (value: number, measurand: string, unit: string, phase?: string) => ({ value, context: 'Sample.Periodic', measurand, ...(phase ? { phase } : {}), unitOfMeasure: { unit } });
  return {
    eventType: 'Updated',
    timestamp: ts,
    triggerReason: 'MeterValuePeriodic',
    seqNo: st.seqNo++,
    transactionInfo: { transactionId: `BENCH-${st.id}`, chargingState: 'Charging' },
    evse: { id: 1, connectorId: 1 },
    meterValue: [{
      timestamp: ts,
      sampledValue: [
        sv(st.energyWh, 'Energy.Active.Import.Register', 'Wh'),
        sv(11040, 'Power.Active.Import', 'W'),
        sv(16, 'Current.Import', 'A', 'L1'),
        sv(16, 'Current.Import', 'A', 'L2'),
        sv(16, 'Current.Import', 'A', 'L3'),
      ],
    }],
  };
}

async function connect(cmd: Extract<WorkerCommand, { type: 'connect' }>): Promise<ConnectReport> {
  const report: ConnectReport = { type: 'connected', stations: 0, failed: 0, doneAtMs: [], connectMs: [], bootRttMs: [], statusRttMs: [] };
  const t0 = performance.now();
  let next = 0;
  const one = async (id: string) => {
    const st = new Station(id, cmd.version);
    try {
      let t = performance.now();
      await st.open(cmd.url);
      report.connectMs.push(performance.now() - t);
      if (cmd.boot) {
        t = performance.now();
        const boot = (await (st.version === '2.0.1'
          ? st.call('BootNotification', { chargingStation: { vendorName: 'Plugboard', model: 'Bench', firmwareVersion: '1.0.0' }, reason: 'PowerUp' })
          : st.call('BootNotification', { chargePointVendor: 'Plugboard', chargePointModel: 'Bench', firmwareVersion: '1.0.0' }))) as { status: string };
        report.bootRttMs.push(performance.now() - t);
        if (boot.status !== 'Accepted') throw new Error(`BootNotification ${boot.status}`);
        // One per connector, 0 (the whole station) included, as a booting charger does; 2.0.1: one per EVSE.
        for (let c = st.version === '2.0.1' ? 1 : 0; c <= cmd.connectors; c++) {
          t = performance.now();
          if (st.version === '2.0.1') await st.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: c, connectorId: 1 });
          else await st.call('StatusNotification', { connectorId: c, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
          report.statusRttMs.push(performance.now() - t);
        }
      }
      report.doneAtMs.push(performance.now() - t0);
      stations.push(st);
      report.stations++;
    } catch (err) {
      report.failed++;
      report.firstError ??= `${id}: ${(err as Error).message}`;
      st.ws?.terminate();
    }
  };
  const worker = async () => {
    while (next < cmd.ids.length) await one(cmd.ids[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.ids.length) }, worker));
  return report;
}

async function steady(cmd: Extract<WorkerCommand, { type: 'steady' }>): Promise<SteadyReport> {
  const report: SteadyReport = { type: 'steady', meterRttMs: [], heartbeatRttMs: [], sent: 0, meterAnswered: 0, heartbeatAnswered: 0, errors: 0, seconds: cmd.seconds, backlog: 0 };
  // Every station gets a running transaction first (not measured).
  await Promise.all(stations.map(async (st) => {
    if (st.transactionId) return;
    if (st.version === '2.0.1') {
      const ts = new Date().toISOString();
      await st.call('TransactionEvent', { eventType: 'Started', timestamp: ts, triggerReason: 'Authorized', seqNo: st.seqNo++, transactionInfo: { transactionId: `BENCH-${st.id}`, chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'BENCHTAG', type: 'ISO14443' }, meterValue: [{ timestamp: ts, sampledValue: [{ value: 0, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }] });
      st.transactionId = 1;
      return;
    }
    const r = (await st.call('StartTransaction', { connectorId: 1, idTag: 'BENCHTAG', meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number };
    st.transactionId = r.transactionId;
  }));
  const start = performance.now();
  const countFrom = start + cmd.warmupSeconds * 1000;
  const end = countFrom + cmd.seconds * 1000;
  let due = 0;
  let rr = 0;
  let n = 0;
  await new Promise<void>((resolve) => {
    // One ticker for the whole slice rather than a timer per station: sends are spread evenly
    // over time, round-robin over the stations (open loop: a slow answer does not slow the
    // schedule; a station whose previous CALL is unanswered queues, and the wait counts).
    const tick = setInterval(() => {
      const now = performance.now();
      if (now >= end) {
        clearInterval(tick);
        resolve();
        return;
      }
      const target = Math.floor(((now - start) / 1000) * cmd.ratePerSecond);
      for (; due < target; due++) {
        const st = stations[rr++ % stations.length];
        const scheduled = now;
        const heartbeat = cmd.heartbeatEvery > 0 && ++n % cmd.heartbeatEvery === 0;
        report.sent++;
        st.enqueue(() => (heartbeat ? st.call('Heartbeat', {}) : st.version === '2.0.1' ? st.call('TransactionEvent', transactionEventUpdated(st)) : st.call('MeterValues', meterValues(st))).then(
          () => {
            const at = performance.now();
            if (at >= countFrom && at < end) {
              if (heartbeat) report.heartbeatAnswered++;
              else report.meterAnswered++;
            }
            if (scheduled < countFrom || at >= end) return;
            const ms = at - scheduled;
            (heartbeat ? report.heartbeatRttMs : report.meterRttMs).push(ms);
          },
          () => void report.errors++,
        ));
      }
    }, 5);
  });
  report.backlog = stations.reduce((sum, st) => sum + st.queue.length, 0);
  // Answers still in flight at the deadline are not waited for: they belong to the backlog.
  return report;
}

process.on('message', (cmd: WorkerCommand) => {
  const reply = (p: Promise<unknown>) => p.then((r) => process.send!(r), (err: Error) => process.send!({ type: 'error', message: err.stack ?? err.message }));
  if (cmd.type === 'connect') reply(connect(cmd));
  else if (cmd.type === 'steady') reply(steady(cmd));
  else if (cmd.type === 'stop') {
    for (const st of stations) st.ws.terminate();
    stations = [];
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
