// A fleet of simulated charge points in one process: `plugboard simulate` runs one, and so can
// tests and benchmarks (createFleet). Stations are built from the options and the seed, started
// at the ramp-up rate, disturbed on request (reconnect bursts), and counted in one place.
import { readdirSync, readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { createConfigProfile, type ConfigProfile } from './config-store.ts';
import { formatPattern, hasIndexPlaceholder, type Range } from './patterns.ts';
import { chance, createRng, stationRng } from './random.ts';
import { Station, type StationEnv } from './station.ts';
import { FleetCounters, snapshot, type FleetStats } from './stats.ts';
import { NO_MISBEHAVIOUR, type Behaviour, type Misbehaviour, type SimEvent, type StationSpec } from './types.ts';

export interface FleetOptions {
  /** central system URL without the identity, e.g. ws://127.0.0.1:9000/ocpp or wss://... */
  url: string;
  /** 1 to 20,000 */
  count?: number;
  /** `{n}` is the station number, zero-padded to 5 digits (`{n:3}` for 3); default SIM-{n} */
  identity?: string;
  /** number of the first station; default 1 */
  startIndex?: number;
  /** HTTP Basic password: one for all, a pattern with {id} / {n}, or a function; none by default */
  password?: string | null | ((stationId: string, index: number) => string | null);
  tls?: {
    /** trusted CA certificates (PEM) for wss:// and HTTPS transfers */
    ca?: string | Buffer | Array<string | Buffer>;
    /** accept any server certificate (self-signed lab setups only) */
    insecure?: boolean;
  };
  /** stations started per second; 0 = as fast as connectConcurrency allows. Default 100 */
  rampPerSecond?: number;
  /** connection attempts (handshake to first BootNotification answer) in flight at once; default 500 */
  connectConcurrency?: number;
  seed?: number;
  /**
   * OCPP version(s) the stations speak: one for all, or several for a mixed fleet (taken in
   * turn, station 1 the first; or by share201 when given). Default 1.6
   */
  ocpp?: '1.6' | '2.0.1' | ReadonlyArray<'1.6' | '2.0.1'>;
  /** mixed fleet: the share (0..1) of 2.0.1 stations, drawn per station from the seed */
  share201?: number;
  connectors?: number;
  vendor?: string;
  /** default "Sim AC 22" / "Sim DC 150" */
  model?: string;
  firmwareVersion?: string;
  /** overrides the interval the central system gives in BootNotification */
  heartbeatIntervalSeconds?: number | null;
  behaviour?: Behaviour;
  /** the RFID tokens drivers present; default SIMTAG-0001 .. SIMTAG-0010 */
  idTags?: readonly string[];
  /** MeterValueSampleInterval, whole seconds (0 = no periodic samples); default 60 */
  sampleIntervalSeconds?: number;
  /** charging behaviour: how long a car charges (seconds); default 60-300 */
  sessionSeconds?: Range | number;
  /** charging behaviour: a connector's pause between cars (seconds); default 10-60 */
  pauseSeconds?: Range | number;
  /** share (0..1) of DC fast chargers; default 0 */
  dcShare?: number;
  acPowerKw?: number;
  dcPowerKw?: number;
  misbehaviour?: Partial<Misbehaviour>;
  /** every everySeconds, `size` connected stations (a fraction when below 1) drop and reconnect at once */
  reconnectBursts?: { everySeconds: number; size: number } | null;
  callTimeoutMs?: number;
  /** how long a reset takes */
  rebootDelayMs?: number;
  reconnectDelayMs?: { min: number; max: number };
  /** last say on each station (e.g. a mixed fleet) */
  customize?: (spec: StationSpec) => void;
  onEvent?: (event: SimEvent) => void;
  log?: Logger;
}

export interface Fleet {
  readonly stations: readonly Station[];
  readonly counters: FleetCounters;
  station(id: string): Station | undefined;
  /**
   * Starts the stations at the ramp-up rate. Resolves once every station's first attempt has an
   * outcome: its BootNotification answered, or its connection refused or failed (stations keep
   * retrying after that, with back-off).
   */
  start(): Promise<void>;
  /** Stops every station; with endTransactions (default true) running sessions are stopped first. */
  stop(opts?: { endTransactions?: boolean; timeoutMs?: number }): Promise<void>;
  stats(): FleetStats;
}

export const MAX_STATIONS = 20_000;

const asRange = (r: Range | number | undefined, fallback: Range): Range => (r === undefined ? fallback : typeof r === 'number' ? { min: r, max: r } : r);

/**
 * Every station holds one socket: the process's open-files limit (about 20,000 on our
 * machines) caps the fleet, less what the process already has open and a margin for firmware
 * downloads and the like. Linux only; elsewhere the check is skipped.
 */
export function checkOpenFilesLimit(count: number): void {
  let limit: number;
  let open: number;
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    limit = Number(line?.split(/\s{2,}/)[1]);
    open = readdirSync('/proc/self/fd').length;
  } catch {
    return;
  }
  if (!Number.isFinite(limit)) return;
  const available = limit - open - 64;
  if (count > available) {
    throw new Error(`${count} stations need ${count} open files, and this process may open about ${available} more (ulimit -n is ${limit}): raise the limit or split the fleet over several processes`);
  }
}

function checkOptions(o: FleetOptions, count: number, identity: string): void {
  if (!/^wss?:\/\//.test(o.url)) throw new Error(`url must start with ws:// or wss://, not ${o.url}`);
  if (!Number.isInteger(count) || count < 1 || count > MAX_STATIONS) throw new Error(`count must be 1 to ${MAX_STATIONS}`);
  if (count > 1 && !hasIndexPlaceholder(identity)) throw new Error(`identity "${identity}" needs {n} for more than one station`);
  // BootNotification's own limits (OCPP 1.6 §6.5): every boot would fail its schema otherwise.
  if ((o.vendor ?? '').length > 20) throw new Error('vendor is at most 20 characters');
  if ((o.model ?? '').length > 20) throw new Error('model is at most 20 characters');
  if ((o.firmwareVersion ?? '').length > 50) throw new Error('firmwareVersion is at most 50 characters');
  const connectors = o.connectors ?? 2;
  if (!Number.isInteger(connectors) || connectors < 1 || connectors > 100) throw new Error('connectors must be 1 to 100');
  if (o.idTags && (o.idTags.length === 0 || o.idTags.some((t) => t.length === 0 || t.length > 20))) throw new Error('idTags must be 1 to 20 characters each');
  const sample = o.sampleIntervalSeconds ?? 60;
  if (!Number.isInteger(sample) || sample < 0) throw new Error('sampleIntervalSeconds must be a whole number of seconds, 0 or more');
}

export function createFleet(opts: FleetOptions): Fleet {
  const count = opts.count ?? 1;
  const identity = opts.identity ?? 'SIM-{n}';
  checkOptions(opts, count, identity);
  checkOpenFilesLimit(count);
  const seed = opts.seed ?? 1;
  const startIndex = opts.startIndex ?? 1;
  const counters = new FleetCounters();
  const ca = opts.tls?.ca === undefined ? undefined : Array.isArray(opts.tls.ca) ? opts.tls.ca : [opts.tls.ca];
  const rejectUnauthorized = !opts.tls?.insecure;
  const settled = new Set<string>();
  let onSettled: (() => void) | null = null;
  let resolveStart: (() => void) | null = null;
  const env: StationEnv = {
    url: opts.url.replace(/\/+$/, ''),
    // permessage-deflate costs tens of KB per socket; OCPP frames are small.
    wsOptions: { perMessageDeflate: false, handshakeTimeout: 30_000, ...(ca ? { ca } : {}), rejectUnauthorized },
    tls: { ca, rejectUnauthorized },
    counters,
    log: opts.log ?? pino({ level: 'silent' }),
    seed,
    callTimeoutMs: opts.callTimeoutMs ?? 30_000,
    rebootDelayMs: opts.rebootDelayMs ?? 1000,
    reconnectDelayMs: opts.reconnectDelayMs ?? { min: 1000, max: 30_000 },
    emit(event) {
      if ((event.type === 'booted' || event.type === 'connectFailed') && !settled.has(event.stationId)) {
        settled.add(event.stationId);
        onSettled?.();
      }
      opts.onEvent?.(event);
    },
  };

  const profiles = new Map<string, ConfigProfile>();
  const sampleIntervalSeconds = opts.sampleIntervalSeconds ?? 60;
  const heartbeat = opts.heartbeatIntervalSeconds ?? null;
  const connectors = opts.connectors ?? 2;
  const acPowerW = (opts.acPowerKw ?? 22) * 1000;
  const dcPowerW = (opts.dcPowerKw ?? 150) * 1000;
  const idTags = opts.idTags ?? Array.from({ length: 10 }, (_, i) => `SIMTAG-${String(i + 1).padStart(4, '0')}`);
  const misbehaviour: Misbehaviour = { ...NO_MISBEHAVIOUR, ...opts.misbehaviour };

  const stations: Station[] = [];
  const byId = new Map<string, Station>();
  for (let i = 0; i < count; i++) {
    const index = startIndex + i;
    const id = formatPattern(identity, index);
    if (id.length === 0 || id.length > 48) throw new Error(`station identity "${id}" must be 1 to 48 characters`);
    if (byId.has(id)) throw new Error(`identity pattern gives ${id} twice`);
    const rng = stationRng(seed, index, 3);
    const dc = chance(rng, opts.dcShare ?? 0);
    const password = typeof opts.password === 'function' ? opts.password(id, index) : opts.password == null ? null : formatPattern(opts.password, index, id);
    const versions = opts.ocpp === undefined ? ['1.6' as const] : typeof opts.ocpp === 'string' ? [opts.ocpp] : opts.ocpp;
    const version = versions.length <= 1 ? (versions[0] ?? '1.6') : opts.share201 !== undefined ? (chance(stationRng(seed, index, 4), opts.share201) ? '2.0.1' : '1.6') : versions[i % versions.length];
    const spec: StationSpec = {
      index,
      version,
      id,
      password,
      connectors,
      vendor: opts.vendor ?? 'Plugboard',
      model: opts.model ?? (dc ? `Sim DC ${dcPowerW / 1000}` : `Sim AC ${acPowerW / 1000}`).slice(0, 20),
      serialNumber: `SN-${id}`.slice(0, 25),
      firmwareVersion: opts.firmwareVersion ?? '1.0.0',
      // Up to 7.4 kW is one phase (32 A at 230 V); above, three.
      electrics: dc ? { dc: true, phases: 1, voltageV: 400, maxPowerW: dcPowerW } : { dc: false, phases: acPowerW > 7400 ? 3 : 1, voltageV: 230, maxPowerW: acPowerW },
      behaviour: opts.behaviour ?? 'charging',
      idTags,
      heartbeatIntervalSeconds: heartbeat,
      sessionSeconds: asRange(opts.sessionSeconds, { min: 60, max: 300 }),
      pauseSeconds: asRange(opts.pauseSeconds, { min: 10, max: 60 }),
      config: null as unknown as ConfigProfile,
      misbehaviour,
    };
    opts.customize?.(spec);
    const key = `${spec.connectors}|${spec.electrics.dc}|${sampleIntervalSeconds}|${spec.heartbeatIntervalSeconds ?? 0}`;
    let profile = profiles.get(key);
    if (!profile) {
      profile = createConfigProfile({ connectors: spec.connectors, dc: spec.electrics.dc, sampleIntervalSeconds, heartbeatIntervalSeconds: spec.heartbeatIntervalSeconds ?? 300 });
      profiles.set(key, profile);
    }
    spec.config = profile;
    const station = new Station(spec, env);
    stations.push(station);
    byId.set(id, station);
  }

  let launched = 0;
  let startedAt = 0;
  let rampTimer: NodeJS.Timeout | null = null;
  let burstTimer: NodeJS.Timeout | null = null;
  const burstRng = createRng(seed ^ 0x5bd1e995);

  function startBursts(): void {
    const b = opts.reconnectBursts;
    if (!b || b.everySeconds <= 0 || b.size <= 0) return;
    burstTimer = setInterval(() => {
      const connected = stations.filter((s) => s.connected);
      const n = Math.min(connected.length, b.size < 1 ? Math.ceil(b.size * connected.length) : Math.floor(b.size));
      // A partial Fisher-Yates shuffle picks n distinct stations.
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(burstRng() * (connected.length - i));
        [connected[i], connected[j]] = [connected[j], connected[i]];
        connected[i].dropConnection();
      }
    }, b.everySeconds * 1000);
  }

  return {
    stations,
    counters,
    station: (id) => byId.get(id),

    start() {
      if (startedAt !== 0) return Promise.resolve();
      startedAt = performance.now();
      const rate = opts.rampPerSecond ?? 100;
      const concurrency = opts.connectConcurrency ?? 500;
      startBursts();
      return new Promise<void>((resolve) => {
        const launch = () => {
          const due = rate > 0 ? Math.floor(((performance.now() - startedAt) / 1000) * rate) + 1 : count;
          while (launched < Math.min(due, count) && launched - settled.size < concurrency) stations[launched++].start();
          if (launched < count && rampTimer === null) {
            rampTimer = setInterval(() => launch(), rate > 0 ? Math.max(5, Math.min(100, 1000 / rate)) : 10);
          }
          if (launched >= count && rampTimer !== null) {
            clearInterval(rampTimer);
            rampTimer = null;
          }
        };
        resolveStart = resolve;
        onSettled = () => {
          if (settled.size >= count) {
            onSettled = null;
            resolve();
          }
        };
        launch();
      });
    },

    async stop(o = {}) {
      if (rampTimer) clearInterval(rampTimer);
      if (burstTimer) clearInterval(burstTimer);
      rampTimer = burstTimer = null;
      onSettled = null;
      resolveStart?.();
      await Promise.all(stations.map((s) => s.stop({ endTransactions: o.endTransactions ?? true, timeoutMs: o.timeoutMs ?? 5000 })));
    },

    stats() {
      return snapshot(counters, count, launched, startedAt === 0 ? 0 : performance.now() - startedAt);
    },
  };
}
