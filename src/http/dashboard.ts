// Serves the operator dashboard (ui/dist, built by ui/build.ts) at `/`: its files are public;
// the data behind it needs an API key like every other API client. Any other GET that is not
// an API call gets index.html (the dashboard routes in the browser, so /stations/CP1 must load it).
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DASHBOARD_DIR = fileURLToPath(new URL('../../ui/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// The dashboard only ever talks to this origin; nothing inline, no frames (clickjacking).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Paths that are never dashboard pages: their unknown sub-paths stay JSON 404s. */
const NOT_DASHBOARD = /^\/(api|docs|health|metrics)(\/|$)/;

async function fileAt(path: string): Promise<{ size: number } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

export function registerDashboard(app: FastifyInstance, dir = DASHBOARD_DIR): void {
  const send = async (req: FastifyRequest, reply: FastifyReply, file: string, cache: string) => {
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    reply.header('content-type', type).header('cache-control', cache).header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
    if (type.startsWith('text/html')) reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    // ui/build.ts writes a .gz beside every compressible file: served as is, never compressed per request.
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && (await fileAt(`${file}.gz`));
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(await readFile(gzip ? `${file}.gz` : file));
  };

  app.get('/*', { config: { role: 'public' }, schema: { hide: true } }, async (req, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(req.url.split('?')[0]);
    } catch {
      return reply.callNotFound();
    }
    if (NOT_DASHBOARD.test(path)) return reply.callNotFound();
    const index = join(dir, 'index.html');
    if (!(await fileAt(index))) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build:ui` (npm install and npm start build it).\n');
    }
    const file = normalize(join(dir, path));
    if (file.startsWith(dir + sep) && !path.endsWith('/') && (await fileAt(file))) {
      // Vite puts a content hash in every asset's name, so an asset never changes under its URL.
      return send(req, reply, file, path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // A missing file (with an extension) is a 404, not the app: a broken asset link must show as one.
    if (extname(path)) return reply.callNotFound();
    return send(req, reply, index, 'no-cache');
  });
}
