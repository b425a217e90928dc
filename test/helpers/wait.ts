// Condition waits for tests: poll until something holds, never assert on elapsed time.

/**
 * The least a condition wait gives its condition before it fails. The test files run in parallel
 * on machines shared with other work, where a step that takes 50 ms when quiet can take seconds;
 * a wait's timeout only bounds how long a broken test hangs, it never measures speed (timings
 * belong in bench/), so a short timeout written for a quiet machine is raised to this.
 */
export const MIN_WAIT_MS = Number(process.env.PLUGBOARD_TEST_MIN_WAIT_MS ?? 30_000);

/** Waits until check() returns a truthy value, polling; fails after timeoutMs (at least MIN_WAIT_MS). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + Math.max(timeoutMs, MIN_WAIT_MS);
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
