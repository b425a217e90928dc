// Summarises a V8 .cpuprofile (as written by `node --cpu-prof`, e.g. a scenario's --profile):
// the top functions by self time, and self time grouped by where the code lives (Plugboard's
// src/ directories, each node_modules package, Node internals, native/GC).
//
//   node bench/profile-summary.ts bench/results/profiles/steady-state-sqlite.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const src = /\/(src|bench|test)\/(.+)\/[^/]+$/.exec(url);
  if (src) return `${src[1]}/${src[2].split('/')[0]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.split('/').slice(-2).join('/');
}

export function summarise(profile: Profile, top = 25) {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    total += t;
    const { functionName, url, lineNumber } = n.callFrame;
    const key = `${functionName || '(anonymous)'}  ${url ? `${url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    const a = area(url, functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + t);
  }
  const sort = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const idle = byFn.get('(idle)  ') ?? 0;
  return { totalMs: total / 1000, busyMs: (total - idle) / 1000, functions: sort(byFn).slice(0, top), areas: sort(byArea) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  for (const file of positionals) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top));
    const pct = (us: number) => `${((us / 1000 / s.busyMs) * 100).toFixed(1).padStart(5)} %`;
    console.log(`${file}: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy (percentages are of busy time)`);
    console.log('  by area:');
    for (const [a, t] of s.areas.slice(0, 15)) if (a !== '(idle)') console.log(`    ${pct(t)}  ${a}`);
    console.log('  top functions by self time:');
    for (const [f, t] of s.functions) if (!f.startsWith('(idle)')) console.log(`    ${pct(t)}  ${f}`);
  }
}
