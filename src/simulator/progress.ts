// What `plugboard simulate` shows while it runs: a block refreshed in place on a terminal, one
// line every few seconds when the output is a file or a pipe, and a summary at the end.
import type { Fleet } from './fleet.ts';
import type { FleetStats } from './stats.ts';

const ms = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} ms` : '-');
const rate = (n: number, seconds: number) => (seconds > 0 ? Math.round(n / seconds) : 0);
const secs = (millis: number) => `${Math.round(millis / 1000)} s`;

interface Window {
  at: number;
  framesIn: number;
  framesOut: number;
}

export interface ProgressOptions {
  out: NodeJS.WriteStream | NodeJS.WritableStream;
  /** refresh in place (a terminal) rather than print lines */
  tty: boolean;
  /** between lines when not a terminal */
  lineEveryMs: number;
  title: string;
  durationMs: number | null;
}

export class Progress {
  #fleet: Fleet;
  #o: ProgressOptions;
  #timer: NodeJS.Timeout | null = null;
  #window: Window = { at: performance.now(), framesIn: 0, framesOut: 0 };
  #drawnLines = 0;

  constructor(fleet: Fleet, opts: ProgressOptions) {
    this.#fleet = fleet;
    this.#o = opts;
  }

  start(): void {
    this.#timer = setInterval(() => this.#report(), this.#o.tty ? 1000 : this.#o.lineEveryMs);
    this.#timer.unref();
    if (this.#o.tty) this.#report();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#o.tty) this.#report();
  }

  #report(): void {
    const s = this.#fleet.stats();
    const now = performance.now();
    const seconds = (now - this.#window.at) / 1000;
    const inRate = rate(s.framesIn - this.#window.framesIn, seconds);
    const outRate = rate(s.framesOut - this.#window.framesOut, seconds);
    this.#window = { at: now, framesIn: s.framesIn, framesOut: s.framesOut };
    const recent = this.#fleet.counters.recentLatency;
    const p50 = recent.quantile(0.5);
    const p99 = recent.quantile(0.99);
    recent.reset();
    const elapsed = this.#o.durationMs ? `${secs(s.elapsedMs)} / ${secs(this.#o.durationMs)}` : secs(s.elapsedMs);
    if (!this.#o.tty) {
      this.#o.out.write(
        `[${elapsed}] connected ${s.connected}/${s.stations} booted ${s.booted} | sessions ${s.sessionsActive} active ${s.sessionsDone} done | msg/s in ${inRate} out ${outRate} | CALL p50 ${ms(p50)} p99 ${ms(p99)} | errors ${s.errors}\n`,
      );
      return;
    }
    const lines = [
      `${this.#o.title}   ${elapsed}`,
      `stations  ${s.launched}/${s.stations} started   ${s.connected} connected   ${s.booted} booted   ${s.disconnects} disconnects`,
      `sessions  ${s.sessionsActive} active   ${s.sessionsDone} done   ${s.authorizationsRefused} not authorized   ${s.txMessagesQueuedOffline} tx messages queued offline`,
      `messages  in ${inRate}/s   out ${outRate}/s   CALL p50 ${ms(p50)}  p99 ${ms(p99)}   commands ${s.commandsReceived}   errors ${s.errors}`,
    ];
    // Up over what was drawn last time, then each line cleared and rewritten.
    const up = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A` : '';
    this.#o.out.write(up + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.#drawnLines = lines.length;
  }
}

export function formatSummary(s: FleetStats): string {
  const seconds = s.elapsedMs / 1000;
  const lines = [
    `summary after ${seconds.toFixed(1)} s`,
    `  stations      ${s.stations} (${s.launched} started, ${s.connected} connected and ${s.booted} booted at the end; ${s.connects} connects, ${s.connectFailures} failed, ${s.disconnects} disconnects, ${s.boots} boots)`,
    `  sessions      ${s.sessionsDone} done, ${s.sessionsActive} still running, ${s.authorizationsRefused} not authorized (token refused, or unknown while offline)`,
    `  messages      ${s.framesIn} in, ${s.framesOut} out (${rate(s.framesIn, seconds)}/s in, ${rate(s.framesOut, seconds)}/s out); ${s.callsSent} CALLs sent, ${s.callsAnswered} answered; ${s.commandsReceived} commands received`,
    `  CALL latency  p50 ${ms(s.latencyMs.p50)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)} (${s.latencyMs.count} round trips)`,
  ];
  if (s.txMessagesQueuedOffline || s.txMessagesDropped) lines.push(`  offline       ${s.txMessagesQueuedOffline} transaction messages queued while offline, ${s.txMessagesDropped} given up`);
  if (s.duplicatesSent || s.invalidSent) lines.push(`  misbehaviour  ${s.duplicatesSent} duplicates sent, ${s.invalidSent} invalid frames sent (${s.invalidAnswered} answered with CALLERROR)`);
  lines.push(`  errors        ${s.errors}`);
  for (const [kind, n] of Object.entries(s.errorsByKind).slice(0, 10)) lines.push(`    ${String(n).padStart(7)}  ${kind}`);
  return lines.join('\n');
}
