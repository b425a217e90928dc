// Plugboard as `plugboard serve` runs it (same config from the environment, same createApp),
// plus an IPC hook so a benchmark in another process can ask for this process's memory after
// a full garbage collection. Run with --expose-gc; clients live in the parent process, so
// their sockets and buffers are not counted here.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app.ts';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  connections: number;
  heapSpaces: Record<string, number>;
  /** Linux /proc/self/smaps_rollup in bytes (Rss, Anonymous, Shared_*, ...): where RSS lives */
  smaps: Record<string, number>;
}

/**
 * release false: full GCs only, as after any major GC; V8 keeps the pages it committed.
 * release true: also give emptied pages back to the OS, as V8's memory reducer does once a
 * process has been idle for a while.
 */
export type ParentMessage = { type: 'measure'; release: boolean } | { type: 'stop' };
export type ChildMessage = { type: 'sample'; sample: MemorySample } | { type: 'error'; message: string };

const gc = (globalThis as { gc?: (opts?: { type?: string; execution?: string; flavor?: string }) => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
if (!process.send) throw new Error('run as a child process with an IPC channel');

const app = await createApp(loadConfig());
await app.start();
// The log level may be above info; the parent waits for this line either way.
console.log(JSON.stringify({ msg: 'plugboard is listening', ocpp: app.ocppUrl() }));

function smapsRollup(): Record<string, number> {
  try {
    const out: Record<string, number> = {};
    for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]] = Number(m[2]) * 1024;
    }
    return out;
  } catch {
    return {};
  }
}

async function settle(release: boolean): Promise<void> {
  // Buffered message-log rows and queued writes are not per-connection state: let them drain.
  await app.ctx.db.flush();
  for (let i = 0; i < 3; i++) {
    // 'last-resort' is V8's CollectAllAvailableGarbage: full GCs that also shrink the heap.
    gc!(release ? { type: 'major', execution: 'sync', flavor: 'last-resort' } : { type: 'major', execution: 'sync' });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'measure') {
    settle(msg.release).then(
      () => {
        const m = process.memoryUsage();
        const heapSpaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
        const sample: MemorySample = { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, connections: app.gateway.size, heapSpaces, smaps: smapsRollup() };
        process.send!({ type: 'sample', sample } satisfies ChildMessage);
      },
      (err: Error) => process.send!({ type: 'error', message: err.message } satisfies ChildMessage),
    );
  } else if (msg.type === 'stop') {
    app.stop().finally(() => process.exit(0));
  }
});
