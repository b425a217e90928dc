// Generates ui/src/api/openapi.d.ts, the dashboard's API types, from the OpenAPI document the
// server builds out of its route schemas: no hand-copied shapes to drift from the API.
// The document comes from the real Fastify app (every module's routes) over a throwaway SQLite
// file; nothing listens on a port and no configured database is touched.
//   node ui/gen-api-types.ts            write ui/src/api/openapi.d.ts
//   node ui/gen-api-types.ts --check    exit 1 when the committed file is stale
// After changing an API schema: npm run gen:api-types (test/ui/api-types.test.ts checks it).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Config, type DeepPartial } from '../src/config.ts';
import { createCore, modules } from '../src/app.ts';
import { createHttpServer } from '../src/http/server.ts';

const ROOT = join(import.meta.dirname, '..');
export const API_TYPES_FILE = join(import.meta.dirname, 'src', 'api', 'openapi.d.ts');

/** The document GET /api/v1/openapi.json serves, built without listeners. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'plugboard-openapi-'));
  try {
    const overrides: DeepPartial<Config> = {
      database: { url: null, sqlitePath: join(dir, 'plugboard.db') },
      secretKeyFile: join(dir, 'secret.key'),
      files: { directory: join(dir, 'files') },
      log: { level: 'silent' },
    };
    const core = await createCore(loadConfig({ env: {}, overrides }), { log: pino({ level: 'silent' }) });
    try {
      const http = await createHttpServer(core.ctx, { size: 0 }, modules);
      await http.ready();
      const doc = http.swagger() as unknown as Record<string, unknown>;
      await http.close();
      // A deep copy: plain JSON, exactly what a client downloads.
      return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
    } finally {
      await core.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of ui/src/api/openapi.d.ts for the current route schemas. */
export async function generateApiTypes(): Promise<string> {
  const doc = await buildOpenApiDocument();
  const { default: openapiTS, astToString, COMMENT_HEADER } = await import('openapi-typescript');
  const nodes = await openapiTS(doc as never, { silent: true, alphabetize: true });
  const header = `${COMMENT_HEADER.trimEnd()}\n// Source: the server's OpenAPI document. Regenerate with: npm run gen:api-types\n\n`;
  return header + astToString(nodes).trimEnd() + '\n';
}

if (import.meta.main) {
  const text = await generateApiTypes();
  const name = relative(ROOT, API_TYPES_FILE);
  let current = '';
  try {
    current = readFileSync(API_TYPES_FILE, 'utf8');
  } catch {
    // first generation
  }
  if (process.argv.includes('--check')) {
    if (current !== text) {
      console.error(`${name} is stale: run npm run gen:api-types`);
      process.exit(1);
    }
    console.log(`${name} is up to date`);
  } else if (current === text) {
    console.log(`${name} is up to date`);
  } else {
    writeFileSync(API_TYPES_FILE, text);
    console.log(`wrote ${name}`);
  }
}
