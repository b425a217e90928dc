// src/time.ts under a non-UTC server time zone: OCPP timestamps without a zone are UTC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const timeModule = fileURLToPath(new URL('../../src/time.ts', import.meta.url));

/** toIsoTimestamp of each input, computed in a child Node process running with TZ=`tz`. */
async function inZone(tz: string, inputs: string[]): Promise<{ offsetMinutes: number; out: string[] }> {
  const script = `const { toIsoTimestamp } = await import(${JSON.stringify(timeModule)});
    const inputs = ${JSON.stringify(inputs)};
    console.log(JSON.stringify({ offsetMinutes: new Date('2026-12-02T12:00:00Z').getTimezoneOffset(), out: inputs.map(toIsoTimestamp) }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TZ: tz } });
  return JSON.parse(stdout);
}

test('under TZ=Europe/Berlin, a zone-less OCPP timestamp is read as UTC; zoned ones keep their zone', async () => {
  const r = await inZone('Europe/Berlin', ['2026-12-02T16:00:00', '2026-12-02T16:30:00.250', '2026-12-02T16:00:00Z', '2026-12-02T17:00:00+01:00', 'not a date']);
  assert.equal(r.offsetMinutes, -60, 'the child really runs in Berlin time (CET)');
  assert.deepEqual(r.out, ['2026-12-02T16:00:00.000Z', '2026-12-02T16:30:00.250Z', '2026-12-02T16:00:00.000Z', '2026-12-02T16:00:00.000Z', 'not a date']);
});
