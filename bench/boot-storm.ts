// Boot storm: N stations connect at once (up to --concurrency connects in flight), each sends
// a BootNotification and a StatusNotification per connector (0 included). Figures: stations
// fully accepted per second, p50/p99 of the BootNotification and StatusNotification round
// trips, and the time until the last station had all its answers. Run against Plugboard
// (SQLite, PostgreSQL) and the echo ceiling in turn, on the same load.
//
//   node bench/boot-storm.ts [--stations 10000] [--connectors 2] [--concurrency 1000] [--targets sqlite,postgres,echo] [--profile]
import { parseArgs } from 'node:util';
import { LoadGenerator, processCpuSeconds, processRss, stationIds } from './lib/load.ts';
import { latency, versusGoal, writeMarkdown, writeResult } from './lib/report.ts';
import { startTarget, type TargetKind } from './lib/target.ts';

export interface BootStormOptions {
  stations: number;
  connectors: number;
  concurrency: number;
  targets: TargetKind[];
  databaseUrl: string | null;
  profile?: boolean;
  /** the stations' OCPP version; 2.0.1 results go to boot-storm-201.* (default 1.6) */
  ocpp?: '1.6' | '2.0.1';
}

/** issue #4: 10,000 stations fully accepted in under 5 s on SQLite */
export const GOAL_SECONDS = 5;

export async function runBootStorm(opts: BootStormOptions) {
  const rows = [];
  const v201 = opts.ocpp === '2.0.1';
  for (const kind of opts.targets) {
    const target = await startTarget({ kind, databaseUrl: opts.databaseUrl, cpuProfile: opts.profile ? `boot-storm-${kind}` : undefined });
    const load = await LoadGenerator.start(opts.stations);
    try {
      const cpu0 = processCpuSeconds(target.server.child.pid);
      const loadCpu0 = load.cpuSeconds();
      const r = await load.connect({ url: target.server.ocppUrl, ids: stationIds(v201 ? 'BOOT201-' : 'BOOT-', opts.stations), connectors: opts.connectors, concurrency: opts.concurrency, boot: true, version: opts.ocpp });
      const allS = Math.max(...r.doneAtMs) / 1000;
      const row = {
        target: kind,
        stations: r.stations,
        failed: r.failed,
        firstError: r.firstError,
        secondsUntilAllAccepted: Math.round(allS * 100) / 100,
        acceptedPerSecond: Math.round(r.stations / allS),
        connect: latency(r.connectMs),
        boot: latency(r.bootRttMs),
        status: latency(r.statusRttMs),
        serverCpuPercent: Math.round(((processCpuSeconds(target.server.child.pid) - cpu0) / allS) * 100),
        loadCpuPercent: Math.round(((load.cpuSeconds() - loadCpu0) / allS) * 100),
        serverRssBytes: processRss(target.server.child.pid),
      };
      rows.push(row);
      const goal = kind === 'sqlite' ? `   [${versusGoal(row.secondsUntilAllAccepted, GOAL_SECONDS, false, ' s')}]` : '';
      console.log(`boot storm (${kind}, OCPP ${opts.ocpp ?? '1.6'}): ${row.stations} stations x ${opts.connectors} connectors accepted in ${row.secondsUntilAllAccepted} s (${row.acceptedPerSecond}/s), failed ${row.failed}${goal}`);
      console.log(`  connect+upgrade p50 ${row.connect.p50Ms} ms p99 ${row.connect.p99Ms} ms; BootNotification p50 ${row.boot.p50Ms} ms p99 ${row.boot.p99Ms} ms; StatusNotification p50 ${row.status.p50Ms} ms p99 ${row.status.p99Ms} ms; CPU server ${row.serverCpuPercent}% load ${row.loadCpuPercent}%`);
      if (r.firstError) console.log(`  first error: ${r.firstError}`);
    } finally {
      await load.stop();
      await target.stop();
    }
  }
  const echo = rows.find((r) => r.target === 'echo');
  const ratio = (v: number) => (echo ? `${Math.round((v / echo.acceptedPerSecond) * 100)} %` : 'n/a');
  const result = { stations: opts.stations, connectors: opts.connectors, concurrency: opts.concurrency, goalSeconds: GOAL_SECONDS, rows: rows.map((r) => ({ ...r, ofCeiling: ratio(r.acceptedPerSecond) })) };
  const name = v201 ? 'boot-storm-201' : 'boot-storm';
  const json = writeResult(name, { ocpp: opts.ocpp ?? '1.6', ...result });
  const md = writeMarkdown(name, `Boot storm${v201 ? ' (OCPP 2.0.1)' : ''}: ${opts.stations} stations, ${opts.connectors} connectors, ${opts.concurrency} connects in flight`,
    ['target', 'all accepted', 'accepted/s', 'of ceiling', 'connect+upgrade p50 / p99', 'Boot p50 / p99', 'Status p50 / p99', 'failed', 'server CPU', 'load CPU', 'goal (SQLite < 5 s)'],
    rows.map((r) => [r.target, `${r.secondsUntilAllAccepted} s`, r.acceptedPerSecond, ratio(r.acceptedPerSecond), `${r.connect.p50Ms} / ${r.connect.p99Ms} ms`, `${r.boot.p50Ms} / ${r.boot.p99Ms} ms`, `${r.status.p50Ms} / ${r.status.p99Ms} ms`, r.failed, `${r.serverCpuPercent} %`, `${r.loadCpuPercent} %`, r.target === 'sqlite' ? versusGoal(r.secondsUntilAllAccepted, GOAL_SECONDS, false, ' s') : '']));
  console.log(`  -> ${json}, ${md}`);
  return result;
}

export function parseTargets(s: string, databaseUrl: string | null): TargetKind[] {
  const all = s.split(',').filter(Boolean) as TargetKind[];
  return all.filter((t) => t !== 'postgres' || databaseUrl);
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      stations: { type: 'string', default: '10000' },
      connectors: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '1000' },
      targets: { type: 'string', default: 'sqlite,postgres,echo' },
      profile: { type: 'boolean', default: false },
      ocpp: { type: 'string', default: '1.6' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL ?? null;
  await runBootStorm({ ocpp: values.ocpp === '2.0.1' ? '2.0.1' : '1.6', stations: Number(values.stations), connectors: Number(values.connectors), concurrency: Number(values.concurrency), targets: parseTargets(values.targets, databaseUrl), databaseUrl, profile: values.profile });
}
