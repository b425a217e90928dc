// A real, migrated, throwaway database per call: PostgreSQL in a fresh schema when
// DATABASE_URL is set, otherwise an SQLite file in a fresh temp directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { openAndMigrate, openDb } from '../../src/db/index.ts';
import type { Db, OpenDbOptions } from '../../src/db/index.ts';

export type DbLabel = 'sqlite' | 'postgres';

/** A fresh temp directory, deleted after the test. */
export async function tempDir(t: TestContext, prefix = 'pb-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function dbLabel(): DbLabel {
  return process.env.DATABASE_URL ? 'postgres' : 'sqlite';
}

export interface TestDb {
  db: Db;
  /** Closes the database and deletes it (temp dir or schema). Idempotent. */
  cleanup(): Promise<void>;
  label: DbLabel;
  /** What another process (or a second openDb) needs to reach the same database. */
  connection: { databaseUrl: string | null; sqlitePath: string };
}

export type TestDbOptions = Partial<Pick<OpenDbOptions, 'log' | 'poolSize' | 'groupCommit' | 'appendLater'>> & {
  /** default true */
  migrate?: boolean;
};

/** With `t`, cleanup runs by itself after the test. */
export async function openTestDb(t?: TestContext, opts: TestDbOptions = {}): Promise<TestDb> {
  const log = opts.log ?? pino({ level: 'silent' });
  const baseUrl = process.env.DATABASE_URL;
  let connection: TestDb['connection'];
  let drop: () => Promise<void>;

  if (baseUrl) {
    const iso = await isolatedPostgres(baseUrl);
    connection = { databaseUrl: iso.url, sqlitePath: '' };
    drop = iso.drop;
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'pb-test-'));
    connection = { databaseUrl: null, sqlitePath: join(dir, 'plugboard.db') };
    drop = () => rm(dir, { recursive: true, force: true });
  }

  let db: Db;
  try {
    const { migrate = true, ...dbOpts } = opts;
    db = await (migrate ? openAndMigrate : openDb)({ ...dbOpts, ...connection, log });
  } catch (err) {
    await drop();
    throw err;
  }

  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      try {
        await db.close();
      } finally {
        await drop();
      }
    })());
  t?.after(cleanup);
  return { db, cleanup, label: baseUrl ? 'postgres' : 'sqlite', connection };
}

/**
 * A PostgreSQL URL whose connections use a fresh schema; returns it and a function dropping it.
 * (Here rather than in app.ts so that benchmarks, through test/fixtures/database.ts, can use it
 * without loading the test runner.)
 */
export async function isolatedPostgres(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `pb_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(baseUrl, `create schema "${schema}"`);
  const url = new URL(baseUrl);
  // Every pooled connection starts with this search_path, so unqualified names (and Kysely's
  // migration tables) land in the test's own schema.
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => adminQuery(baseUrl, `drop schema if exists "${schema}" cascade`) };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
