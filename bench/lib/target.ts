// What a scenario runs against: Plugboard (a `plugboard serve` child, or the memory-server
// variant with the IPC memory hook) on SQLite or PostgreSQL, or the echo ceiling. Each is its
// own process; the load generator is another one (bench/lib/load.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedDatabase } from '../../test/fixtures/database.ts';
import { startServerProcess, type ServerProcess } from '../../test/fixtures/server-process.ts';
import { RESULTS_DIR } from './report.ts';

export type TargetKind = 'sqlite' | 'postgres' | 'echo';

export interface Target {
  kind: TargetKind;
  server: ServerProcess;
  apiKey: string;
  stop(): Promise<void>;
}

export const BENCH_API_KEY = 'bench-admin-key-0123456789abcdef';

export interface TargetOptions {
  kind: TargetKind;
  /** PostgreSQL base URL for kind 'postgres' */
  databaseUrl?: string | null;
  /** memory hook over IPC (--expose-gc) */
  memory?: boolean;
  /** write a V8 CPU profile of the server to bench/results/profiles/{name}.cpuprofile */
  cpuProfile?: string;
  env?: Record<string, string>;
}

export async function startTarget(opts: TargetOptions): Promise<Target> {
  const nodeArgs: string[] = [];
  if (opts.memory) nodeArgs.push('--expose-gc');
  if (opts.cpuProfile) {
    const dir = join(RESULTS_DIR, 'profiles');
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${opts.cpuProfile}.cpuprofile`);
  }
  if (opts.kind === 'echo') {
    const server = await startServerProcess({ env: {}, nodeArgs, args: ['bench/lib/echo-server.ts'], ipc: true });
    return { kind: 'echo', server, apiKey: BENCH_API_KEY, stop: () => stopServer(server, true) };
  }
  if (opts.kind === 'postgres' && !opts.databaseUrl) throw new Error('postgres needs DATABASE_URL');
  const db = await isolatedDatabase(opts.kind === 'postgres' ? opts.databaseUrl : null);
  const server = await startServerProcess({
    env: {
      ...db.env(),
      PLUGBOARD_LOG_LEVEL: 'warn',
      PLUGBOARD_ACCEPT_UNKNOWN_ID_TAGS: 'true',
      PLUGBOARD_ALLOW_CONCURRENT_TX: 'true',
      PLUGBOARD_ADMIN_API_KEY: BENCH_API_KEY,
      ...opts.env,
    },
    nodeArgs,
    args: opts.memory ? ['bench/lib/memory-server.ts'] : undefined,
    ipc: opts.memory,
    startTimeoutMs: 60_000,
  });
  return {
    kind: opts.kind,
    server,
    apiKey: BENCH_API_KEY,
    async stop() {
      await stopServer(server, !!opts.memory);
      await db.drop();
    },
  };
}

async function stopServer(server: ServerProcess, ipc: boolean): Promise<void> {
  // SIGTERM (or the IPC stop) lets the process exit normally, which is when --cpu-prof writes.
  if (ipc && server.child.connected) server.child.send({ type: 'stop' });
  else await server.kill('SIGTERM');
  await Promise.race([server.exited, new Promise((r) => setTimeout(r, 15_000))]);
  await server.kill('SIGKILL');
}
