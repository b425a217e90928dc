import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCore } from '../helpers/core.ts';
import type { AppContext } from '../../src/context.ts';

let ctx: AppContext;
let cleanup: () => Promise<void>;
before(async () => ({ ctx, cleanup } = await startCore()));
after(() => cleanup());

const authorize = (idTag: string) => ctx.services.authorization.authorize(idTag, { checkConcurrency: true });

test('unknown token is Invalid', async () => {
  assert.deepEqual(await authorize('NOPE'), { status: 'Invalid' });
});

test('Accepted token returns its parentIdTag and expiryDate', async () => {
  const expiry = new Date(Date.now() + 86_400_000).toISOString();
  await ctx.services.authorization.upsertToken({ idTag: 'GOOD', parentIdTag: 'FLEET', expiryDate: expiry });
  assert.deepEqual(await authorize('GOOD'), { status: 'Accepted', parentIdTag: 'FLEET', expiryDate: expiry });
});

test('Blocked token is Blocked', async () => {
  await ctx.services.authorization.upsertToken({ idTag: 'BLK', status: 'Blocked' });
  assert.equal((await authorize('BLK')).status, 'Blocked');
});

test('a token past its expiry date is Expired', async () => {
  const expiry = new Date(Date.now() - 1000).toISOString();
  await ctx.services.authorization.upsertToken({ idTag: 'OLD', expiryDate: expiry });
  assert.deepEqual(await authorize('OLD'), { status: 'Expired', expiryDate: expiry });
});

test('ConcurrentTx when the token already runs a transaction, unless it allows concurrent use', async () => {
  await ctx.services.stations.create({ id: 'CP-AUTH' });
  await ctx.services.authorization.upsertToken({ idTag: 'BUSY' });
  const first = await ctx.services.transactions.start('CP-AUTH', { connectorId: 1, idTag: 'BUSY', meterStart: 0, timestamp: new Date().toISOString() });
  assert.equal(first.idTagInfo.status, 'Accepted');
  assert.equal((await authorize('BUSY')).status, 'ConcurrentTx');
  const second = await ctx.services.transactions.start('CP-AUTH', { connectorId: 2, idTag: 'BUSY', meterStart: 0, timestamp: new Date().toISOString() });
  assert.equal(second.idTagInfo.status, 'ConcurrentTx');
  assert.ok(second.transactionId > first.transactionId, 'a refused token still gets a transactionId');
  // the stop check never reports ConcurrentTx
  assert.equal((await ctx.services.authorization.authorize('BUSY', { checkConcurrency: false })).status, 'Accepted');
  await ctx.services.authorization.upsertToken({ idTag: 'BUSY', allowConcurrent: true });
  assert.equal((await authorize('BUSY')).status, 'Accepted');
});

test('free-charging mode accepts unknown tokens', async () => {
  const free = await startCore({ authorization: { acceptUnknownIdTags: true } });
  try {
    assert.deepEqual(await free.ctx.services.authorization.authorize('ANY', { checkConcurrency: true }), { status: 'Accepted' });
  } finally {
    await free.cleanup();
  }
});

test('upsertToken keeps fields it is not given and deleteToken removes the token', async () => {
  await ctx.services.authorization.upsertToken({ idTag: 'KEEP', parentIdTag: 'P1' });
  await ctx.services.authorization.upsertToken({ idTag: 'KEEP', status: 'Blocked' });
  const row = await ctx.services.authorization.getToken('KEEP');
  assert.equal(row?.parent_id_tag, 'P1');
  assert.equal(row?.status, 'Blocked');
  assert.equal(await ctx.services.authorization.deleteToken('KEEP'), 1);
  assert.equal(await ctx.services.authorization.getToken('KEEP'), undefined);
});
