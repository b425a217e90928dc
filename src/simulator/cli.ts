// `plugboard simulate`: a fleet of simulated charge points against any OCPP 1.6-J central
// system, with a live summary. `--id` without `--count` keeps the original walk-through: one
// charger through one charging session, each answer printed.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createFleet, MAX_STATIONS, type FleetOptions } from './fleet.ts';
import { parseRange } from './patterns.ts';
import { formatSummary, Progress } from './progress.ts';

export const SIMULATE_USAGE = `Usage: plugboard simulate [options]

Simulates OCPP 1.6-J and 2.0.1 charge points against a central system, shows a live summary, and prints
a final one. Stops after --duration, or on Ctrl-C (running sessions are stopped first).

Connection
  --url URL                central system URL without the station id (default ws://127.0.0.1:<ocpp port><ocpp path>
                           from the Plugboard config); wss:// for TLS
  --count N                stations, 1 to ${MAX_STATIONS} (default 1)
  --identity PATTERN       station ids; {n} is the number, 5 digits ({n:3} for 3) (default SIM-{n})
  --start-index N          number of the first station (default 1)
  --password P             HTTP Basic password: one for all, or a pattern with {id} or {n}
  --ca-file FILE           trust this CA certificate (PEM) for wss:// and firmware/diagnostics HTTPS
  --insecure               accept any server certificate (self-signed lab setups only)
  --ramp N                 stations started per second (default 100; 0 = as fast as possible)

Stations
  --ocpp V[,V]             OCPP version: 1.6 or 2.0.1; both (1.6,2.0.1) for a mixed fleet, taken in turn (default 1.6)
  --share-201 F            mixed fleet: share of 2.0.1 stations, 0 to 1, drawn per station from the seed
  --connectors N           connectors per station (default 2; on 2.0.1 each is an EVSE with one connector)
  --vendor V, --model M    BootNotification vendor (default Plugboard) and model (default Sim AC 22 / Sim DC 150)
  --firmware V             firmware version (default 1.0.0)
  --heartbeat S            heartbeat interval in seconds (default: the BootNotification interval)
  --behaviour B            idle, or charging: plug in, authorize, charge, stop, unplug, repeat (default charging)
  --id-tags A,B,...        RFID tokens drivers present (default SIMTAG-0001..SIMTAG-0010)
  --id-tags-file FILE      the same, one per line
  --sample-interval S      MeterValueSampleInterval in whole seconds (default 10)
  --session S[-S]          seconds a car charges (default 20-60)
  --pause S[-S]            seconds a connector stays free between cars (default 5-20)
  --dc-share F             share of DC fast chargers, 0 to 1; they report SoC (default 0.2)
  --ac-power-kw N, --dc-power-kw N   connector power (default 22 and 150)
  --seed N                 same seed, same fleet and the same choices (default 1)

Misbehaviour (robustness tests)
  --offline-rate P         per transaction: the connection drops mid-transaction and queued
                           messages are replayed when back (default 0)
  --offline-seconds S[-S]  how long such an outage lasts (default 10-30)
  --duplicate-rate P       per CALL: sent again with the same payload under a new id (default 0)
  --invalid-rate P         per CALL: an invalid frame is sent beside it (default 0)
  --burst-every S          every S seconds, --burst-size stations drop and reconnect at once
  --burst-size N           stations per burst, or a fraction of the connected ones when below 1 (default 0.1)
  --reboot-seconds S       how long a Reset takes (default 1)

Output and end
  --duration S             stop after S seconds (default: run until Ctrl-C)
  --report-every S         seconds between lines when the output is not a terminal (default 5)
  --json                   print the final summary as one JSON line too
  --fail-on-error          exit with status 1 when any error was counted
  --config FILE            Plugboard config file (only for the default --url)

One charger, one session, every answer printed (as before):
  plugboard simulate --id CP001 [--password P] [--id-tag TAG] [--url URL]`;

class SimulateUsageError extends Error {}

function num(v: string | undefined, name: string, fallback: number, check: (n: number) => boolean = (n) => n >= 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new SimulateUsageError(`--${name}: "${v}" is not a valid value`);
  return n;
}

const int = (n: number) => Number.isInteger(n) && n >= 0;
const share = (n: number) => n >= 0 && n <= 1;

function range(v: string | undefined, name: string, fallback: string) {
  try {
    return parseRange(v ?? fallback, `--${name}`);
  } catch (err) {
    throw new SimulateUsageError((err as Error).message);
  }
}

async function defaultUrl(configFile: string | undefined): Promise<string> {
  const { loadConfig } = await import('../config.ts');
  const config = loadConfig({ file: configFile ?? null });
  return `ws://127.0.0.1:${config.ocpp.port}${config.ocpp.path}`;
}

export interface CliIo {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
}

/** Runs the command; resolves with the exit status. */
export async function simulateCommand(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const print = (text: string) => io.out.write(`${text}\n`);
  const complain = (text: string) => io.err.write(`${text}\n`);
  let values;
  try {
    values = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        count: { type: 'string' },
        identity: { type: 'string' },
        'start-index': { type: 'string' },
        password: { type: 'string' },
        'ca-file': { type: 'string' },
        insecure: { type: 'boolean' },
        ramp: { type: 'string' },
        connectors: { type: 'string' },
        ocpp: { type: 'string' },
        'share-201': { type: 'string' },
        vendor: { type: 'string' },
        model: { type: 'string' },
        firmware: { type: 'string' },
        heartbeat: { type: 'string' },
        behaviour: { type: 'string' },
        'id-tags': { type: 'string' },
        'id-tags-file': { type: 'string' },
        'sample-interval': { type: 'string' },
        session: { type: 'string' },
        pause: { type: 'string' },
        'dc-share': { type: 'string' },
        'ac-power-kw': { type: 'string' },
        'dc-power-kw': { type: 'string' },
        seed: { type: 'string' },
        'offline-rate': { type: 'string' },
        'offline-seconds': { type: 'string' },
        'duplicate-rate': { type: 'string' },
        'invalid-rate': { type: 'string' },
        'burst-every': { type: 'string' },
        'burst-size': { type: 'string' },
        'reboot-seconds': { type: 'string' },
        duration: { type: 'string' },
        'report-every': { type: 'string' },
        json: { type: 'boolean' },
        'fail-on-error': { type: 'boolean' },
        config: { type: 'string' },
        id: { type: 'string' },
        'id-tag': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    complain(`plugboard simulate: ${(err as Error).message}\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  if (values.help) {
    print(SIMULATE_USAGE);
    return 0;
  }
  const url = values.url ?? (await defaultUrl(values.config));
  try {
    if (values.id !== undefined && values.count === undefined) {
      // One charger through one session: the same TLS options as a fleet (--ca-file, --insecure).
      const { ca, insecure } = tlsOptions(values);
      const { runSimulation } = await import('./run.ts');
      return await runSimulation({
        url,
        stationId: values.id,
        password: values.password,
        idTag: values['id-tag'] ?? 'SIMTAG',
        wsOptions: { ...(ca ? { ca } : {}), rejectUnauthorized: !insecure },
      });
    }
    return await runFleet(url, values, io);
  } catch (err) {
    if (err instanceof SimulateUsageError) {
      complain(`plugboard simulate: ${err.message}\n\nSee plugboard simulate --help`);
      return 2;
    }
    throw err;
  }
}

type Values = Record<string, string | boolean | undefined>;

/** --ca-file and --insecure, for one charger and for a fleet alike. */
function tlsOptions(v: Values): { ca: Buffer | undefined; insecure: boolean } {
  const file = v['ca-file'] as string | undefined;
  try {
    return { ca: file ? readFileSync(file) : undefined, insecure: v.insecure === true };
  } catch (err) {
    throw new SimulateUsageError(`--ca-file: ${(err as Error).message}`);
  }
}

function ocppVersions(v: string | undefined): Array<'1.6' | '2.0.1'> {
  if (v === undefined) return ['1.6'];
  const list = v.split(',').map((x) => x.trim());
  if (list.length === 0 || list.some((x) => x !== '1.6' && x !== '2.0.1')) throw new SimulateUsageError(`--ocpp: "${v}" is not 1.6, 2.0.1 or a list of them`);
  return list as Array<'1.6' | '2.0.1'>;
}

async function runFleet(url: string, v: Values, io: CliIo): Promise<number> {
  const s = (name: string) => v[name] as string | undefined;
  const print = (text: string) => io.out.write(`${text}\n`);
  const behaviour = s('behaviour') ?? 'charging';
  if (behaviour !== 'idle' && behaviour !== 'charging') throw new SimulateUsageError('--behaviour must be idle or charging');
  let idTags: string[] | undefined;
  try {
    if (s('id-tags-file')) idTags = readFileSync(s('id-tags-file')!, 'utf8').split(/\r?\n/);
    else if (s('id-tags')) idTags = s('id-tags')!.split(',');
    else if (s('id-tag')) idTags = [s('id-tag')!];
  } catch (err) {
    throw new SimulateUsageError(`--id-tags-file: ${(err as Error).message}`);
  }
  idTags = idTags?.map((t) => t.trim()).filter((t) => t !== '');
  const durationS = num(s('duration'), 'duration', 0);
  const burstEvery = num(s('burst-every'), 'burst-every', 0);
  const opts: FleetOptions = {
    url,
    count: num(s('count'), 'count', 1, (n) => int(n) && n >= 1 && n <= MAX_STATIONS),
    identity: s('identity') ?? (s('id') !== undefined ? s('id') : undefined),
    startIndex: num(s('start-index'), 'start-index', 1, int),
    password: s('password') ?? null,
    tls: tlsOptions(v),
    rampPerSecond: num(s('ramp'), 'ramp', 100),
    ocpp: ocppVersions(s('ocpp')),
    share201: s('share-201') === undefined ? undefined : num(s('share-201'), 'share-201', 0, share),
    connectors: num(s('connectors'), 'connectors', 2, (n) => int(n) && n >= 1 && n <= 100),
    vendor: s('vendor'),
    model: s('model'),
    firmwareVersion: s('firmware'),
    heartbeatIntervalSeconds: s('heartbeat') === undefined ? null : num(s('heartbeat'), 'heartbeat', 0, int),
    behaviour,
    idTags,
    sampleIntervalSeconds: num(s('sample-interval'), 'sample-interval', 10, int),
    sessionSeconds: range(s('session'), 'session', '20-60'),
    pauseSeconds: range(s('pause'), 'pause', '5-20'),
    dcShare: num(s('dc-share'), 'dc-share', 0.2, share),
    acPowerKw: num(s('ac-power-kw'), 'ac-power-kw', 22, (n) => n > 0),
    dcPowerKw: num(s('dc-power-kw'), 'dc-power-kw', 150, (n) => n > 0),
    seed: num(s('seed'), 'seed', 1, int),
    misbehaviour: {
      offlineProbability: num(s('offline-rate'), 'offline-rate', 0, share),
      offlineSeconds: range(s('offline-seconds'), 'offline-seconds', '10-30'),
      duplicateProbability: num(s('duplicate-rate'), 'duplicate-rate', 0, share),
      invalidProbability: num(s('invalid-rate'), 'invalid-rate', 0, share),
    },
    reconnectBursts: burstEvery > 0 ? { everySeconds: burstEvery, size: num(s('burst-size'), 'burst-size', 0.1, (n) => n > 0) } : null,
    rebootDelayMs: num(s('reboot-seconds'), 'reboot-seconds', 1) * 1000,
  };
  let fleet;
  try {
    fleet = createFleet(opts);
  } catch (err) {
    throw new SimulateUsageError((err as Error).message);
  }

  const tty = Boolean(io.out.isTTY);
  const progress = new Progress(fleet, {
    out: io.out,
    tty,
    lineEveryMs: num(s('report-every'), 'report-every', 5, (n) => n > 0) * 1000,
    title: `plugboard simulate: ${opts.count} station${opts.count === 1 ? '' : 's'} -> ${url}`,
    durationMs: durationS > 0 ? durationS * 1000 : null,
  });
  if (!tty) print(`plugboard simulate: ${opts.count} station${opts.count === 1 ? '' : 's'} -> ${url} (seed ${opts.seed})`);

  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    print('\nstopping (stopping running sessions first; Ctrl-C again to quit at once)');
    finish();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const durationTimer = durationS > 0 ? setTimeout(finish, durationS * 1000) : null;

  progress.start();
  await Promise.race([fleet.start(), finished]);
  await finished;
  if (durationTimer) clearTimeout(durationTimer);
  const atEnd = fleet.stats();
  progress.stop();
  await fleet.stop({ endTransactions: true, timeoutMs: 5000 });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  // Connected and booted as the run ended, not after the stations were shut down.
  const stats = { ...fleet.stats(), connected: atEnd.connected, booted: atEnd.booted };
  print(formatSummary(stats));
  if (v.json) print(JSON.stringify(stats));
  if (stats.boots === 0) {
    print('no station got an answer to its BootNotification: is the URL right, and does the central system accept these stations?');
    return 1;
  }
  if (stats.authorizationsRefused > 0 && stats.sessionsDone === 0) {
    print('every Authorize was refused: register the tokens (plugboard tokens add SIMTAG-0001 ...) or pass yours with --id-tags');
  }
  return v['fail-on-error'] && stats.errors > 0 ? 1 : 0;
}
