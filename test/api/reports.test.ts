// Transaction reports (CSV and JSON) for a date range: content from real chargers, energy as
// exact kWh strings, validation and auth, and streaming of a large range.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startTestApp, ADMIN_KEY, type TestApp } from '../helpers/app.ts';
import { scaleDecimal, whToKWh, readingToWh } from '../../src/modules/transactions/energy.ts';

const V1 = '/api/v1';
const PASSWORD = 'station-password-0001';
const HOUR = 3_600_000;

let app: TestApp;
let readKey: string;
const ids: Record<string, number> = {};
const t0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();
const enc = encodeURIComponent;

function assertValidation(res: { status: number; body: any }, field: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.match(res.body.message, new RegExp(field), `the message names ${field}: ${res.body.message}`);
}

before(async () => {
  app = await startTestApp();
  readKey = (await app.request('POST', `${V1}/api-keys`, { body: { name: 'reader', role: 'read' } })).body.key;
  await app.request('POST', `${V1}/tokens`, { body: { idTag: 'TAG-R', allowConcurrent: true } });
  for (const id of ['REP-1', 'REP-2']) await app.request('POST', `${V1}/stations`, { body: { id, password: PASSWORD } });
  const cp = app.charger('REP-1', { password: PASSWORD });
  await cp.connect();
  await cp.boot();
  const cp2 = app.charger('REP-2', { password: PASSWORD });
  await cp2.connect();
  await cp2.boot();

  ids.before = (await cp.startTransaction(1, 'TAG-R', 0, at(-HOUR))).transactionId;
  await cp.stopTransaction(ids.before, 100, { timestamp: at(-HOUR / 2) });
  ids.a = (await cp.startTransaction(1, 'TAG-R', 1000, at(0))).transactionId;
  await cp.stopTransaction(ids.a, 13_345, { timestamp: at(HOUR + 1500), reason: 'EVDisconnected' });
  ids.b = (await cp2.startTransaction(2, '=1+2', 5, at(2 * HOUR))).transactionId;
  await cp2.stopTransaction(ids.b, 10, { timestamp: at(2 * HOUR + 60_000), reason: 'Remote' });
  ids.running = (await cp.startTransaction(2, 'TAG-R', 0, at(3 * HOUR))).transactionId;
  ids.after = (await cp.startTransaction(3, 'TAG-R', 0, at(24 * HOUR))).transactionId;
});
after(() => app.cleanup());

const range = `from=${enc(at(0))}&to=${enc(at(24 * HOUR))}`;

test('energy arithmetic is exact: decimal strings, never floats', () => {
  assert.equal(whToKWh(12_345), '12.345');
  assert.equal(whToKWh(5), '0.005');
  assert.equal(whToKWh(0), '0.000');
  assert.equal(whToKWh(-500), '-0.500');
  assert.equal(whToKWh(9_007_199_254_740_991), '9007199254740.991');
  assert.equal(readingToWh('1.0005', 'kWh'), 1001, 'a float would make this 1000.4999... and round down');
  assert.equal(readingToWh('1.2344', 'kWh'), 1234);
  assert.equal(readingToWh('12', 'Wh'), 12);
  assert.equal(readingToWh('12.5', 'Wh'), 13);
  assert.equal(readingToWh('.5', 'kWh'), 500);
  assert.equal(readingToWh('-0.0004', 'kWh'), 0);
  assert.equal(readingToWh('-1.5', 'Wh'), -2);
  assert.equal(readingToWh('1e3', 'Wh'), null);
  assert.equal(readingToWh('', 'Wh'), null);
  assert.equal(readingToWh('12', 'varh'), null);
  assert.equal(scaleDecimal('99999999999999999999', 0), null, 'beyond safe integers is refused, not rounded');
});

test('CSV: the transactions started in [from, to), oldest first, with kWh to three decimals', async () => {
  const res = await app.request('GET', `${V1}/reports/transactions.csv?${range}`, { key: readKey });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="transactions_2026-03-01_2026-03-02.csv"');
  const lines = res.text.trimEnd().split('\n');
  assert.equal(lines[0], 'transactionId,stationId,connectorId,idTag,startTimestamp,stopTimestamp,energyKWh,durationSeconds,stopReason');
  assert.deepEqual(lines.slice(1), [
    `${ids.a},REP-1,1,TAG-R,${at(0)},${at(HOUR + 1500)},12.345,3602,EVDisconnected`,
    `${ids.b},REP-2,2,'=1+2,${at(2 * HOUR)},${at(2 * HOUR + 60_000)},0.005,60,Remote`,
    `${ids.running},REP-1,2,TAG-R,${at(3 * HOUR)},,,,`,
  ]);
  const one = await app.request('GET', `${V1}/reports/transactions.csv?${range}&stationId=REP-2`);
  assert.equal(one.text.trimEnd().split('\n').length, 2);
  assert.match(one.text, /'=1\+2/, 'a charger-supplied formula is neutralised for spreadsheets');
  const empty = await app.request('GET', `${V1}/reports/transactions.csv?from=${enc(at(100 * HOUR))}&to=${enc(at(101 * HOUR))}`);
  assert.equal(empty.status, 200);
  assert.equal(empty.text, `${lines[0]}\n`, 'no rows: the header alone');
});

test('JSON: the same rows as one array, energy as a string, nothing lost to floats', async () => {
  const res = await app.request('GET', `${V1}/reports/transactions.json?${range}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(res.body, [
    { transactionId: ids.a, stationId: 'REP-1', connectorId: 1, idTag: 'TAG-R', startTimestamp: at(0), stopTimestamp: at(HOUR + 1500), energyKWh: '12.345', durationSeconds: 3602, stopReason: 'EVDisconnected' },
    { transactionId: ids.b, stationId: 'REP-2', connectorId: 2, idTag: '=1+2', startTimestamp: at(2 * HOUR), stopTimestamp: at(2 * HOUR + 60_000), energyKWh: '0.005', durationSeconds: 60, stopReason: 'Remote' },
    { transactionId: ids.running, stationId: 'REP-1', connectorId: 2, idTag: 'TAG-R', startTimestamp: at(3 * HOUR), stopTimestamp: null, energyKWh: null, durationSeconds: null, stopReason: null },
  ]);
  const empty = await app.request('GET', `${V1}/reports/transactions.json?from=${enc(at(100 * HOUR))}&to=${enc(at(101 * HOUR))}`);
  assert.deepEqual(empty.body, []);
  const offsets = await app.request('GET', `${V1}/reports/transactions.json?from=${enc('2026-03-01T01:00:00+01:00')}&to=${enc('2026-03-01T01:00:01+01:00')}`);
  assert.deepEqual(offsets.body.map((r: any) => r.transactionId), [ids.a], 'zone offsets are normalised');
});

test('validation: from and to are required ISO-8601 instants, from before to; auth as for any read', async () => {
  for (const ext of ['csv', 'json']) {
    const path = `${V1}/reports/transactions.${ext}`;
    assertValidation(await app.request('GET', `${path}?to=${enc(at(0))}`), 'from');
    assertValidation(await app.request('GET', `${path}?from=${enc(at(0))}`), 'to');
    assertValidation(await app.request('GET', `${path}?from=March&to=${enc(at(0))}`), 'from');
    assertValidation(await app.request('GET', `${path}?from=${enc(at(HOUR))}&to=${enc(at(0))}`), 'from must be before to');
    assertValidation(await app.request('GET', `${path}?${range}&stationId=`), 'stationId');
    assert.equal((await app.request('GET', `${path}?${range}`, { key: null })).status, 401);
    assert.equal((await app.request('GET', `${path}?${range}`, { key: readKey })).status, 200);
  }
});

test('the report reads its rows lazily in keyset chunks: a row added mid-export at the end of the range is included', async () => {
  const seen: number[] = [];
  const rangeOf = { from: at(0), to: at(24 * HOUR), stationId: 'REP-1' };
  for await (const t of app.ctx.services.transactions.startedBetween(rangeOf, 1)) {
    seen.push(t.id);
    if (seen.length === 1) {
      const cp = app.charger('REP-1', { password: PASSWORD });
      await cp.connect();
      ids.late = (await cp.startTransaction(5, 'TAG-R', 0, at(20 * HOUR))).transactionId;
      await cp.close();
    }
  }
  assert.deepEqual(seen, [ids.a, ids.running, ids.late]);
});

test('20,000 transactions: the CSV export has every one, arrives in pieces, and starts long before it ends', async () => {
  const N = 20_000;
  const base = Date.parse('2025-01-01T00:00:00.000Z');
  const rows = Array.from({ length: N }, (_, i) => ({
    station_id: 'BULK-1',
    connector_id: 1 + (i % 2),
    id_tag: `BULK-${i % 50}`,
    start_id_tag_status: 'Accepted',
    reservation_id: null,
    meter_start: 1_000_000 + i,
    start_timestamp: new Date(base + i * 60_000).toISOString(),
    meter_stop: 1_000_000 + i + i * 7,
    stop_timestamp: new Date(base + i * 60_000 + 1800_000).toISOString(),
    stop_reason: 'EVDisconnected',
    stop_id_tag: null,
    received_start_at: new Date(base).toISOString(),
    received_stop_at: new Date(base).toISOString(),
  }));
  await app.ctx.db.write(async (trx) => {
    for (let i = 0; i < N; i += 500) await trx.insertInto('transactions').values(rows.slice(i, i + 500)).execute();
  });
  const query = `from=${enc('2025-01-01T00:00:00Z')}&to=${enc('2026-01-01T00:00:00Z')}&stationId=BULK-1`;

  const started = performance.now();
  const res = await fetch(`${app.httpUrl()}${V1}/reports/transactions.csv?${query}`, { headers: { 'x-api-key': ADMIN_KEY } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), null, 'no length up front: the body is produced while it is sent');
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let pieces = 0;
  let firstPieceAt = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (pieces++ === 0) firstPieceAt = performance.now() - started;
    text += decoder.decode(value, { stream: true });
  }
  const total = performance.now() - started;
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, N + 1, 'header and every transaction');
  const records: string[][] = parse(text, { from_line: 2 });
  assert.equal(new Set(records.map((r) => r[0])).size, N, 'no transaction twice across keyset chunks');
  assert.deepEqual(records[0].slice(1), ['BULK-1', '1', 'BULK-0', '2025-01-01T00:00:00.000Z', '2025-01-01T00:30:00.000Z', '0.000', '1800', 'EVDisconnected']);
  const last = records[N - 1];
  assert.equal(last[4], new Date(base + (N - 1) * 60_000).toISOString(), 'ordered by start time');
  assert.equal(last[6], whToKWh((N - 1) * 7));
  assert.ok(pieces >= 10, `the body arrived in ${pieces} pieces`);
  // A server that built the whole body first would send its first byte at the very end.
  assert.ok(firstPieceAt < total / 2, `first bytes after ${firstPieceAt.toFixed(0)} ms of ${total.toFixed(0)} ms`);

  const json = await app.request('GET', `${V1}/reports/transactions.json?${query}`);
  assert.equal(json.headers.get('content-length'), null);
  assert.equal(json.body.length, N);
  assert.equal(json.body[N - 1].energyKWh, whToKWh((N - 1) * 7));
});

test('a client that goes away mid-export leaves the server serving', async () => {
  const query = `from=${enc('2025-01-01T00:00:00Z')}&to=${enc('2026-01-01T00:00:00Z')}&stationId=BULK-1`;
  for (const ext of ['csv', 'json']) {
    const abort = new AbortController();
    const res = await fetch(`${app.httpUrl()}${V1}/reports/transactions.${ext}?${query}`, { headers: { 'x-api-key': ADMIN_KEY }, signal: abort.signal });
    const reader = res.body!.getReader();
    assert.ok((await reader.read()).value);
    abort.abort();
    await assert.rejects(reader.read());
  }
  assert.equal((await app.request('GET', '/health', { key: null })).status, 200);
  const again = await app.request('GET', `${V1}/reports/transactions.json?${query}`);
  assert.equal(again.body.length, 20_000);
});

test('the OpenAPI document lists the report routes with their media types', async () => {
  const doc = await app.request('GET', `${V1}/openapi.json`, { key: null });
  assert.ok(doc.body.paths['/api/v1/reports/transactions.csv'].get.responses['200'].content['text/csv']);
  assert.ok(doc.body.paths['/api/v1/reports/transactions.json'].get.responses['200'].content['application/json']);
  const params = doc.body.paths['/api/v1/reports/transactions.csv'].get.parameters;
  assert.ok(params.find((p: any) => p.name === 'from' && p.required));
  assert.ok(params.find((p: any) => p.name === 'to' && p.required));
});
