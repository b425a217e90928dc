// One minimum password length everywhere (issue 11): the API asks for 16 characters, and so do
// the CLI and the stations service (src/modules/stations/password-rules.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCore } from '../helpers/core.ts';
import { InvalidStationPasswordError, MIN_STATION_PASSWORD_LENGTH } from '../../src/modules/stations/password-rules.ts';

const run = promisify(execFile);
const main = join(import.meta.dirname, '../../src/main.ts');

test('CLI: stations add and stations password refuse a password shorter than the API allows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-cli-pw-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PLUGBOARD_DB_PATH: join(dir, 'cli.db'), PLUGBOARD_SECRET_KEY_FILE: join(dir, 'secret.key'), PLUGBOARD_FILES_DIR: join(dir, 'files') };
  delete env.DATABASE_URL;
  const cli = (...args: string[]) => run(process.execPath, [main, ...args], { env });
  try {
    await assert.rejects(cli('stations', 'add', 'CLI-SHORT', '--password', 'x'), (err: any) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, new RegExp(`--password: a station password must be ${MIN_STATION_PASSWORD_LENGTH} to 40 characters long \\(got 1\\)`));
      return true;
    });
    assert.doesNotMatch((await cli('stations', 'list')).stdout, /CLI-SHORT/, 'nothing was stored');
    const ok = 'a'.repeat(MIN_STATION_PASSWORD_LENGTH);
    assert.match((await cli('stations', 'add', 'CLI-OK', '--password', ok)).stdout, /station CLI-OK added/);
    await assert.rejects(cli('stations', 'password', 'CLI-OK', 'a'.repeat(MIN_STATION_PASSWORD_LENGTH - 1)), (err: any) => err.code === 2 && /must be 16 to 40 characters/.test(err.stderr));
    assert.match((await cli('stations', 'password', 'CLI-OK', 'b'.repeat(40))).stdout, /password of CLI-OK changed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('service: create, update and setPassword refuse a short password; no password stays allowed', async () => {
  const { ctx, cleanup } = await startCore();
  try {
    const stations = ctx.services.stations;
    await assert.rejects(stations.create({ id: 'SVC-SHORT', password: 'short' }), InvalidStationPasswordError);
    assert.equal(await stations.get('SVC-SHORT'), undefined);
    await stations.create({ id: 'SVC-OK', password: 'sixteen-chars-ok' });
    await assert.rejects(stations.update('SVC-OK', { password: 'x' }), InvalidStationPasswordError);
    await assert.rejects(stations.setPassword('SVC-OK', 'y'.repeat(41)), InvalidStationPasswordError);
    await stations.update('SVC-OK', { password: null });
    assert.equal((await stations.get('SVC-OK'))?.password_hash, null);
  } finally {
    await cleanup();
  }
});
