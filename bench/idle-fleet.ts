// Idle fleet: N stations connect, boot, and sit idle; the figure is the server's RSS per
// station. The server is bench/lib/memory-server.ts (Plugboard as `plugboard serve` plus an
// IPC memory hook) or the echo ceiling; the stations live in forked load processes of at most
// 10,000 sockets each (the ~20,000 open files per process here: 19,000 stations need 19,000
// descriptors on the server side alone). Measured the way bench/connections.ts does: memory
// after full GCs and after a heap shrink, at N/10 and at N; per station = the step / 0.9 N.
//
//   node bench/idle-fleet.ts [--stations 19000] [--concurrency 500] [--targets sqlite,postgres,echo]
import { parseArgs } from 'node:util';
import { parseTargets } from './boot-storm.ts';
import { BUDGET_BYTES_PER_CHARGER, measure, perCharger } from './connections.ts';
import { LoadGenerator, stationIds } from './lib/load.ts';
import { kb, mb, versusGoal, writeMarkdown, writeResult } from './lib/report.ts';
import { startTarget, type TargetKind } from './lib/target.ts';

export interface IdleFleetOptions {
  stations: number;
  concurrency: number;
  targets: TargetKind[];
  databaseUrl: string | null;
}

export async function runIdleFleet(opts: IdleFleetOptions) {
  const rows = [];
  for (const kind of opts.targets) {
    const target = await startTarget({ kind, databaseUrl: opts.databaseUrl, memory: true });
    const load = await LoadGenerator.start(opts.stations);
    try {
      const ids = stationIds('IDLE-', opts.stations);
      const tenth = Math.max(1, Math.floor(opts.stations / 10));
      const a = await load.connect({ url: target.server.ocppUrl, ids: ids.slice(0, tenth), connectors: 0, concurrency: opts.concurrency, boot: true });
      const warm = await measure(target.server);
      const started = performance.now();
      const b = await load.connect({ url: target.server.ocppUrl, ids: ids.slice(tenth), connectors: 0, concurrency: opts.concurrency, boot: true });
      const connectS = (performance.now() - started) / 1000;
      const full = await measure(target.server);
      const failed = a.failed + b.failed;
      if (failed) console.log(`  ${failed} stations failed to connect: ${a.firstError ?? b.firstError}`);
      const kept = perCharger(warm.kept, full.kept);
      const shrunk = perCharger(warm.released, full.released);
      const row = {
        target: kind,
        stations: full.kept.connections,
        failed,
        connectAndBootPerSecond: Math.round((a.stations + b.stations - tenth) / connectS),
        rssPerStationAfterGc: kept.rssBytes,
        rssPerStationAfterShrink: shrunk.rssBytes,
        heapUsedPerStation: kept.heapUsedBytes,
        serverRssAfterGc: full.kept.rss,
        serverRssAfterShrink: full.released.rss,
      };
      rows.push(row);
      const goal = kind === 'echo' ? '' : `   [${versusGoal(row.rssPerStationAfterGc / 1024, BUDGET_BYTES_PER_CHARGER / 1024, false, ' KB')} after GC]`;
      console.log(`idle fleet (${kind}): ${row.stations} idle stations: RSS per station ${kb(row.rssPerStationAfterGc)} after GC, ${kb(row.rssPerStationAfterShrink)} after heap shrink, heap used ${kb(row.heapUsedPerStation)}; server RSS ${mb(row.serverRssAfterGc)} / ${mb(row.serverRssAfterShrink)}${goal}`);
    } finally {
      await load.stop();
      await target.stop();
    }
  }
  const result = { stations: opts.stations, goalBytesPerStation: BUDGET_BYTES_PER_CHARGER, rows };
  const json = writeResult('idle-fleet', result);
  const echo = rows.find((r) => r.target === 'echo');
  const md = writeMarkdown('idle-fleet', `Idle fleet: ${opts.stations} connected idle stations (booted), server RSS per station`,
    ['target', 'connected', 'RSS / station after GC', 'after heap shrink', 'heap used / station', 'server RSS after GC / shrink', 'vs ceiling (after GC)', 'goal (< 16 KB)'],
    rows.map((r) => [r.target, r.stations, kb(r.rssPerStationAfterGc), kb(r.rssPerStationAfterShrink), kb(r.heapUsedPerStation), `${mb(r.serverRssAfterGc)} / ${mb(r.serverRssAfterShrink)}`,
      echo ? `${(r.rssPerStationAfterGc / echo.rssPerStationAfterGc).toFixed(2)}x` : 'n/a', r.target === 'echo' ? '' : versusGoal(r.rssPerStationAfterGc / 1024, 16, false, ' KB')]),
    ['Per station = (RSS at N - RSS at N/10) / 0.9 N. "After GC": three full GCs, V8 keeps the pages it committed during the connect storm; "after heap shrink": the pages given back, as V8 does once the process idles.']);
  console.log(`  -> ${json}, ${md}`);
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      stations: { type: 'string', default: '19000' },
      concurrency: { type: 'string', default: '500' },
      targets: { type: 'string', default: 'sqlite,postgres,echo' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL ?? null;
  await runIdleFleet({ stations: Number(values.stations), concurrency: Number(values.concurrency), targets: parseTargets(values.targets, databaseUrl), databaseUrl });
}
