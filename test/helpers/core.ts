// The modules without any listener, on a real database (SQLite file, or PostgreSQL with an
// isolated schema when DATABASE_URL is set): for testing the rules without a socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Config, type DeepPartial } from '../../src/config.ts';
import { createCore } from '../../src/app.ts';
import type { AppContext } from '../../src/context.ts';
import { deepMerge, isolatedPostgres } from './app.ts';

export async function startCore(overrides: DeepPartial<Config> = {}): Promise<{ ctx: AppContext; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-core-'));
  const pgIso = process.env.DATABASE_URL ? await isolatedPostgres(process.env.DATABASE_URL) : null;
  const config = loadConfig({
    env: {},
    overrides: deepMerge(
      // Everything the core writes stays in this test's own folder, never ./data in the checkout.
      { secretKeyFile: join(dir, 'secret.key'), files: { directory: join(dir, 'files') } },
      { ...overrides, database: { url: pgIso?.url ?? null, sqlitePath: join(dir, 'core.db'), poolSize: 4 }, log: { level: 'silent' } },
    ) as DeepPartial<Config>,
  });
  const core = await createCore(config, { log: pino({ level: 'silent' }) });
  return {
    ctx: core.ctx,
    async cleanup() {
      await core.close();
      await pgIso?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
