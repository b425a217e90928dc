// Builds the dashboard into ui/dist when it is missing or its inputs changed, so that
// `npm install` and `npm start` (postinstall / prestart) set it up and a warm start costs nothing.
// "Changed" is decided by content, not mtimes: ui/dist/build-info.json keeps a SHA-256 of the
// inputs (index.html, src/, vite.config.ts, tsconfig.json, this file, and the lockfile entries
// of the packages the dashboard's build can reach), so a fresh clone or an `npm install`, which
// give every file a new mtime, does not rebuild when nothing the bundle depends on changed.
// Every compressible file gets a .gz twin (served as is by src/http/dashboard.ts), and the size
// of the first load, gzipped, is measured and printed: the issue's budget is 300 KB.
//   node ui/build.ts [--force] [--quiet]
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const UI_DIR = import.meta.dirname;
const ROOT = join(UI_DIR, '..');
export const DIST_DIR = join(UI_DIR, 'dist');
const STAMP = join(DIST_DIR, 'build-info.json');
export const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;
/** What the bundle is made of, relative to ui/ (directories are walked). */
const INPUTS = ['index.html', 'src', 'vite.config.ts', 'tsconfig.json', 'build.ts'];
/** Packages the build itself runs, beside what the sources import. */
const BUILD_PACKAGES = ['vite'];

export interface BuildInfo {
  builtAt: string;
  /** SHA-256 of the build's inputs (see inputsHash); the build is skipped while it is the same */
  inputsHash: string;
  /** index.html and every script, stylesheet and preloaded chunk it names, gzipped */
  firstLoadGzipBytes: number;
  firstLoadFiles: Array<{ file: string; bytes: number; gzipBytes: number }>;
}

function filesUnder(dir: string, rel: string, out: string[]): void {
  const path = join(dir, rel);
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) {
    out.push(rel);
    return;
  }
  for (const name of readdirSync(path).sort()) filesUnder(dir, join(rel, name), out);
}

/** The package names ("react", "@tanstack/react-query") a source imports by bare specifier. */
function bareImports(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
    names.push(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
  }
  return names;
}

type LockPackage = { version?: string; integrity?: string; resolved?: string; link?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };

/**
 * The lockfile entries (path, version, integrity) of `roots` and everything they depend on,
 * resolved the way Node does (nearest node_modules first), sorted. A change elsewhere in the
 * lockfile (a server dependency) leaves this, and so the dashboard, untouched.
 */
export function lockedPackages(lockText: string, roots: string[]): string[] {
  const packages = (JSON.parse(lockText) as { packages?: Record<string, LockPackage> }).packages ?? {};
  const resolve = (from: string, name: string): string | null => {
    for (let base = from; ; ) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (!base) return null;
      const cut = base.lastIndexOf('node_modules/');
      base = cut <= 0 ? '' : base.slice(0, cut - 1);
    }
  };
  const seen = new Set<string>();
  const missing = new Set<string>();
  const visit = (from: string, name: string) => {
    const path = resolve(from, name);
    if (!path) return void missing.add(name);
    if (seen.has(path)) return;
    seen.add(path);
    const p = packages[path];
    for (const dep of Object.keys({ ...p.dependencies, ...p.optionalDependencies, ...p.peerDependencies })) visit(path, dep);
  };
  for (const name of roots) visit('', name);
  return [
    ...[...seen].sort().map((path) => `${path}@${packages[path].version ?? ''} ${packages[path].integrity ?? packages[path].resolved ?? ''}`),
    ...[...missing].sort().map((name) => `${name} (not locked)`),
  ];
}

/** SHA-256 over the build's inputs: every source file's path and bytes, and the locked packages it uses. */
export function inputsHash(uiDir = UI_DIR): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const input of INPUTS) filesUnder(uiDir, input, files);
  const roots = new Set(BUILD_PACKAGES);
  for (const file of files) {
    const body = readFileSync(join(uiDir, file));
    hash.update(`${file.split('\\').join('/')}\0${body.length}\0`).update(body);
    if (/\.[cm]?[jt]sx?$/.test(file)) for (const name of bareImports(body.toString('utf8'))) roots.add(name);
  }
  const lockFile = join(uiDir, '..', 'package-lock.json');
  const locked = existsSync(lockFile) ? lockedPackages(readFileSync(lockFile, 'utf8'), [...roots].sort()) : ['(no package-lock.json)', readFileSync(join(uiDir, '..', 'package.json'), 'utf8')];
  hash.update(`\0lock\0${locked.join('\n')}`);
  return hash.digest('hex');
}

/** Why ui/dist must be built, or null when it is up to date with its inputs. */
export function staleReason(hash = inputsHash(), distDir = DIST_DIR): string | null {
  const stamp = join(distDir, 'build-info.json');
  if (!existsSync(stamp) || !existsSync(join(distDir, 'index.html'))) return 'ui/dist is missing';
  let info: Partial<BuildInfo>;
  try {
    info = JSON.parse(readFileSync(stamp, 'utf8')) as Partial<BuildInfo>;
  } catch {
    return 'build-info.json is unreadable';
  }
  if (info.inputsHash !== hash) return 'its sources changed';
  if (info.firstLoadFiles?.some((f) => !existsSync(join(distDir, f.file)))) return 'a built file is missing';
  return null;
}

/** True when ui/dist is missing or was built from other sources (or locked packages) than these. */
export function isStale(): boolean {
  return staleReason() !== null;
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
  const hash = inputsHash();
  const reason = opts.force ? 'forced' : staleReason(hash);
  if (!reason) {
    if (!opts.quiet) console.log(`ui: ${relative(ROOT, DIST_DIR)} is up to date (sources unchanged)`);
    return JSON.parse(readFileSync(STAMP, 'utf8')) as BuildInfo;
  }
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(UI_DIR, 'vite.config.ts'), logLevel: opts.quiet ? 'error' : 'warn' });
  gzipTwins(DIST_DIR);
  const firstLoadFiles = measureFirstLoad();
  const info: BuildInfo = { builtAt: new Date().toISOString(), inputsHash: hash, firstLoadGzipBytes: firstLoadFiles.reduce((n, f) => n + f.gzipBytes, 0), firstLoadFiles };
  writeFileSync(STAMP, JSON.stringify(info, null, 2) + '\n');
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const over = info.firstLoadGzipBytes > FIRST_LOAD_BUDGET_BYTES;
  console.log(`ui: built ${relative(ROOT, DIST_DIR)} (${reason}) in ${Date.now() - started} ms; first load ${kb(info.firstLoadGzipBytes)} gzipped (budget ${kb(FIRST_LOAD_BUDGET_BYTES)}${over ? ': OVER BUDGET' : ''})`);
  return info;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  await buildUi({ force: args.includes('--force'), quiet: args.includes('--quiet') });
}
