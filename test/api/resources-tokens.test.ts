// Tokens (idTags) over the REST API: CRUD, block/unblock as a charger sees it, CSV import and
// export, and the unknown tokens chargers presented.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startTestApp, eventually, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';

const V1 = '/api/v1';
const PASSWORD = 'station-password-0001';

let app: TestApp;
let readKey: string;
let cp: SimulatedCharger;

before(async () => {
  app = await startTestApp();
  readKey = (await app.request('POST', `${V1}/api-keys`, { body: { name: 'reader', role: 'read' } })).body.key;
  assert.equal((await app.request('POST', `${V1}/stations`, { body: { id: 'TOK-CP', password: PASSWORD } })).status, 201);
  cp = app.charger('TOK-CP', { password: PASSWORD });
  await cp.connect();
  await cp.boot();
});
after(() => app.cleanup());

const csv = (text: string, key?: string | null) => app.request('POST', `${V1}/tokens/import`, { body: text, headers: { 'content-type': 'text/csv' }, key });

function assertValidation(res: { status: number; body: any }, field: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, 'validation_failed');
  assert.match(res.body.message, new RegExp(field), `the message names ${field}: ${res.body.message}`);
}

test('create, get, 409 for a duplicate, 404 for a missing token', async () => {
  const res = await app.request('POST', `${V1}/tokens`, { body: { idTag: 'TAG-CREATE', parentIdTag: 'FLEET-1', expiryDate: '2031-06-01T12:00:00+02:00', allowConcurrent: true } });
  assert.equal(res.status, 201);
  assert.deepEqual(
    { ...res.body, createdAt: undefined, updatedAt: undefined },
    { idTag: 'TAG-CREATE', parentIdTag: 'FLEET-1', status: 'Accepted', expiryDate: '2031-06-01T10:00:00.000Z', allowConcurrent: true, type: null, createdAt: undefined, updatedAt: undefined },
  );
  const got = await app.request('GET', `${V1}/tokens/TAG-CREATE`, { key: readKey });
  assert.deepEqual(got.body, res.body);
  const dup = await app.request('POST', `${V1}/tokens`, { body: { idTag: 'TAG-CREATE' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error, 'conflict');
  const missing = await app.request('GET', `${V1}/tokens/NO-SUCH`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'not_found');
});

test('create and update validate their bodies and name the field', async () => {
  assertValidation(await app.request('POST', `${V1}/tokens`, { body: { idTag: 'X'.repeat(21) } }), 'idTag');
  assertValidation(await app.request('POST', `${V1}/tokens`, { body: {} }), 'idTag');
  assertValidation(await app.request('POST', `${V1}/tokens`, { body: { idTag: 'V1', status: 'Gold' } }), 'status');
  assertValidation(await app.request('POST', `${V1}/tokens`, { body: { idTag: 'V1', expiryDate: 'next week' } }), 'expiryDate');
  assertValidation(await app.request('POST', `${V1}/tokens`, { body: { idTag: 'V1', parentIdTag: 'P'.repeat(21) } }), 'parentIdTag');
  assertValidation(await app.request('POST', `${V1}/tokens`, { body: { idTag: 'V1', allowConcurrent: 'sometimes' } }), 'allowConcurrent');
  assertValidation(await app.request('POST', `${V1}/tokens`, { body: { idTag: 'V1', owner: 'me' } }), 'additional');
  assert.equal((await app.request('GET', `${V1}/tokens/V1`)).status, 404);
  assertValidation(await app.request('PATCH', `${V1}/tokens/TAG-CREATE`, { body: {} }), 'body');
  assertValidation(await app.request('PATCH', `${V1}/tokens/TAG-CREATE`, { body: { idTag: 'RENAMED' } }), 'additional');
  assertValidation(await app.request('GET', `${V1}/tokens/${'X'.repeat(21)}`), 'idTag');
});

test('update, block and unblock change what a charger is told; delete makes the token Invalid', async () => {
  await app.request('POST', `${V1}/tokens`, { body: { idTag: 'TAG-LIFE' } });
  assert.equal((await cp.authorize('TAG-LIFE')).idTagInfo.status, 'Accepted');

  const blocked = await app.request('POST', `${V1}/tokens/TAG-LIFE/block`);
  assert.equal(blocked.status, 200);
  assert.equal(blocked.body.status, 'Blocked');
  assert.equal((await cp.authorize('TAG-LIFE')).idTagInfo.status, 'Blocked');
  const unblocked = await app.request('POST', `${V1}/tokens/TAG-LIFE/unblock`);
  assert.equal(unblocked.body.status, 'Accepted');
  assert.equal((await cp.authorize('TAG-LIFE')).idTagInfo.status, 'Accepted');

  const expired = await app.request('PATCH', `${V1}/tokens/TAG-LIFE`, { body: { expiryDate: '2020-01-01T00:00:00Z', parentIdTag: 'GROUP-9' } });
  assert.equal(expired.status, 200);
  assert.equal(expired.body.expiryDate, '2020-01-01T00:00:00.000Z');
  assert.equal(expired.body.parentIdTag, 'GROUP-9');
  assert.ok(expired.body.updatedAt >= expired.body.createdAt);
  assert.deepEqual((await cp.authorize('TAG-LIFE')).idTagInfo, { status: 'Expired', expiryDate: '2020-01-01T00:00:00.000Z', parentIdTag: 'GROUP-9' });
  const cleared = await app.request('PATCH', `${V1}/tokens/TAG-LIFE`, { body: { expiryDate: null, parentIdTag: null, allowConcurrent: true, status: 'Accepted' } });
  assert.deepEqual([cleared.body.expiryDate, cleared.body.parentIdTag, cleared.body.allowConcurrent], [null, null, true]);
  assert.deepEqual((await cp.authorize('TAG-LIFE')).idTagInfo, { status: 'Accepted' });

  assert.equal((await app.request('DELETE', `${V1}/tokens/TAG-LIFE`)).status, 204);
  assert.equal((await app.request('GET', `${V1}/tokens/TAG-LIFE`)).status, 404);
  assert.equal((await app.request('DELETE', `${V1}/tokens/TAG-LIFE`)).status, 404);
  assert.equal((await cp.authorize('TAG-LIFE')).idTagInfo.status, 'Invalid');

  for (const path of ['/tokens/NO-SUCH/block', '/tokens/NO-SUCH/unblock']) assert.equal((await app.request('POST', `${V1}${path}`)).status, 404);
  assert.equal((await app.request('PATCH', `${V1}/tokens/NO-SUCH`, { body: { status: 'Blocked' } })).status, 404);
});

test('list: status, parent and search filters, sort and pagination', async () => {
  const rows = [
    ['LIST-A', 'LIST-GRP', 'Accepted', '2030-01-01T00:00:00Z'],
    ['LIST-B', 'LIST-GRP', 'Blocked', null],
    ['LIST-C', null, 'Accepted', '2029-01-01T00:00:00Z'],
    ['list-d', null, 'Invalid', null],
  ] as const;
  for (const [idTag, parentIdTag, status, expiryDate] of rows) {
    assert.equal((await app.request('POST', `${V1}/tokens`, { body: { idTag, parentIdTag, status, expiryDate } })).status, 201);
  }
  const page = await app.request('GET', `${V1}/tokens?search=list-&limit=3`, { key: readKey });
  assert.equal(page.body.total, 4, 'search is case-insensitive');
  assert.equal(page.body.items.length, 3);
  const desc = await app.request('GET', `${V1}/tokens?search=list-&sort=-idTag&limit=1&offset=1`);
  assert.equal(desc.body.items[0].idTag, 'LIST-C');
  const grp = await app.request('GET', `${V1}/tokens?parent=LIST-GRP`);
  assert.deepEqual(grp.body.items.map((t: any) => t.idTag), ['LIST-A', 'LIST-B']);
  const accepted = await app.request('GET', `${V1}/tokens?search=list-&status=Accepted`);
  assert.deepEqual(accepted.body.items.map((t: any) => t.idTag), ['LIST-A', 'LIST-C']);
  const byExpiry = await app.request('GET', `${V1}/tokens?search=list-&sort=expiryDate`);
  assert.deepEqual(byExpiry.body.items.map((t: any) => t.idTag).slice(0, 2), ['LIST-C', 'LIST-A'], 'earliest expiry first, no expiry last');
  assertValidation(await app.request('GET', `${V1}/tokens?sort=secret`), 'sort');
  assertValidation(await app.request('GET', `${V1}/tokens?status=Gold`), 'status');
});

test('import: valid rows created or updated in one go, invalid rows reported with their line numbers', async () => {
  await app.request('POST', `${V1}/tokens`, { body: { idTag: 'IMP-EXISTS', parentIdTag: 'OLD-PARENT' } });
  const file = [
    'idTag,parentIdTag,status,expiryDate,allowConcurrent',
    'IMP-1,IMP-GRP,Accepted,2030-01-01T00:00:00Z,true',
    'IMP-2,,blocked,,',
    'IMP-EXISTS,,Blocked,2030-01-01,false',
    'IMP-TOO-LONG-0123456789,,Accepted,,',
    'IMP-3,,Gold,,',
    '',
    'IMP-4,,Accepted,2030-13-45T00:00:00Z,',
    'IMP-5,,Accepted,2030-01-01T00:00:00,',
    'IMP-6,,Accepted,,perhaps',
    'IMP-7,,Accepted',
    ',,Accepted,,',
    'IMP-1,,Accepted,,',
    '"IMP-8","multi',
    'line",Accepted,,',
  ].join('\n');
  const res = await csv(file);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.rows, 12);
  assert.equal(res.body.created, 2);
  assert.equal(res.body.updated, 1);
  assert.equal(res.body.failed, 9);
  assert.deepEqual(
    res.body.errors.map((e: any) => [e.line, e.idTag]),
    [[5, 'IMP-TOO-LONG-0123456789'], [6, 'IMP-3'], [8, 'IMP-4'], [9, 'IMP-5'], [10, 'IMP-6'], [11, 'IMP-7'], [12, null], [13, 'IMP-1'], [15, 'IMP-8']],
  );
  const messages = new Map<number, string>(res.body.errors.map((e: any) => [e.line, e.message]));
  const byLine = { get: (line: number) => messages.get(line) ?? `no error on line ${line}` };
  assert.match(byLine.get(5), /idTag is longer than 20/);
  assert.match(byLine.get(6), /status "Gold"/);
  assert.match(byLine.get(8), /expiryDate/);
  assert.match(byLine.get(9), /zone/);
  assert.match(byLine.get(10), /allowConcurrent/);
  assert.match(byLine.get(11), /expected 5 fields, found 3/);
  assert.match(byLine.get(12), /idTag is empty/);
  assert.match(byLine.get(13), /first on line 2/);
  assert.match(byLine.get(15), /parentIdTag contains control characters/);

  const one = (await app.request('GET', `${V1}/tokens/IMP-1`)).body;
  assert.deepEqual([one.parentIdTag, one.status, one.expiryDate, one.allowConcurrent], ['IMP-GRP', 'Accepted', '2030-01-01T00:00:00.000Z', true]);
  assert.equal((await app.request('GET', `${V1}/tokens/IMP-2`)).body.status, 'Blocked', 'status is matched case-insensitively');
  const existing = (await app.request('GET', `${V1}/tokens/IMP-EXISTS`)).body;
  assert.deepEqual([existing.status, existing.parentIdTag, existing.expiryDate], ['Blocked', null, '2030-01-01T00:00:00.000Z'], 'an empty cell clears the field');
  assert.equal((await app.request('GET', `${V1}/tokens/IMP-3`)).status, 404);
});

test('import: a column left out of the header leaves that field as it was', async () => {
  await app.request('POST', `${V1}/tokens`, { body: { idTag: 'IMP-KEEP', parentIdTag: 'KEEP-GRP', expiryDate: '2032-01-01T00:00:00Z', allowConcurrent: true } });
  const res = await csv('idtag,STATUS\nIMP-KEEP,Blocked\nIMP-NEW,\n');
  assert.deepEqual([res.body.created, res.body.updated, res.body.failed], [1, 1, 0]);
  const kept = (await app.request('GET', `${V1}/tokens/IMP-KEEP`)).body;
  assert.deepEqual([kept.status, kept.parentIdTag, kept.expiryDate, kept.allowConcurrent], ['Blocked', 'KEEP-GRP', '2032-01-01T00:00:00.000Z', true]);
  const fresh = (await app.request('GET', `${V1}/tokens/IMP-NEW`)).body;
  assert.deepEqual([fresh.status, fresh.parentIdTag, fresh.expiryDate, fresh.allowConcurrent], ['Accepted', null, null, false]);
});

test('import: an unusable file is a 400 that says why', async () => {
  const cases: Array<[string, RegExp]> = [
    ['', /header row is required/],
    ['tag,status\nA,Accepted\n', /unknown column "tag"/],
    ['status\nAccepted\n', /must name an idTag column/],
    ['idTag,idTag\nA,B\n', /appears twice/],
    ['idTag,status\n"A,Accepted\n', /not valid CSV/],
  ];
  for (const [body, message] of cases) {
    const res = await csv(body);
    assert.equal(res.status, 400, body);
    assert.match(res.body.message, message);
  }
  const quote = await csv('idTag,status\nA,Accepted\n"B,Accepted\n');
  assert.equal(quote.body.details.line, 3, 'the line of the broken quote');
  const json = await app.request('POST', `${V1}/tokens/import`, { body: { idTag: 'A' } });
  assert.equal(json.status, 400, 'a JSON body is not a CSV file');
  const other = await app.request('POST', `${V1}/tokens`, { body: 'idTag\nA\n', headers: { 'content-type': 'text/csv' } });
  assert.equal(other.status, 415, 'text/csv is parsed on the import route only');
});

test('import 5,000 tokens, export them all (streamed in keyset pages), and re-import the export unchanged', async () => {
  const lines = ['idTag,parentIdTag,status,expiryDate,allowConcurrent'];
  for (let i = 0; i < 5000; i++) lines.push(`BULK-${String(i).padStart(5, '0')},BULK-GRP,${i % 7 === 0 ? 'Blocked' : 'Accepted'},,${i % 2 === 0}`);
  const res = await csv(lines.join('\r\n') + '\r\n');
  assert.deepEqual([res.body.rows, res.body.created, res.body.updated, res.body.failed], [5000, 5000, 0, 0]);
  assert.equal((await app.request('GET', `${V1}/tokens?parent=BULK-GRP&limit=1`)).body.total, 5000);

  const exported = await app.request('GET', `${V1}/tokens/export.csv`, { key: readKey });
  assert.equal(exported.status, 200);
  assert.match(exported.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(exported.headers.get('content-disposition') ?? '', /attachment; filename="tokens.csv"/);
  assert.equal(exported.headers.get('content-length'), null, 'streamed, not buffered into one body');
  const records: Array<Record<string, string>> = parse(exported.text, { columns: true });
  assert.equal(exported.text.split('\n')[0], 'idTag,parentIdTag,status,expiryDate,allowConcurrent,type');
  const total = (await app.request('GET', `${V1}/tokens?limit=1`)).body.total;
  assert.equal(records.length, total, 'every token once');
  assert.equal(new Set(records.map((r) => r.idTag)).size, total, 'no token twice across pages');
  const b7 = records.find((r) => r.idTag === 'BULK-00007')!;
  assert.deepEqual(b7, { idTag: 'BULK-00007', parentIdTag: 'BULK-GRP', status: 'Blocked', expiryDate: '', allowConcurrent: 'false', type: '' });
  const withExpiry = records.find((r) => r.idTag === 'IMP-1')!;
  assert.equal(withExpiry.expiryDate, '2030-01-01T00:00:00.000Z');

  const again = await csv(exported.text);
  assert.deepEqual([again.body.created, again.body.updated, again.body.failed], [0, total, 0], 'the export is a valid import file');
  const reexported = await app.request('GET', `${V1}/tokens/export.csv`);
  assert.equal(reexported.text, exported.text, 'and importing it changes nothing');
});

test('unknown tokens presented by a charger are recorded with count and last station; a created token leaves the list', async () => {
  const cp2 = app.charger('TOK-CP2', { password: PASSWORD });
  await app.request('POST', `${V1}/stations`, { body: { id: 'TOK-CP2', password: PASSWORD } });
  await cp2.connect();
  await cp2.boot();
  const stored = (idTag: string) => app.ctx.db.kysely.selectFrom('unknown_id_tags').selectAll().where('id_tag', '=', idTag).executeTakeFirst();

  const start = await cp.startTransaction(1, 'UNK-START', 0);
  assert.equal(start.idTagInfo.status, 'Invalid');
  const row = await stored('UNK-START');
  assert.ok(row, 'written with the StartTransaction, before its answer');
  assert.deepEqual([Number(row.count), row.last_station_id], [1, 'TOK-CP']);

  assert.equal((await cp.authorize('UNK-AUTH')).idTagInfo.status, 'Invalid');
  assert.equal((await cp.authorize('UNK-AUTH')).idTagInfo.status, 'Invalid');
  assert.equal((await cp2.authorize('UNK-AUTH')).idTagInfo.status, 'Invalid');
  const batched = await eventually(stored.bind(null, 'UNK-AUTH'), 5000, 'the batch of Authorize sightings');
  assert.deepEqual([Number(batched.count), batched.last_station_id], [3, 'TOK-CP2'], 'three sightings, one batched write');
  await cp.authorize('UNK-AUTH');

  const list = await app.request('GET', `${V1}/unknown-tokens`, { key: readKey });
  assert.equal(list.status, 200);
  const auth = list.body.items.find((t: any) => t.idTag === 'UNK-AUTH');
  assert.deepEqual([auth.count, auth.lastStationId], [4, 'TOK-CP'], 'the list includes sightings not yet written');
  assert.ok(auth.firstSeenAt <= auth.lastSeenAt);
  assert.equal(list.body.items[0].idTag, 'UNK-AUTH', 'most recently seen first');
  const byCount = await app.request('GET', `${V1}/unknown-tokens?sort=-count,idTag&limit=1`);
  assert.equal(byCount.body.items[0].idTag, 'UNK-AUTH');
  assert.ok(byCount.body.total >= 2);
  assertValidation(await app.request('GET', `${V1}/unknown-tokens?sort=station`), 'sort');

  const known = (await app.request('GET', `${V1}/tokens?limit=1`)).body.total;
  assert.ok(known > 0);
  assert.equal((await cp.authorize('IMP-1')).idTagInfo.status, 'Accepted');
  await app.request('GET', `${V1}/unknown-tokens`);
  assert.equal(await stored('IMP-1'), undefined, 'known tokens are not recorded');

  await app.request('POST', `${V1}/tokens`, { body: { idTag: 'UNK-AUTH' } });
  await csv('idTag\nUNK-START\n');
  const after = await app.request('GET', `${V1}/unknown-tokens`);
  assert.ok(!after.body.items.some((t: any) => t.idTag === 'UNK-AUTH' || t.idTag === 'UNK-START'), 'created and imported tokens are no longer unknown');
});

test('auth: every token endpoint needs a key; a read-only key reads and exports but may not change anything', async () => {
  await app.request('POST', `${V1}/tokens`, { body: { idTag: 'AUTH-TAG' } });
  for (const path of ['/tokens', '/tokens/AUTH-TAG', '/tokens/export.csv', '/unknown-tokens']) {
    assert.equal((await app.request('GET', `${V1}${path}`, { key: null })).status, 401, path);
    assert.equal((await app.request('GET', `${V1}${path}`, { key: readKey })).status, 200, path);
  }
  const changes: Array<[string, string, unknown]> = [
    ['POST', '/tokens', { idTag: 'AUTH-NEW' }],
    ['PATCH', '/tokens/AUTH-TAG', { status: 'Blocked' }],
    ['POST', '/tokens/AUTH-TAG/block', undefined],
    ['POST', '/tokens/AUTH-TAG/unblock', undefined],
    ['DELETE', '/tokens/AUTH-TAG', undefined],
  ];
  for (const [method, path, body] of changes) {
    assert.equal((await app.request(method, `${V1}${path}`, { key: null, body })).status, 401, `${method} ${path}`);
    assert.equal((await app.request(method, `${V1}${path}`, { key: readKey, body })).status, 403, `${method} ${path}`);
  }
  assert.equal((await csv('idTag\nAUTH-CSV\n', null)).status, 401);
  assert.equal((await csv('idTag\nAUTH-CSV\n', readKey)).status, 403);
  assert.equal((await app.request('GET', `${V1}/tokens/AUTH-TAG`)).body.status, 'Accepted');
  assert.equal((await app.request('GET', `${V1}/tokens/AUTH-NEW`)).status, 404);
  assert.equal((await app.request('GET', `${V1}/tokens/AUTH-CSV`)).status, 404);
});

test('the OpenAPI document lists the token routes, the import as text/csv', async () => {
  const doc = await app.request('GET', `${V1}/openapi.json`, { key: null });
  for (const path of ['/api/v1/tokens', '/api/v1/tokens/{idTag}', '/api/v1/tokens/{idTag}/block', '/api/v1/tokens/{idTag}/unblock', '/api/v1/tokens/import', '/api/v1/tokens/export.csv', '/api/v1/unknown-tokens']) {
    assert.ok(doc.body.paths[path], path);
  }
  assert.ok(doc.body.paths['/api/v1/tokens/import'].post.requestBody.content['text/csv']);
  assert.ok(doc.body.paths['/api/v1/tokens/export.csv'].get.responses['200'].content['text/csv']);
});
