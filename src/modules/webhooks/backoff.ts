/**
 * Delay before retry number `attempt` (1 = after the first failure): exponential from baseMs,
 * capped at maxMs, with "equal jitter" (half fixed, half random) so that a receiver coming back
 * from an outage is not hit by every queued delivery in the same second.
 */
export function retryDelayMs(attempt: number, opts: { baseMs: number; maxMs: number; retryAfterMs?: number | null }, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const jittered = Math.round(exp / 2 + random() * (exp / 2));
  // A receiver's Retry-After (429, 503) is honoured, within the cap.
  return opts.retryAfterMs ? Math.min(opts.maxMs, Math.max(jittered, opts.retryAfterMs)) : jittered;
}

/** Retry-After as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
