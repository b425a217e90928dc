// The one way the dashboard talks to Plugboard: the public REST API under /api/v1 with the
// operator's API key in a header (never in a URL, where it would reach logs and history).

const KEY_STORAGE = 'plugboard.apiKey';

export function storedKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** An error answer of the API ({error, message, details, requestId}) or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly requestId: string | null;
  constructor(status: number, code: string, message: string, details?: unknown, requestId?: string | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId ?? null;
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
/** Called when the API says the key is no longer valid (revoked while signed in). */
export function onUnauthorized(l: Listener): () => void {
  unauthorizedListeners.add(l);
  return () => unauthorizedListeners.delete(l);
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export interface RequestOptions {
  method?: string;
  query?: Query;
  body?: unknown;
  /** a raw body (CSV, a file) with its content type */
  raw?: { body: BodyInit; contentType: string };
  key?: string;
  signal?: AbortSignal;
}

export async function rawRequest(path: string, opts: RequestOptions = {}): Promise<Response> {
  const key = opts.key ?? storedKey();
  const headers: Record<string, string> = {};
  if (key) headers['x-api-key'] = key;
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['content-type'] = opts.raw.contentType;
    body = opts.raw.body;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(withQuery(`/api/v1${path}`, opts.query), { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Plugboard cannot be reached: check the connection.');
  }
  if (!res.ok) {
    let parsed: { error?: string; message?: string; details?: unknown; requestId?: string } = {};
    try {
      parsed = await res.json();
    } catch {
      // not the API's error shape (a proxy page); the status says enough
    }
    if (res.status === 401 && !opts.key) for (const l of unauthorizedListeners) l();
    throw new ApiError(res.status, parsed.error ?? `http_${res.status}`, parsed.message ?? `${res.status} ${res.statusText}`, parsed.details, parsed.requestId ?? res.headers.get('x-request-id'));
  }
  return res;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await rawRequest(path, opts);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

/** Downloads an API resource as a file: a link cannot carry the key header, so fetch it and hand over a blob. */
export async function download(path: string, query: Query | undefined, fallbackName: string): Promise<void> {
  const res = await rawRequest(path, { query });
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
