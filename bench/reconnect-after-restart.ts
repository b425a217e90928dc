// Reconnect after restart (issue 11, ADR 0008): N stations with Basic-auth passwords are in the
// database, Plugboard starts (a fresh process: nothing verified in memory, as after a restart)
// and all N reconnect at once, --concurrency upgrades in flight, from loopback addresses
// 127.0.0.1-127.0.0.250 (a charger fleet comes from many addresses; the door's per-address
// lanes see it so). Three runs on the same load:
// - scrypt: the old path, every reconnect one scrypt run (ocpp.admission.keyedPasswordVerifier off);
// - keyed: the keyed verifier beside each hash (one HMAC per reconnect);
// - ceiling: the same stations at security profile 0, no password checked at all.
// Figures: time until all are connected, p50/p99 of the upgrade (TCP connect to WebSocket open).
// A 503 (verification queue full) is retried after its Retry-After, as a charger does, and
// counted; the upgrade's latency is then the whole time until it got in.
//
//   node bench/reconnect-after-restart.ts [--stations 10000] [--concurrency 100] [--modes ceiling,keyed,scrypt]
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { openAndMigrate } from '../src/db/index.ts';
import { hashSecret } from '../src/secrets.ts';
import { loadOrCreateKey } from '../src/secretbox.ts';
import { PasswordVerifier } from '../src/modules/stations/password-verifier.ts';
import type { Station } from '../src/db/schema.ts';
import { isolatedDatabase } from '../test/fixtures/database.ts';
import { startServerProcess } from '../test/fixtures/server-process.ts';
import { processCpuSeconds } from './lib/load.ts';
import { latency, writeMarkdown, writeResult } from './lib/report.ts';

export type ReconnectMode = 'scrypt' | 'keyed' | 'ceiling';

export interface ReconnectOptions {
  stations: number;
  concurrency: number;
  modes: ReconnectMode[];
}

const PASSWORD = 'reconnect-bench-password-0123';

function stationRow(id: string, hash: string | null, verifier: string | null, profile: number, at: string): Station {
  return {
    id, registration_status: 'Accepted', security_profile: profile, password_hash: hash, password_verifier: verifier,
    vendor: null, model: null, charge_point_serial: null, charge_box_serial: null, firmware_version: null,
    iccid: null, imsi: null, meter_type: null, meter_serial: null, ocpp_protocol: 'ocpp1.6', ocpp_versions: null,
    last_boot_at: null, last_seen_at: null, last_connected_at: null, last_disconnected_at: null, created_at: at, updated_at: at,
  };
}

/** One upgrade; resolves with the open socket, retrying after a 503's Retry-After. */
function upgrade(url: string, id: string, password: string | null, localAddress: string, retries: { n: number }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = password === null ? {} : { authorization: 'Basic ' + Buffer.from(`${id}:${password}`).toString('base64') };
    const ws = new WebSocket(`${url}/${encodeURIComponent(id)}`, 'ocpp1.6', { headers, localAddress, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      if (res.statusCode === 503) {
        retries.n++;
        const wait = Number(res.headers['retry-after'] ?? 1) * 1000;
        setTimeout(() => upgrade(url, id, password, localAddress, retries).then(resolve, reject), wait);
      } else {
        reject(new Error(`${id}: HTTP ${res.statusCode}`));
      }
    });
  });
}

async function runMode(mode: ReconnectMode, opts: ReconnectOptions) {
  const db = await isolatedDatabase(null);
  const keyFile = join(db.dir, 'secret.key');
  try {
    // The database as Plugboard left it before the restart.
    const hash = mode === 'ceiling' ? null : await hashSecret(PASSWORD);
    const verifier = mode === 'keyed' ? new PasswordVerifier(loadOrCreateKey(keyFile)) : null;
    const ids = Array.from({ length: opts.stations }, (_, i) => `RC-${String(i).padStart(6, '0')}`);
    const at = new Date().toISOString();
    const setup = await openAndMigrate({ databaseUrl: null, sqlitePath: db.sqlitePath, log: pino({ level: 'silent' }) });
    for (let i = 0; i < ids.length; i += 500) {
      const rows = ids.slice(i, i + 500).map((id) => stationRow(id, hash, verifier && hash ? verifier.make(id, PASSWORD, hash) : null, mode === 'ceiling' ? 0 : 1, at));
      await setup.write((trx) => trx.insertInto('stations').values(rows).execute());
    }
    await setup.close();

    const server = await startServerProcess({
      env: {
        ...db.env(),
        PLUGBOARD_LOG_LEVEL: 'warn',
        PLUGBOARD_SECRET_KEY_FILE: keyFile,
        PLUGBOARD_OCPP_KEYED_PASSWORD_VERIFIER: mode === 'keyed' ? 'true' : 'false',
        PLUGBOARD_OCPP_ALLOW_UNSECURED: mode === 'ceiling' ? 'true' : 'false',
        PLUGBOARD_OCPP_PING_INTERVAL_SECONDS: '0',
      },
      startTimeoutMs: 60_000,
    });
    const sockets: WebSocket[] = [];
    try {
      const handshakeMs: number[] = [];
      const retries = { n: 0 };
      let failed = 0;
      let firstError: string | null = null;
      const cpu0 = processCpuSeconds(server.child.pid);
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const i = next++;
          const t0 = performance.now();
          try {
            sockets.push(await upgrade(server.ocppUrl, ids[i], mode === 'ceiling' ? null : PASSWORD, `127.0.0.${1 + (i % 250)}`, retries));
            handshakeMs.push(performance.now() - t0);
          } catch (err) {
            failed++;
            firstError ??= (err as Error).message;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency, ids.length) }, worker));
      const allS = (performance.now() - started) / 1000;
      const row = {
        mode,
        stations: ids.length,
        connected: handshakeMs.length,
        failed,
        firstError,
        retriedAfter503: retries.n,
        secondsUntilAllConnected: Math.round(allS * 100) / 100,
        perSecond: Math.round(handshakeMs.length / allS),
        handshake: latency(handshakeMs),
        serverCpuPercent: Math.round(((processCpuSeconds(server.child.pid) - cpu0) / allS) * 100),
      };
      console.log(`reconnect after restart (${mode}): ${row.connected}/${row.stations} connected in ${row.secondsUntilAllConnected} s (${row.perSecond}/s), handshake p50 ${row.handshake.p50Ms} ms p99 ${row.handshake.p99Ms} ms, failed ${failed}, retried after 503 ${retries.n}, server CPU ${row.serverCpuPercent}%`);
      if (firstError) console.log(`  first error: ${firstError}`);
      return row;
    } finally {
      for (const ws of sockets) ws.terminate();
      await server.kill('SIGTERM');
      await Promise.race([server.exited, new Promise((r) => setTimeout(r, 15_000))]);
      await server.kill('SIGKILL');
    }
  } finally {
    await db.drop();
  }
}

export async function runReconnectAfterRestart(opts: ReconnectOptions) {
  const rows: Array<Awaited<ReturnType<typeof runMode>>> = [];
  let result = { stations: opts.stations, concurrency: opts.concurrency, rows };
  // Written after each path, so a long scrypt run leaves the others' figures behind if cut short.
  for (const mode of opts.modes) {
    rows.push(await runMode(mode, opts));
    result = write(opts, rows);
  }
  return result;
}

function write(opts: ReconnectOptions, rows: Array<Awaited<ReturnType<typeof runMode>>>) {
  const result = { stations: opts.stations, concurrency: opts.concurrency, rows };
  const json = writeResult('reconnect-after-restart', result);
  const md = writeMarkdown('reconnect-after-restart', `Reconnect after restart: ${opts.stations} password stations, ${opts.concurrency} upgrades in flight (SQLite)`,
    ['path', 'all connected', 'connected/s', 'handshake p50 / p99', 'failed', 'retried after 503', 'server CPU'],
    rows.map((r) => [r.mode, `${r.secondsUntilAllConnected} s`, r.perSecond, `${r.handshake.p50Ms} / ${r.handshake.p99Ms} ms`, r.failed, r.retriedAfter503, `${r.serverCpuPercent} %`]),
    [
      'scrypt: every reconnect one scrypt run (N=16384, r=8, p=1), the path before ADR 0008; keyed: one HMAC-SHA256 under a key from the instance key file; ceiling: the same stations at profile 0, no password check.',
      'A fresh server process per path: nothing verified in memory, as after a restart. One password for all stations (its scrypt cost does not depend on the password). The load generator runs in the bench process on the same machine.',
    ]);
  console.log(`  -> ${json}, ${md}`);
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      stations: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '100' },
      modes: { type: 'string', default: 'ceiling,keyed,scrypt' },
    },
  });
  await runReconnectAfterRestart({ stations: Number(values.stations), concurrency: Number(values.concurrency), modes: values.modes.split(',').filter(Boolean) as ReconnectMode[] });
}
