// Figures: percentiles, human-readable sizes, and the JSON files in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** p in [0, 100] of an ascending array (nearest rank). */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(2)} KB`;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function machine(): Record<string, unknown> {
  const cpu = cpus();
  return { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryBytes: totalmem() };
}

/** Writes bench/results/{name}.json (the latest run) and returns its path. */
export function writeResult(name: string, result: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, at: new Date().toISOString(), machine: machine(), ...result }, null, 2) + '\n');
  return path;
}

/** Writes bench/results/{name}.md: a title, notes and one markdown table. */
export function writeMarkdown(name: string, title: string, header: string[], rows: Array<Array<string | number>>, notes: string[] = []): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.md`);
  const m = machine();
  const lines = [
    `# ${title}`,
    '',
    `${new Date().toISOString()}, Node ${m.node}, ${m.cpus} x ${m.cpuModel}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ];
  writeFileSync(path, lines.join('\n'));
  return path;
}

/** "figure vs goal": met, or by how much it falls short. higherIsBetter decides the direction. */
export function versusGoal(value: number, goal: number, higherIsBetter: boolean, unit = ''): string {
  if (!Number.isFinite(value)) return `goal ${goal}${unit}: no figure`;
  const met = higherIsBetter ? value >= goal : value <= goal;
  if (met) return `goal ${higherIsBetter ? '>=' : '<'} ${goal}${unit}: met`;
  const ratio = higherIsBetter ? goal / value : value / goal;
  return `goal ${higherIsBetter ? '>=' : '<'} ${goal}${unit}: MISSED by ${(Math.abs(value - goal)).toFixed(1)}${unit} (${ratio.toFixed(2)}x)`;
}

/** p50/p99/max of a list of milliseconds, rounded to 0.01 ms. */
export function latency(ms: number[]): { count: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = Float64Array.from(ms).sort();
  const r = (x: number) => Math.round(x * 100) / 100;
  return { count: sorted.length, p50Ms: r(percentile(sorted, 50)), p99Ms: r(percentile(sorted, 99)), maxMs: r(sorted[sorted.length - 1] ?? NaN) };
}
