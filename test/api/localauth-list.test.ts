// The local list as data (src/modules/localauth/list.ts): limits, differences, the messages a
// change becomes, and versions. No database, no sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyUpdate, diffLists, limitEntries, nextListVersion, planDifferential, planFull, type ListEntry } from '../../src/modules/localauth/list.ts';

const e = (idTag: string, status: ListEntry['status'] = 'Accepted', extra: Partial<ListEntry> = {}): ListEntry => ({ idTag, status, expiryDate: null, parentIdTag: null, ...extra });

test('LocalAuthListMaxLength keeps Accepted tokens first, and the kept list in idTag order', () => {
  const all = [e('D', 'Blocked'), e('A'), e('C', 'Blocked'), e('B', 'Expired'), e('E')];
  assert.deepEqual(limitEntries(all, 3), { entries: [e('A'), e('B', 'Expired'), e('E')], truncated: 2 });
  assert.deepEqual(limitEntries(all, null).entries.map((x) => x.idTag), ['A', 'B', 'C', 'D', 'E']);
  assert.equal(limitEntries(all, 5).truncated, 0);
});

test('the difference: new and changed entries with their new idTagInfo, removals by idTag', () => {
  const held = [e('A'), e('B'), e('C', 'Accepted', { parentIdTag: 'G1' })];
  const desired = [e('A'), e('B', 'Blocked'), e('C', 'Accepted', { parentIdTag: 'G2' }), e('D', 'Accepted', { expiryDate: '2030-01-01T00:00:00.000Z' })];
  const d = diffLists(held, desired);
  assert.deepEqual(d.upserts.map((x) => x.idTag), ['B', 'C', 'D']);
  assert.deepEqual(d.deletions, []);
  assert.deepEqual(diffLists(desired, [e('A')]).deletions, ['B', 'C', 'D']);
  assert.deepEqual(diffLists(held, held), { upserts: [], deletions: [] });
});

test('a Full list longer than SendLocalListMaxLength: a Full chunk, then Differential chunks; every entry with idTagInfo', () => {
  const entries = ['A', 'B', 'C', 'D', 'E'].map((t) => e(t));
  const plan = planFull(entries, 2);
  assert.deepEqual(plan.map((u) => [u.updateType, u.localAuthorizationList.map((x) => x.idTag)]), [
    ['Full', ['A', 'B']],
    ['Differential', ['C', 'D']],
    ['Differential', ['E']],
  ]);
  assert.ok(plan.every((u) => u.deletions === 0 && u.localAuthorizationList.every((x) => x.idTagInfo?.status === 'Accepted')));
  // The whole plan applied in order leaves the charger with exactly the list.
  assert.deepEqual(plan.reduce<ListEntry[]>((held, u) => applyUpdate(held, u), [e('Z')]), entries);
  assert.deepEqual(planFull([], 2), [{ updateType: 'Full', localAuthorizationList: [], deletions: 0 }], 'an empty Full empties the list');
});

test('idTagInfo carries expiryDate and parentIdTag only when the token has them', () => {
  const [u] = planFull([e('A', 'Blocked', { expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'G' }), e('B')], null);
  assert.deepEqual(u.localAuthorizationList, [
    { idTag: 'A', idTagInfo: { status: 'Blocked', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'G' } },
    { idTag: 'B', idTagInfo: { status: 'Accepted' } },
  ]);
});

test('a Differential sends deletions (no idTagInfo, OCPP 1.6 §7.1) before additions, chunked', () => {
  const plan = planDifferential({ upserts: [e('N1'), e('N2')], deletions: ['X1', 'X2', 'X3'] }, 2);
  assert.deepEqual(plan.map((u) => u.localAuthorizationList), [
    [{ idTag: 'X1' }, { idTag: 'X2' }],
    [{ idTag: 'X3' }, { idTag: 'N1', idTagInfo: { status: 'Accepted' } }],
    [{ idTag: 'N2', idTagInfo: { status: 'Accepted' } }],
  ]);
  assert.deepEqual(plan.map((u) => [u.updateType, u.deletions]), [['Differential', 2], ['Differential', 1], ['Differential', 0]]);
  assert.deepEqual(planDifferential({ upserts: [], deletions: [] }, 2), []);
  assert.deepEqual(applyUpdate([e('X1'), e('X3'), e('K')], plan[1]), [e('K'), e('N1'), e('X1')]);
});

test('list versions are never 0 or -1 (errata 3.52) and go above everything seen', () => {
  assert.equal(nextListVersion(0, 0, null), 1);
  assert.equal(nextListVersion(0, 0, -1), 1);
  assert.equal(nextListVersion(4, 3, 17), 18, 'above a version the charger reported');
  assert.equal(nextListVersion(2_147_483_647), 1, 'past the 32-bit range it starts again at 1, never 0');
});
