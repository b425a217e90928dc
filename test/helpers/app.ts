// Starts a real Plugboard (gateway + HTTP + database) for end-to-end tests: loopback listeners
// on free ports, a real SQLite file in a temp dir, or — when DATABASE_URL is set — the real
// PostgreSQL server with a fresh schema per app, dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'node:test';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config, type DeepPartial } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { SimulatedCharger, type SimulatorOptions } from '../../src/simulator/charger.ts';

import { isolatedPostgres } from './db.ts';

export { eventually, MIN_WAIT_MS } from './wait.ts';

/** The admin API key every test app is started with. */
export const ADMIN_KEY = 'pb_test_admin_key_0123456789abcdefghij';

export const usingPostgres = Boolean(process.env.DATABASE_URL);
export const backend = usingPostgres ? 'postgres' : 'sqlite';

export interface TestApp extends App {
  config: Config;
  /** the database URL or file this app uses, so a second process can open the same data */
  databaseUrl: string | null;
  sqlitePath: string;
  charger(stationId: string, opts?: Partial<SimulatorOptions>): SimulatedCharger;
  /** an HTTP request to the API with the admin key (or `key`, or none with key: null); JSON in and out */
  request(method: string, path: string, opts?: { body?: unknown; key?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  cleanup(): Promise<void>;
}

export { isolatedPostgres };

// The simulated chargers check every frame Plugboard sends against OCPP-J and the OCA schemas,
// as the OCTT does (src/simulator/charger.ts). A frame that fails fails the test that was running
// when it arrived, with the charger's message, even when the test never looks at that frame.
const watchedChargers = new Set<SimulatedCharger>();
const reportedViolations = new WeakMap<SimulatedCharger, number>();
afterEach(() => {
  const found: string[] = [];
  for (const cp of watchedChargers) {
    const from = reportedViolations.get(cp) ?? 0;
    for (const v of cp.violations.slice(from)) found.push(v.message);
    reportedViolations.set(cp, cp.violations.length);
  }
  if (found.length > 0) throw new Error(`Plugboard sent ${found.length} frame(s) that fail OCPP-J 1.6 / the OCA schemas:\n${found.join('\n')}`);
});

export interface TestAppOptions {
  config?: DeepPartial<Config>;
  /** reuse the data of an earlier app (same file / schema); the caller cleans up */
  reuse?: { databaseUrl: string | null; sqlitePath: string };
  logLevel?: string;
  /** a logger of the test's own (e.g. captureLogger from test/gateway/helpers.ts); overrides logLevel */
  log?: Logger;
  /** SQLite: replaces the WAL fdatasync (a disk the test holds; see test/robustness/ack-after-sync.test.ts) */
  syncWal?: (fd: number) => Promise<void>;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-test-'));
  let databaseUrl: string | null = null;
  let dropSchema: (() => Promise<void>) | null = null;
  let sqlitePath = join(dir, 'plugboard.db');
  if (opts.reuse) {
    databaseUrl = opts.reuse.databaseUrl;
    sqlitePath = opts.reuse.sqlitePath;
  } else if (process.env.DATABASE_URL) {
    const iso = await isolatedPostgres(process.env.DATABASE_URL);
    databaseUrl = iso.url;
    dropSchema = iso.drop;
  }
  const config = loadConfig({
    env: {},
    overrides: deepMerge(
      {
        // Commands wait up to 15 s for a simulated charger in this same process: on a loaded
        // machine an answer can take seconds. Tests about silence set ?timeout= or their own value.
        ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0, callTimeoutSeconds: 15 },
        http: { host: '127.0.0.1', port: 0 },
        database: { url: databaseUrl, sqlitePath, poolSize: 5 },
        log: { level: 'silent' },
        api: { adminKey: ADMIN_KEY },
        secretKeyFile: join(dir, 'secret.key'),
        // Never ./data/files in the checkout: uploads and firmware go to this test's own folder.
        files: { directory: join(dir, 'files') },
      },
      (opts.config ?? {}) as Record<string, unknown>,
    ) as DeepPartial<Config>,
  });
  const log = opts.log ?? pino({ level: opts.logLevel ?? process.env.PLUGBOARD_TEST_LOG_LEVEL ?? 'silent' });
  const app = await createApp(config, { log, syncWal: opts.syncWal });
  await app.start();
  const chargers: SimulatedCharger[] = [];
  let cleaned = false;
  return Object.assign(app, {
    config,
    databaseUrl,
    sqlitePath,
    charger(stationId: string, o: Partial<SimulatorOptions> = {}) {
      // The same for the charger's own CALLs (the simulator's default is 10 s).
      const cp = new SimulatedCharger({ url: app.ocppUrl(), stationId, callTimeoutMs: 60_000, ...o });
      chargers.push(cp);
      watchedChargers.add(cp);
      return cp;
    },
    async request(method: string, path: string, o: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const key = o.key === undefined ? ADMIN_KEY : o.key;
      if (key !== null) headers['x-api-key'] = key;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${app.httpUrl()}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('application/json') && text) parsed = JSON.parse(text);
      return { status: res.status, body: parsed as any, headers: res.headers, text };
    },
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await Promise.all(chargers.map((c) => c.close().catch(() => {})));
      await app.stop();
      if (dropSchema) await dropSchema();
      if (!opts.reuse) rmSync(dir, { recursive: true, force: true });
    },
  });
}

export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const base = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && base && typeof base === 'object' && !Array.isArray(base)
        ? deepMerge(base as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** An app with unsecured (profile 0) access and auto-accept, for tests about OCPP behaviour rather than security. */
export function startOpenApp(config: DeepPartial<Config> = {}): Promise<TestApp> {
  return startTestApp({ config: deepMerge({ ocpp: { allowUnsecured: true } }, config as Record<string, unknown>) as DeepPartial<Config> });
}
