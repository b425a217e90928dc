// Builds the dashboard into ui/dist when it is missing or older than its sources, so that
// `npm install` and `npm start` (postinstall / prestart) set it up and a warm start costs nothing.
// Every compressible file gets a .gz twin (served as is by src/http/dashboard.ts), and the size
// of the first load, gzipped, is measured and printed: the budget is 300 KB.
//   node ui/build.ts [--force] [--quiet]
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const UI_DIR = import.meta.dirname;
const ROOT = join(UI_DIR, '..');
export const DIST_DIR = join(UI_DIR, 'dist');
const STAMP = join(DIST_DIR, 'build-info.json');
export const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;

export interface BuildInfo {
  builtAt: string;
  /** index.html and every script, stylesheet and preloaded chunk it names, gzipped */
  firstLoadGzipBytes: number;
  firstLoadFiles: Array<{ file: string; bytes: number; gzipBytes: number }>;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when ui/dist is missing or any source (or the lock file's dependency set) is newer. */
export function isStale(): boolean {
  if (!existsSync(STAMP) || !existsSync(join(DIST_DIR, 'index.html'))) return true;
  const sources = ['index.html', 'src', 'vite.config.ts', 'build.ts'].map((p) => newestMtime(join(UI_DIR, p)));
  return Math.max(...sources, newestMtime(join(ROOT, 'package-lock.json'))) > statSync(STAMP).mtimeMs;
}

function gzipTwins(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) gzipTwins(path);
    else if (/\.(html|js|css|svg|json|txt)$/.test(name)) writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
  }
}

/** What a browser fetches before the first paint: index.html and the assets it links. */
function measureFirstLoad(): BuildInfo['firstLoadFiles'] {
  const html = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
  const linked = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  return ['index.html', ...new Set(linked)].map((file) => {
    const body = readFileSync(join(DIST_DIR, file));
    return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
}

export async function buildUi(opts: { force?: boolean; quiet?: boolean } = {}): Promise<BuildInfo> {
  if (!opts.force && !isStale()) return JSON.parse(readFileSync(STAMP, 'utf8')) as BuildInfo;
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(UI_DIR, 'vite.config.ts'), logLevel: opts.quiet ? 'error' : 'warn' });
  gzipTwins(DIST_DIR);
  const firstLoadFiles = measureFirstLoad();
  const info: BuildInfo = { builtAt: new Date().toISOString(), firstLoadGzipBytes: firstLoadFiles.reduce((n, f) => n + f.gzipBytes, 0), firstLoadFiles };
  writeFileSync(STAMP, JSON.stringify(info, null, 2) + '\n');
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const over = info.firstLoadGzipBytes > FIRST_LOAD_BUDGET_BYTES;
  console.log(`ui: built ${relative(ROOT, DIST_DIR)} in ${Date.now() - started} ms; first load ${kb(info.firstLoadGzipBytes)} gzipped (budget ${kb(FIRST_LOAD_BUDGET_BYTES)}${over ? ': OVER BUDGET' : ''})`);
  return info;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  await buildUi({ force: args.includes('--force'), quiet: args.includes('--quiet') });
}
