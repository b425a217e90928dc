// Files on disk for the firmware module: written to a temporary name while they arrive (size
// limit, SHA-256 on the fly), fsynced, then renamed into place, so a file that is listed is
// always complete. Names on disk are random; what an operator or a charger called a file is
// only kept in the database.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export class FileTooLargeError extends Error {
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    super(`the file is larger than the limit of ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
    this.maxBytes = maxBytes;
  }
}

/** 256 random bits, URL-safe: the secret part of a download or upload URL. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A file name safe in a URL path segment and in a Content-Disposition header: the base name,
 * characters outside [A-Za-z0-9._-] replaced, no leading dot, at most 100 characters.
 */
export function safeFilename(name: string | null | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return cleaned || fallback;
}

export interface StoredFile {
  storedName: string;
  sizeBytes: number;
  sha256: string;
}

/** A file being received: write() the chunks in order, then finish() or abort(). */
export class IncomingFile {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #storedName = randomBytes(16).toString('hex');
  readonly #hash = createHash('sha256');
  #handle: FileHandle | null = null;
  #size = 0;
  #done = false;

  constructor(dir: string, maxBytes: number) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
  }

  get #tempPath(): string {
    return join(this.#dir, `.${this.#storedName}.part`);
  }

  get sizeBytes(): number {
    return this.#size;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (this.#size + chunk.length > this.#maxBytes) throw new FileTooLargeError(this.#maxBytes);
    if (this.#handle === null) {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      this.#handle = await open(this.#tempPath, 'wx', 0o600);
    }
    this.#size += chunk.length;
    this.#hash.update(chunk);
    let offset = 0;
    while (offset < chunk.length) offset += (await this.#handle.write(chunk, offset)).bytesWritten;
  }

  /** Makes the file durable under its final name; the caller records it in the database. */
  async finish(): Promise<StoredFile> {
    if (this.#handle === null) {
      // An empty file: nothing was written yet.
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      this.#handle = await open(this.#tempPath, 'wx', 0o600);
    }
    await this.#handle.sync();
    await this.#handle.close();
    this.#handle = null;
    await rename(this.#tempPath, join(this.#dir, this.#storedName));
    this.#done = true;
    return { storedName: this.#storedName, sizeBytes: this.#size, sha256: this.#hash.digest('hex') };
  }

  /** Throws away what was received. Safe to call more than once, and after finish() (removes the file). */
  async abort(): Promise<void> {
    if (this.#handle !== null) {
      await this.#handle.close().catch(() => {});
      this.#handle = null;
    }
    await rm(this.#tempPath, { force: true });
    if (this.#done) await rm(join(this.#dir, this.#storedName), { force: true });
  }
}

/** Reads a stream into an IncomingFile; aborts the file if anything fails. */
export async function receiveStream(source: AsyncIterable<Buffer | string>, file: IncomingFile): Promise<StoredFile> {
  try {
    for await (const chunk of source) await file.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return await file.finish();
  } catch (err) {
    await file.abort();
    throw err;
  }
}

export async function removeStoredFile(dir: string, storedName: string): Promise<void> {
  await rm(join(dir, storedName), { force: true });
}
