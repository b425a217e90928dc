// One delivery attempt: a signed JSON POST to the receiver. Any 2xx is success; anything else
// (another status, a redirect, a timeout, a refused connection) is a failure to retry.
//
// The target's address is checked against the address policy (src/address-policy.ts, ADR 0013)
// at the moment of connecting: an IP literal before the request, a host name in the socket's
// `lookup` hook, after DNS resolution, and the socket connects to the address that was checked
// (no second resolution a rebinding DNS server could answer differently). Of the receiver's
// answer only the status is kept; its body is never read.
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { signPayload } from './signature.ts';
import { parseRetryAfter } from './backoff.ts';
import type { AddressPolicy } from '../../address-policy.ts';

/** What went wrong, in a word; `error` says it in a sentence of Plugboard's own. */
export type ErrorClass =
  | 'http_status'
  | 'redirect'
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns_failed'
  | 'host_unreachable'
  | 'tls_failed'
  | 'target_refused'
  | 'aborted'
  | 'connection_failed';

export interface AttemptResult {
  ok: boolean;
  responseStatus: number | null;
  errorClass: ErrorClass | null;
  error: string | null;
  retryAfterMs: number | null;
}

/** Resolves a host name to every address it has (dns.lookup by default; tests replace it). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

export interface AttemptInput {
  url: string;
  /** user and password for HTTP Basic auth (kept apart from the URL) */
  credentials?: { username: string; password: string } | null;
  secret: string;
  body: string;
  eventType: string;
  deliveryId: number;
  timeoutMs: number;
  /** aborts the attempt when Plugboard stops */
  signal: AbortSignal;
  now: number;
  policy: AddressPolicy;
  resolve?: Resolver;
}

class TargetRefusedError extends Error {
  readonly code = 'ETARGETREFUSED';
  readonly host: string;
  readonly category: string;
  constructor(host: string, category: string) {
    super(`${host} resolves only to ${category} addresses`);
    this.host = host;
    this.category = category;
  }
}

/** A socket `lookup` that resolves, drops the addresses the policy refuses, and hands back only checked ones. */
function checkedLookup(policy: AddressPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const wanted = all.filter((a) => !options.family || a.family === options.family);
        const allowed = wanted.filter((a) => policy.refusal(a.address) === null);
        if (allowed.length === 0) {
          const first = wanted[0];
          const err = first
            ? new TargetRefusedError(hostname, policy.refusal(first.address)!)
            : Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' });
          callback(err as NodeJS.ErrnoException, '', 0);
        } else if (options.all) {
          (callback as unknown as (err: null, addresses: Array<{ address: string; family: number }>) => void)(null, allowed);
        } else {
          callback(null, allowed[0].address, allowed[0].family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

// One connection per attempt (the answer's body is not read, so a connection is not reused).
const httpAgent = new HttpAgent({ keepAlive: false });
const httpsAgent = new HttpsAgent({ keepAlive: false });

function classify(err: NodeJS.ErrnoException): { errorClass: ErrorClass; error: string } {
  const code = typeof err.code === 'string' ? err.code : '';
  if (err instanceof TargetRefusedError) return { errorClass: 'target_refused', error: `target refused: ${err.host} resolves only to ${err.category} addresses` };
  if (code === 'ECONNREFUSED') return { errorClass: 'connection_refused', error: 'connection refused' };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return { errorClass: 'connection_reset', error: 'the receiver closed the connection without an answer' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA' || code === 'EAI_NONAME') return { errorClass: 'dns_failed', error: 'the host name did not resolve (DNS)' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENETDOWN') return { errorClass: 'host_unreachable', error: 'host or network unreachable' };
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_/.test(code)) return { errorClass: 'tls_failed', error: `TLS failed (${code})` };
  if (code === 'ETIMEDOUT') return { errorClass: 'timeout', error: 'connecting timed out' };
  return { errorClass: 'connection_failed', error: /^[A-Z0-9_]{2,40}$/.test(code) ? `connection failed (${code})` : 'connection failed' };
}

const failure = (errorClass: ErrorClass, error: string): AttemptResult => ({ ok: false, responseStatus: null, errorClass, error, retryAfterMs: null });

export async function attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
  const timestamp = Math.floor(input.now / 1000);
  const url = new URL(input.url);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host)) {
    const refused = input.policy.refusal(host);
    if (refused) return failure('target_refused', `target refused: ${host} is a ${refused} address`);
  }
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = AbortSignal.any([timeout, input.signal]);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(input.body)),
    'user-agent': 'Plugboard-Webhooks/1',
    'x-plugboard-event': input.eventType,
    'x-plugboard-delivery': String(input.deliveryId),
    'x-plugboard-timestamp': String(timestamp),
    'x-plugboard-signature': signPayload(input.secret, timestamp, input.body),
  };
  if (input.credentials) headers.authorization = `Basic ${Buffer.from(`${input.credentials.username}:${input.credentials.password}`).toString('base64')}`;
  const https = url.protocol === 'https:';
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        {
          protocol: url.protocol,
          hostname: host,
          port: url.port || (https ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers,
          agent: https ? httpsAgent : httpAgent,
          lookup: checkedLookup(input.policy, input.resolve ?? systemResolver),
          ...(https ? { servername: isIP(host) ? undefined : host } : {}),
          signal,
        },
        resolve,
      );
      req.once('error', reject);
      req.end(input.body);
    });
    // Only the status line and headers matter: the body is not read, the connection is closed.
    res.destroy();
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return { ok: true, responseStatus: status, errorClass: null, error: null, retryAfterMs: null };
    const retryAfter = res.headers['retry-after'];
    const redirect = status >= 300 && status < 400;
    return {
      ok: false,
      responseStatus: status,
      errorClass: redirect ? 'redirect' : 'http_status',
      error: redirect ? `HTTP ${status}: redirect (not followed)` : `HTTP ${status}`,
      retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null, input.now),
    };
  } catch (err) {
    if (timeout.aborted) return failure('timeout', `no response within ${input.timeoutMs / 1000} s`);
    if (input.signal.aborted) return failure('aborted', 'aborted: Plugboard is stopping');
    const c = classify(err as NodeJS.ErrnoException);
    return failure(c.errorClass, c.error);
  }
}
