// Charger-password checks (scrypt) take at most two of libuv's four pool threads: a reconnect
// storm of password-protected chargers must not queue file reads, DNS lookups and the like
// behind thousands of scrypt runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hashSecret, verifySecret } from '../../src/secrets.ts';

test('a thread-pool job issued during a burst of 40 password checks is not queued behind them', async () => {
  const stored = await hashSecret('correct horse battery staple');
  let verified = 0;
  const checks = Array.from({ length: 40 }, (_, i) =>
    verifySecret(i % 2 ? 'correct horse battery staple' : 'wrong', stored).then((ok) => {
      verified++;
      return ok;
    }),
  );
  // fs.readFile runs in the same pool, first in, first out.
  await readFile(fileURLToPath(import.meta.url));
  const verifiedWhenRead = verified;
  const results = await Promise.all(checks);
  assert.ok(verifiedWhenRead < 20, `the read waited for ${verifiedWhenRead} of 40 scrypt runs`);
  assert.deepEqual(results, Array.from({ length: 40 }, (_, i) => i % 2 === 1), 'every check still gives the right answer');
});
