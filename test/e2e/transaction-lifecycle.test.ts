// Issue 10, "Sessions and state": a refused start does not lock its token out, a connector has
// at most one open transaction, energy is never negative. Real Plugboard, real WebSockets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpenApp, type TestApp } from '../helpers/app.ts';
import { acceptedCharger, startCharging } from './support.ts';

let app: TestApp;
before(async () => {
  app = await startOpenApp();
});
after(() => app.cleanup());

const token = async (idTag: string) => {
  await app.ctx.services.authorization.upsertToken({ idTag });
  return idTag;
};

test('a start answered ConcurrentTx does not count as the token running: after the first stops, Authorize is Accepted', async () => {
  const tag = await token('TAG-LOCKOUT');
  const cp = await acceptedCharger(app, 'LC_LOCKOUT', {}, 2);
  const first = await startCharging(cp, tag, 1);
  const second = await cp.startTransaction(2, tag, 0);
  assert.equal(second.idTagInfo.status, 'ConcurrentTx');
  // the charger never stops the refused transaction (some do not)
  await cp.stopTransaction(first, 2000);
  assert.deepEqual(await cp.authorize(tag), { idTagInfo: { status: 'Accepted' } });
  const third = await cp.startTransaction(1, tag, 2000);
  assert.equal(third.idTagInfo.status, 'Accepted');
});
