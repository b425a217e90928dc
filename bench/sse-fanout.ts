// SSE fan-out against the charger path: MeterValues per second from M chargers against a real
// `plugboard serve` (a child process, SQLite), first with no event stream open, then with N idle
// streams (clients that read and discard every event; each MeterValues publishes one
// meter.values event, which every stream carries). Before each event was serialised once for
// all streams, 500 idle streams cut MeterValues throughput tenfold.
//
//   node bench/sse-fanout.ts [--chargers 200] [--streams 0,200] [--seconds 10]
//
// The load generator and the stream readers run in this process, beside the server, on the
// same cores: the figures are for the machine as a whole; compare the rows with each other.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { isolatedDatabase } from '../test/fixtures/database.ts';
import { startServerProcess } from '../test/fixtures/server-process.ts';
import type { SimulatedCharger } from '../src/simulator/charger.ts';
import { closeFleet, openFleet } from './lib/fleet.ts';
import { writeMarkdown, writeResult } from './lib/report.ts';

const ADMIN_KEY = 'pb_bench_admin_key_0123456789abcdefghij';

export interface SseFanoutOptions {
  chargers: number;
  streams: number[];
  seconds: number;
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); NaN elsewhere. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** N streams that read and throw away: they keep up, so none is dropped as slow. */
async function openIdleStreams(httpUrl: string, n: number): Promise<http.ClientRequest[]> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const open = (): Promise<http.ClientRequest> =>
    new Promise((resolve, reject) => {
      const req = http.get(`${httpUrl}/api/v1/events`, { agent, headers: { 'x-api-key': ADMIN_KEY } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`event stream answered ${res.statusCode}`));
        res.resume();
        resolve(req);
      });
      req.on('error', reject);
    });
  const out: http.ClientRequest[] = [];
  for (let i = 0; i < n; i += 50) out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, open))));
  return out;
}

async function meterValuesLoop(cp: SimulatedCharger, deadline: number, countFrom: number, counts: { ok: number; errors: number }): Promise<void> {
  const start = await cp.startTransaction(1, 'BENCHTAG', 0);
  const transactionId = start.transactionId as number;
  let energyWh = 0;
  while (performance.now() < deadline) {
    energyWh += 10;
    try {
      await cp.meterValues(1, transactionId, energyWh);
      if (performance.now() >= countFrom) counts.ok++;
    } catch {
      counts.errors++;
      return;
    }
  }
}

export async function runSseFanout(opts: SseFanoutOptions) {
  const rows: Array<{ streams: number; meterValuesPerSecond: number; serverCpuUsPerMeterValues: number; errors: number }> = [];
  for (const streams of opts.streams) {
    const db = await isolatedDatabase(null);
    const server = await startServerProcess({
      env: {
        ...db.env(),
        PLUGBOARD_LOG_LEVEL: 'warn',
        PLUGBOARD_ADMIN_API_KEY: ADMIN_KEY,
        PLUGBOARD_MAX_EVENT_STREAMS_PER_KEY: String(Math.max(10, streams)),
        PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'true',
        PLUGBOARD_ALLOW_CONCURRENT_TX: 'true',
      },
    });
    let chargers: SimulatedCharger[] = [];
    let readers: http.ClientRequest[] = [];
    try {
      readers = await openIdleStreams(server.httpUrl, streams);
      chargers = await openFleet({ url: server.ocppUrl, count: opts.chargers, prefix: 'SSE-', concurrency: 100 });
      const counts = { ok: 0, errors: 0 };
      const warmupMs = 2000;
      const countFrom = performance.now() + warmupMs;
      const deadline = countFrom + opts.seconds * 1000;
      let cpuBefore = NaN;
      const measuring = setTimeout(() => (cpuBefore = processCpuSeconds(server.child.pid)), warmupMs);
      await Promise.all(chargers.map((cp) => meterValuesLoop(cp, deadline, countFrom, counts)));
      clearTimeout(measuring);
      const cpu = processCpuSeconds(server.child.pid) - cpuBefore;
      const row = { streams, meterValuesPerSecond: Math.round(counts.ok / opts.seconds), serverCpuUsPerMeterValues: Math.round((cpu / counts.ok) * 1e6), errors: counts.errors };
      rows.push(row);
      console.log(
        `sse fan-out: ${String(streams).padStart(4)} idle event streams: ${String(row.meterValuesPerSecond).padStart(6)} MeterValues/s, server CPU ${row.serverCpuUsPerMeterValues} us per MeterValues (${opts.chargers} chargers, ${opts.seconds} s, errors ${row.errors})`,
      );
    } finally {
      for (const r of readers) r.destroy();
      await closeFleet(chargers);
      await server.kill('SIGTERM');
      await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
      await server.kill('SIGKILL');
      await db.drop();
    }
  }
  const base = rows.find((r) => r.streams === 0)?.meterValuesPerSecond;
  const result = { chargers: opts.chargers, seconds: opts.seconds, rows: rows.map((r) => ({ ...r, versusNoStreams: base ? Math.round((r.meterValuesPerSecond / base) * 100) / 100 : null })) };
  writeResult('sse-fanout', result);
  writeMarkdown(
    'sse-fanout',
    'SSE fan-out: MeterValues/s with idle event streams open',
    ['idle streams', 'MeterValues/s', 'vs no streams', 'server CPU per MeterValues (us)', 'errors'],
    result.rows.map((r) => [r.streams, r.meterValuesPerSecond, r.versusNoStreams ?? '-', r.serverCpuUsPerMeterValues, r.errors]),
    [`${opts.chargers} chargers sending MeterValues back to back for ${opts.seconds} s after 2 s of warm-up; SQLite; server, load and stream readers on the same machine.`],
  );
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      chargers: { type: 'string', default: '200' },
      streams: { type: 'string', default: '0,200' },
      seconds: { type: 'string', default: '10' },
    },
  });
  await runSseFanout({ chargers: Number(values.chargers), streams: values.streams.split(',').map(Number), seconds: Number(values.seconds) });
}
