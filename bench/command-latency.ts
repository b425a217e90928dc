// Command latency: remote commands through the HTTP API to connected stations, measured as
// the HTTP round trip (request in, CALL to the station, the station's CALLRESULT, HTTP
// answer): POST /api/v1/stations/{id}/ocpp/GetConfiguration, spread over the stations,
// --concurrency requests in flight. The stations (forked load processes) answer at once.
// Optionally with a background MeterValues load (--background-rate) on the same stations.
// Two ways to load it: closed loop, --concurrency requests always in flight (the server's
// saturation: latency is then mostly queueing); or open loop, --rate commands per second sent
// on schedule whatever the answers (latency at a stated load, counted from when the command was
// due, so a server that falls behind shows it).
//
//   node bench/command-latency.ts [--stations 1000] [--commands 3000] [--concurrency 10 | --rate 500] [--background-rate 0] [--targets sqlite,postgres,echo]
import { parseArgs } from 'node:util';
import { parseTargets } from './boot-storm.ts';
import { LoadGenerator, stationIds } from './lib/load.ts';
import { latency, versusGoal, writeMarkdown, writeResult } from './lib/report.ts';
import { startTarget, type TargetKind } from './lib/target.ts';

export interface CommandLatencyOptions {
  stations: number;
  commands: number;
  concurrency: number;
  /** open loop: commands per second on schedule (concurrency is then unused); 0 for closed loop */
  rate?: number;
  /** MeterValues/s sent meanwhile by the same stations; 0 for none */
  backgroundRate: number;
  targets: TargetKind[];
  databaseUrl: string | null;
  profile?: boolean;
}

/** issue #4: API command round trip p99 under 20 ms */
export const GOAL_P99_MS = 20;

const load_ = (o: CommandLatencyOptions) => (o.rate ? `${o.rate} commands/s offered (open loop)` : `${o.concurrency} in flight (closed loop)`);

export async function runCommandLatency(opts: CommandLatencyOptions) {
  const rows = [];
  for (const kind of opts.targets) {
    const target = await startTarget({ kind, databaseUrl: opts.databaseUrl, cpuProfile: opts.profile ? `command-latency-${kind}` : undefined });
    const load = await LoadGenerator.start(opts.stations);
    try {
      const ids = stationIds('CMD-', opts.stations);
      const c = await load.connect({ url: target.server.ocppUrl, ids, connectors: 1, concurrency: 500, boot: true });
      if (c.failed) throw new Error(`${c.failed} stations failed to boot: ${c.firstError}`);
      const send = async (i: number) => {
        const res = await fetch(`${target.server.httpUrl}/api/v1/stations/${ids[i % ids.length]}/ocpp/GetConfiguration`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': target.apiKey },
          body: JSON.stringify({ key: ['HeartbeatInterval'] }),
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      };
      // Warm-up: JIT, route compilation, keep-alive connections.
      for (let i = 0; i < 200; i++) await send(i).catch(() => undefined);
      const background = opts.backgroundRate > 0
        ? load.steady({ ratePerSecond: opts.backgroundRate, heartbeatEvery: 0, seconds: 3600, warmupSeconds: 0 }).catch(() => undefined)
        : null;
      const rtts: number[] = [];
      let errors = 0;
      let firstError: string | undefined;
      let next = 0;
      const started = performance.now();
      const one = async (i: number, from: number) => {
        try {
          await send(i);
          rtts.push(performance.now() - from);
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      };
      if (opts.rate) {
        const interval = 1000 / opts.rate;
        const inflight: Promise<void>[] = [];
        for (let i = 0; i < opts.commands; i++) {
          const due = started + i * interval;
          const wait = due - performance.now();
          if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
          inflight.push(one(i, due));
        }
        await Promise.all(inflight);
      } else {
        await Promise.all(Array.from({ length: opts.concurrency }, async () => {
          while (next < opts.commands) {
            const i = next++;
            await one(i, performance.now());
          }
        }));
      }
      const seconds = (performance.now() - started) / 1000;
      void background;
      const l = latency(rtts);
      const row = { target: kind, stations: opts.stations, commands: opts.commands, concurrency: opts.rate ? null : opts.concurrency, offeredPerSecond: opts.rate || null, backgroundRate: opts.backgroundRate, commandsPerSecond: Math.round(rtts.length / seconds), latency: l, errors, firstError };
      rows.push(row);
      const goal = kind === 'echo' ? '' : `   [p99 ${versusGoal(l.p99Ms, GOAL_P99_MS, false, ' ms')}]`;
      console.log(`command latency (${kind}): ${rtts.length} GetConfiguration via the API to ${opts.stations} stations, ${load_(opts)}: p50 ${l.p50Ms} ms p99 ${l.p99Ms} ms max ${l.maxMs} ms, ${row.commandsPerSecond}/s, errors ${errors}${goal}`);
      if (firstError) console.log(`  first error: ${firstError}`);
    } finally {
      // A background steady() is still running in the workers: stopping them ends it.
      await load.stop();
      await target.stop();
    }
  }
  const echo = rows.find((r) => r.target === 'echo');
  const result = { ...opts, targets: undefined, goalP99Ms: GOAL_P99_MS, rows };
  const name = opts.rate ? `command-latency-rate${opts.rate}` : 'command-latency';
  const json = writeResult(name, result);
  const md = writeMarkdown(name, `Command latency: GetConfiguration through the HTTP API, ${opts.stations} stations, ${load_(opts)}${opts.backgroundRate ? `, ${opts.backgroundRate} MeterValues/s in the background` : ''}`,
    ['target', 'commands', 'p50 / p99', 'max', 'commands/s', 'p99 vs ceiling', 'errors', 'goal (p99 < 20 ms)'],
    rows.map((r) => [r.target, r.latency.count, `${r.latency.p50Ms} / ${r.latency.p99Ms} ms`, `${r.latency.maxMs} ms`, r.commandsPerSecond, echo ? `${(r.latency.p99Ms / echo.latency.p99Ms).toFixed(2)}x` : 'n/a', r.errors, r.target === 'echo' ? '' : versusGoal(r.latency.p99Ms, GOAL_P99_MS, false, ' ms')]),
    ['The ceiling answers the same HTTP route with node:http and no database, validation of the answer included.', opts.rate ? 'Open loop: round trips count from when the command was due.' : 'Closed loop: at the server\'s saturation, so the round trip is mostly queueing.']);
  console.log(`  -> ${json}, ${md}`);
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      stations: { type: 'string', default: '1000' },
      commands: { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '10' },
      rate: { type: 'string', default: '0' },
      'background-rate': { type: 'string', default: '0' },
      targets: { type: 'string', default: 'sqlite,postgres,echo' },
      profile: { type: 'boolean', default: false },
    },
  });
  const databaseUrl = process.env.DATABASE_URL ?? null;
  await runCommandLatency({
    stations: Number(values.stations), commands: Number(values.commands), concurrency: Number(values.concurrency), rate: Number(values.rate), backgroundRate: Number(values['background-rate']),
    targets: parseTargets(values.targets, databaseUrl), databaseUrl, profile: values.profile,
  });
}
