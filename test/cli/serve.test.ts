// The real CLI in child processes, as an operator uses it: register a station and a token,
// serve, run the simulator against it, read /health and /metrics, stop with SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isolatedPostgres } from '../helpers/app.ts';
import { MIN_WAIT_MS } from '../helpers/wait.ts';

const run = promisify(execFile);
const main = join(import.meta.dirname, '../../src/main.ts');

test('plugboard CLI: stations add, tokens add, serve, simulate, /health, /metrics, SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-cli-'));
  const pgIso = process.env.DATABASE_URL ? await isolatedPostgres(process.env.DATABASE_URL) : null;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PLUGBOARD_DB_PATH: join(dir, 'cli.db'),
    PLUGBOARD_OCPP_HOST: '127.0.0.1',
    PLUGBOARD_OCPP_PORT: '0',
    PLUGBOARD_HTTP_PORT: '0',
    PLUGBOARD_LOG_LEVEL: 'info',
  };
  if (pgIso) env.DATABASE_URL = pgIso.url;
  else delete env.DATABASE_URL;
  const cli = (...args: string[]) => run(process.execPath, [main, ...args], { env });
  let server: ReturnType<typeof spawn> | null = null;
  try {
    assert.match((await cli('stations', 'add', 'CLI-CP', '--password', 's3cret-key-0123456789')).stdout, /station CLI-CP added/);
    assert.match((await cli('tokens', 'add', 'CLI-TAG', '--parent', 'FLEET')).stdout, /token CLI-TAG saved \(Accepted\)/);
    await assert.rejects(cli('stations', 'add', 'X', '--profile', '7'), /--profile must be 0, 1, 2 or 3/);

    const child = spawn(process.execPath, [main, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let out = '';
    const listening = await new Promise<{ ocpp: string[]; http: string }>((resolve, reject) => {
      // Generous: a cold start on a loaded machine (type stripping, migrations) can take a while.
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), MIN_WAIT_MS * 2);
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        for (const line of out.split('\n')) {
          if (line.includes('plugboard is listening')) {
            clearTimeout(timer);
            resolve(JSON.parse(line));
          }
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
    const ocppBase = listening.ocpp[0].replace('/{stationId}', '');
    const sim = await cli('simulate', '--url', ocppBase, '--id', 'CLI-CP', '--password', 's3cret-key-0123456789', '--id-tag', 'CLI-TAG');
    assert.match(sim.stdout, /BootNotification\s+\{"status":"Accepted"/);
    assert.match(sim.stdout, /Authorize\s+\{"idTagInfo":\{"status":"Accepted","parentIdTag":"FLEET"\}\}/);
    assert.match(sim.stdout, /StartTransaction\s+\{"transactionId":\d+,"idTagInfo":\{"status":"Accepted"/);

    const health = await fetch(`${listening.http}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; databaseDialect: string };
    assert.equal(body.status, 'ok');
    assert.equal(body.databaseDialect, pgIso ? 'postgres' : 'sqlite');
    const metrics = await (await fetch(`${listening.http}/metrics`)).text();
    assert.match(metrics, /plugboard_ocpp_messages_in_total\{action="StartTransaction",type="CALL"\} 1/);
    assert.match(metrics, /plugboard_ocpp_call_duration_seconds_count\{action="StopTransaction"\} 1/);
    assert.match(metrics, /plugboard_connected_chargers \d/);

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    server = null;
    const listed = await cli('stations', 'list');
    assert.match(listed.stdout, /CLI-CP/);
  } finally {
    // A failed step must not leave the server running: its pipes would keep this file's process alive.
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await pgIso?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad configuration stops plugboard with a message naming the setting', async () => {
  const env = { ...process.env, PLUGBOARD_OCPP_PORT: 'ninety', PLUGBOARD_DB_PATH: join(tmpdir(), 'never.db') };
  await assert.rejects(run(process.execPath, [main, 'serve'], { env }), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /ocpp\.port: expected a number, got "ninety"/);
    return true;
  });
  const env2 = { ...process.env, PLUGBOARD_UNKNOWN_STATIONS: 'maybe', PLUGBOARD_DB_PATH: join(tmpdir(), 'never.db') };
  await assert.rejects(run(process.execPath, [main, 'serve'], { env: env2 }), /registration\.unknownStations must be equal to one of the allowed values/);
});
