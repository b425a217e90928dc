// Steady state: N stations, each with a running transaction, send MeterValues (five sampled
// values: energy register, power, current on three phases) at a fixed total rate, every k-th
// message a Heartbeat instead. Open loop: the schedule does not wait for the server; a
// station whose previous CALL is unanswered queues the next one (OCPP-J 1.6 §4.1.1), and the
// round trip counts from when the message was due, so a server that falls behind shows it
// (only messages due and answered inside the measured window have a round trip; the rate
// counts every answer that arrived in the window).
// A MeterValues answer is sent only after its commit (DESIGN.md), so answered = persisted.
//
//   node bench/steady-state.ts [--stations 2000] [--rate 11200] [--heartbeat-every 10] [--seconds 15] [--warmup 3] [--targets sqlite,postgres,echo] [--profile]
import { parseArgs } from 'node:util';
import { parseTargets } from './boot-storm.ts';
import { LoadGenerator, processCpuSeconds, processRss, stationIds } from './lib/load.ts';
import { latency, mb, versusGoal, writeMarkdown, writeResult } from './lib/report.ts';
import { startTarget, type TargetKind } from './lib/target.ts';

export interface SteadyStateOptions {
  stations: number;
  /** messages per second, all stations together */
  rate: number;
  heartbeatEvery: number;
  seconds: number;
  warmupSeconds: number;
  targets: TargetKind[];
  databaseUrl: string | null;
  profile?: boolean;
  /** OCPP 2.0.1: the samples are TransactionEvent Updated; results go to steady-state-201*.* (default 1.6) */
  ocpp?: '1.6' | '2.0.1';
}

/** issue #4: at least 10,000 persisted MeterValues per second with p99 under 50 ms */
export const GOAL_PER_SECOND = 10_000;
export const GOAL_P99_MS = 50;
/**
 * The default offered rate: enough messages that the MeterValues among them (every
 * heartbeatEvery-th is a Heartbeat) reach the goal rate, rounded up to a hundred: 11,200 msg/s
 * with a Heartbeat every 10th, so 10,080 MeterValues/s on offer.
 */
export function goalOfferedRate(heartbeatEvery: number): number {
  const share = heartbeatEvery > 0 ? (heartbeatEvery - 1) / heartbeatEvery : 1;
  return Math.ceil(GOAL_PER_SECOND / share / 100) * 100;
}

export async function runSteadyState(opts: SteadyStateOptions) {
  const rows = [];
  for (const kind of opts.targets) {
    const target = await startTarget({ kind, databaseUrl: opts.databaseUrl, cpuProfile: opts.profile ? `steady-state-${kind}` : undefined });
    const load = await LoadGenerator.start(opts.stations);
    try {
      const c = await load.connect({ url: target.server.ocppUrl, ids: stationIds(opts.ocpp === '2.0.1' ? 'STEADY201-' : 'STEADY-', opts.stations), connectors: 1, concurrency: 500, boot: true, version: opts.ocpp });
      if (c.failed) throw new Error(`${c.failed} stations failed to boot: ${c.firstError}`);
      const pid = target.server.child.pid;
      // CPU over the measured window only: sampled when the warm-up ends.
      let cpu0 = NaN;
      let loadCpu0 = NaN;
      let rssMax = 0;
      let cpuFrom = NaN;
      const t = setTimeout(() => {
        cpuFrom = performance.now();
        cpu0 = processCpuSeconds(pid);
        loadCpu0 = load.cpuSeconds();
      }, opts.warmupSeconds * 1000 + 1000);
      const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, processRss(pid) || 0)), 500);
      const r = await load.steady({ ratePerSecond: opts.rate, heartbeatEvery: opts.heartbeatEvery, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds });
      clearTimeout(t);
      clearInterval(rssTimer);
      // From the end of the warm-up (plus a second for the unmeasured StartTransactions) to now.
      const cpuWindow = (performance.now() - cpuFrom) / 1000;
      const meter = latency(r.meterRttMs);
      const all = latency([...r.meterRttMs, ...r.heartbeatRttMs]);
      const row = {
        target: kind,
        stations: opts.stations,
        offeredPerSecond: opts.rate,
        meterValuesPerSecond: Math.round(r.meterAnswered / opts.seconds),
        messagesPerSecond: Math.round((r.meterAnswered + r.heartbeatAnswered) / opts.seconds),
        meter,
        all,
        errors: r.errors,
        backlogAtEnd: r.backlog,
        serverCpuPercent: Math.round(((processCpuSeconds(pid) - cpu0) / cpuWindow) * 100),
        loadCpuPercent: Math.round(((load.cpuSeconds() - loadCpu0) / cpuWindow) * 100),
        serverRssMaxBytes: rssMax,
      };
      rows.push(row);
      const goal = kind === 'echo' ? '' : `   [${versusGoal(row.meterValuesPerSecond, GOAL_PER_SECOND, true, '/s')}; p99 ${versusGoal(meter.p99Ms, GOAL_P99_MS, false, ' ms')}]`;
      console.log(`steady state (${kind}): ${opts.stations} stations offered ${opts.rate} msg/s: ${row.meterValuesPerSecond} MeterValues/s persisted (${row.messagesPerSecond} msg/s), p50 ${meter.p50Ms} ms p99 ${meter.p99Ms} ms, errors ${r.errors}, backlog ${r.backlog}${goal}`);
      console.log(`  CPU server ${row.serverCpuPercent}% load ${row.loadCpuPercent}%, server RSS max ${mb(rssMax)}`);
    } finally {
      await load.stop();
      await target.stop();
    }
  }
  const echo = rows.find((r) => r.target === 'echo');
  const ratio = (v: number) => (echo ? `${Math.round((v / echo.meterValuesPerSecond) * 100)} %` : 'n/a');
  const result = { ...opts, targets: undefined, goalPerSecond: GOAL_PER_SECOND, goalP99Ms: GOAL_P99_MS, rows: rows.map((r) => ({ ...r, ofCeiling: ratio(r.meterValuesPerSecond) })) };
  // The goal rate keeps the plain name; other rates get their own files, so both stay.
  const base = opts.ocpp === '2.0.1' ? 'steady-state-201' : 'steady-state';
  const name = opts.rate === goalOfferedRate(opts.heartbeatEvery) ? base : `${base}-${opts.rate}`;
  const json = writeResult(name, result);
  const md = writeMarkdown(name, `Steady state${opts.ocpp === '2.0.1' ? ' (OCPP 2.0.1, TransactionEvent Updated)' : ''}: ${opts.stations} stations, ${opts.rate} msg/s offered (every ${opts.heartbeatEvery}th a Heartbeat), ${opts.seconds} s after ${opts.warmupSeconds} s warm-up`,
    ['target', 'MeterValues/s persisted', 'of ceiling', 'p50 / p99', 'max', 'errors', 'backlog at end', 'server CPU', 'server RSS max', 'load CPU', 'goal (>= 10,000/s, p99 < 50 ms)'],
    rows.map((r) => [r.target, r.meterValuesPerSecond, ratio(r.meterValuesPerSecond), `${r.meter.p50Ms} / ${r.meter.p99Ms} ms`, `${r.meter.maxMs} ms`, r.errors, r.backlogAtEnd, `${r.serverCpuPercent} %`, mb(r.serverRssMaxBytes), `${r.loadCpuPercent} %`,
      r.target === 'echo' ? '' : `${versusGoal(r.meterValuesPerSecond, GOAL_PER_SECOND, true, '/s')}; ${versusGoal(r.meter.p99Ms, GOAL_P99_MS, false, ' ms')}`]),
    ['Round trips count from when the message was due (open loop), so queueing at the station is included.']);
  console.log(`  -> ${json}, ${md}`);
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      stations: { type: 'string', default: '2000' },
      rate: { type: 'string' },
      'heartbeat-every': { type: 'string', default: '10' },
      seconds: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      targets: { type: 'string', default: 'sqlite,postgres,echo' },
      profile: { type: 'boolean', default: false },
      ocpp: { type: 'string', default: '1.6' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL ?? null;
  await runSteadyState({ ocpp: values.ocpp === '2.0.1' ? '2.0.1' : '1.6',
    stations: Number(values.stations), rate: values.rate ? Number(values.rate) : goalOfferedRate(Number(values['heartbeat-every'])), heartbeatEvery: Number(values['heartbeat-every']), seconds: Number(values.seconds),
    warmupSeconds: Number(values.warmup), targets: parseTargets(values.targets, databaseUrl), databaseUrl, profile: values.profile,
  });
}
