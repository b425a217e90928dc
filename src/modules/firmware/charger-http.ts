// The file side of the charger listener (plain HTTP, beside the OCPP WebSocket upgrade):
//   GET|HEAD /files/firmware/{token}/{filename}     firmware download (Range supported)
//   PUT|POST /files/diagnostics/{token}[/{filename}] diagnostics upload (raw body or multipart/form-data)
// Chargers can reach only this listener; the admin API stays private. Tokens are 256-bit
// random values, so the URL itself is the credential (chargers have no API key), as with a
// presigned URL. Anything else under /files/ is 404; paths outside /files/ are not ours.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../log.ts';
import { FileTooLargeError, IncomingFile, receiveStream, safeFilename, type StoredFile } from './files.ts';
import { extractFilePart, multipartBoundary, MultipartError } from './multipart.ts';
import type { FirmwareRepository } from './repository.ts';
import type { Diagnostics } from './diagnostics.ts';

export interface ChargerHttpDeps {
  log: Logger;
  repository: FirmwareRepository;
  diagnostics: Diagnostics;
  maxDiagnosticsBytes(): number;
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string | number> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = body.endsWith('\n') ? body : `${body}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

/** One `bytes=` range of RFC 9110 §14.2 (the only form chargers resume with); null = serve it all. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or another unit: ignore, send everything
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function segments(path: string): string[] | null {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
}

export function createChargerHttpHandler(deps: ChargerHttpDeps) {
  const { log, repository, diagnostics } = deps;
  const inFlight = new Set<Promise<void>>();

  async function serveFirmware(req: IncomingMessage, res: ServerResponse, token: string, rest: string[]): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    const file = await repository.byToken(token);
    if (!file || rest.length > 1 || (rest.length === 1 && rest[0] !== file.filename)) return reply(res, 404, 'Not found');
    const path = repository.pathOf(file);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      log.error({ firmwareId: file.id, path }, 'firmware file missing on disk');
      return reply(res, 404, 'Not found');
    }
    const etag = `"${file.sha256}"`;
    const ifRange = req.headers['if-range'];
    const range = ifRange !== undefined && ifRange !== etag ? null : parseRange(req.headers.range, size);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${file.filename}"`,
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'Cache-Control': 'no-store',
    };
    if (range === 'unsatisfiable') return reply(res, 416, 'Range not satisfiable', { 'Content-Range': `bytes */${size}` });
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    headers['Content-Length'] = Math.max(0, end - start + 1);
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    log.info({ firmwareId: file.id, remoteAddress: req.socket.remoteAddress, start, end }, 'charger downloading firmware');
    try {
      await pipeline(createReadStream(path, { start, end }), res);
    } catch (err) {
      // Mostly a charger that went away mid-download; it retries per UpdateFirmware.retries.
      log.info({ firmwareId: file.id, reason: (err as Error).message }, 'firmware download interrupted');
    }
  }

  async function receiveDiagnostics(req: IncomingMessage, res: ServerResponse, token: string, rest: string[]): Promise<void> {
    if (req.method !== 'PUT' && req.method !== 'POST') return reply(res, 405, 'Method not allowed', { Allow: 'PUT, POST' });
    const request = rest.length <= 1 ? await diagnostics.uploadTarget(token) : undefined;
    if (!request) return reply(res, 404, 'Not found');
    const max = deps.maxDiagnosticsBytes();
    const declared = Number(req.headers['content-length']);
    // Connection: close on refusals, so the unread rest of the body does not poison keep-alive.
    if (Number.isFinite(declared) && declared > max) return reply(res, 413, `Larger than the limit of ${max} bytes`, { Connection: 'close' });

    const file = new IncomingFile(diagnostics.directory(), max);
    const boundary = multipartBoundary(req.headers['content-type']);
    let stored: StoredFile;
    let partName: string | null = null;
    let contentType: string | null = boundary ? null : (req.headers['content-type'] ?? null);
    try {
      if (boundary) {
        const part = await extractFilePart(req, boundary, (chunk) => file.write(chunk));
        if (!part) {
          await file.abort();
          return reply(res, 400, 'The multipart body has no file part', { Connection: 'close' });
        }
        partName = part.filename;
        contentType = part.contentType;
        stored = await file.finish();
      } else {
        stored = await receiveStream(req, file);
      }
    } catch (err) {
      await file.abort();
      if (err instanceof FileTooLargeError) return reply(res, 413, `Larger than the limit of ${max} bytes`, { Connection: 'close' });
      if (err instanceof MultipartError) return reply(res, 400, err.message, { Connection: 'close' });
      // The charger went away mid-upload; nothing is kept, it may retry with the same URL.
      log.info({ stationId: request.station_id, reason: (err as Error).message }, 'diagnostics upload interrupted');
      res.destroy();
      return;
    }
    const filename = safeFilename(rest[0] ?? partName ?? request.file_name, `diagnostics-${request.id}.bin`);
    const saved = await diagnostics.recordUpload(request, stored, { filename, contentType, remoteAddress: req.socket.remoteAddress ?? null });
    log.info({ stationId: request.station_id, fileId: saved.id, sizeBytes: saved.size_bytes }, 'diagnostics file received');
    const body = JSON.stringify({ fileId: saved.id, filename: saved.filename, sizeBytes: saved.size_bytes, sha256: saved.sha256 });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const parts = segments(path);
    if (!parts || parts.length < 3) return reply(res, 404, 'Not found');
    const [, kind, token, ...rest] = parts;
    if (kind === 'firmware') return serveFirmware(req, res, token, rest);
    if (kind === 'diagnostics') return receiveDiagnostics(req, res, token, rest);
    return reply(res, 404, 'Not found');
  }

  return {
    /** The gateway's onHttpRequest: true for /files/..., which is answered here. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/files' && !path.startsWith('/files/')) return false;
      const done = serve(req, res, path)
        .catch((err: unknown) => {
          log.error({ err, url: path.replace(/\/files\/(\w+)\/[^/]+/, '/files/$1/…') }, 'charger file request failed');
          reply(res, 500, 'Internal server error', { Connection: 'close' });
        })
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
      return true;
    },

    /** Waits for requests being answered (before the database closes). */
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type ChargerHttpHandler = ReturnType<typeof createChargerHttpHandler>;
