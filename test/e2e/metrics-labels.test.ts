// /metrics labels stay a bounded set: an action name a charger made up is counted as "other",
// while the real actions keep their own series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp } from '../helpers/app.ts';

test('frame counters: known actions by name, invented ones as "other"', async () => {
  const app = await startOpenApp();
  try {
    const cp = app.charger('CP-METRICS');
    await cp.connect();
    await cp.boot();
    await cp.heartbeat();
    for (let i = 0; i < 5; i++) {
      cp.sendRaw(JSON.stringify([2, `x${i}`, `MadeUpAction${i}`, {}]));
      const answer = JSON.parse(await cp.nextFrame()) as unknown[];
      assert.deepEqual(answer.slice(0, 3), [4, `x${i}`, 'NotImplemented']);
    }
    const metrics = await (await fetch(`${app.httpUrl()}/metrics`)).text();
    assert.match(metrics, /plugboard_ocpp_messages_in_total\{action="Heartbeat",type="CALL"\} 1\n/);
    assert.match(metrics, /plugboard_ocpp_messages_out_total\{action="Heartbeat",type="CALLRESULT"\} 1\n/);
    assert.match(metrics, /plugboard_ocpp_messages_in_total\{action="other",type="CALL"\} 5\n/);
    assert.doesNotMatch(metrics, /MadeUpAction/);
  } finally {
    await app.cleanup();
  }
});
