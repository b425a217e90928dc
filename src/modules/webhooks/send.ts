// One delivery attempt: a signed JSON POST to the receiver. Any 2xx is success; anything else
// (another status, a redirect, a timeout, a refused connection) is a failure to retry.
import { signPayload } from './signature.ts';
import { parseRetryAfter } from './backoff.ts';

export interface AttemptResult {
  ok: boolean;
  responseStatus: number | null;
  error: string | null;
  retryAfterMs: number | null;
}

export interface AttemptInput {
  url: string;
  secret: string;
  body: string;
  eventType: string;
  deliveryId: number;
  timeoutMs: number;
  /** aborts the attempt when Plugboard stops */
  signal: AbortSignal;
  now: number;
}

/** How much of a failing receiver's answer is kept in the delivery log. */
const ERROR_BODY_CHARS = 300;

async function readSome(res: Response, maxChars: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < maxChars) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    // Do not wait for (or buffer) the rest of a large or endless body.
    reader.cancel().catch(() => {});
  }
  return text.slice(0, maxChars);
}

export async function attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
  const timestamp = Math.floor(input.now / 1000);
  const timeout = AbortSignal.timeout(input.timeoutMs);
  try {
    const res = await fetch(input.url, {
      method: 'POST',
      body: input.body,
      redirect: 'manual',
      signal: AbortSignal.any([timeout, input.signal]),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Plugboard-Webhooks/1',
        'x-plugboard-event': input.eventType,
        'x-plugboard-delivery': String(input.deliveryId),
        'x-plugboard-timestamp': String(timestamp),
        'x-plugboard-signature': signPayload(input.secret, timestamp, input.body),
      },
    });
    if (res.status >= 200 && res.status < 300) {
      res.body?.cancel().catch(() => {});
      return { ok: true, responseStatus: res.status, error: null, retryAfterMs: null };
    }
    const text = (await readSome(res, ERROR_BODY_CHARS)).trim();
    const location = res.headers.get('location');
    const what = res.status >= 300 && res.status < 400 ? `redirect to ${location ?? '?'} (not followed)` : text;
    return { ok: false, responseStatus: res.status, error: `HTTP ${res.status}${what ? `: ${what}` : ''}`, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), input.now) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    let error: string;
    if (timeout.aborted) error = `no response within ${input.timeoutMs / 1000} s`;
    else if (input.signal.aborted) error = 'aborted: Plugboard is stopping';
    else error = e.cause?.code ? `${e.cause.code}: ${e.cause.message ?? e.message}` : e.message;
    return { ok: false, responseStatus: null, error, retryAfterMs: null };
  }
}
