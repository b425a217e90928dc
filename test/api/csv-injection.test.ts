// CSV injection: the token export neutralises cells a spreadsheet would take for a formula
// (= + - @ tab CR), as the transactions report does, and importing that export gives back the
// same tokens (the escape is undone on import).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { fromSpreadsheetCell, spreadsheetSafe } from '../../src/http/csv.ts';

const V1 = '/api/v1';
let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.cleanup());

// idTag, parentIdTag: each starts the way a formula does (or is an already-escaped one).
const TOKENS: [string, string | null][] = [
  ["=cmd|'/C calc'!A0", null],
  ['=HYPERLINK("x")', '@SUM(A1)'],
  ['+1+1', '-2+3'],
  ['@evil', "'=quoted"],
  ["'+kept", null],
  ['PLAIN-1', '=1+2'],
];

test('spreadsheetSafe escapes formula starts, leaves numbers alone, and fromSpreadsheetCell undoes it', () => {
  for (const cell of ['=1', '+a', '-a', '@a', '\tx', '\rx', "'=a", "''@a"]) {
    assert.equal(spreadsheetSafe(cell), `'${cell}`, cell);
    assert.equal(fromSpreadsheetCell(spreadsheetSafe(cell)), cell, cell);
  }
  for (const cell of ['-0.100', '+5', '42', 'ABC', "'plain", '']) {
    assert.equal(spreadsheetSafe(cell), cell, cell);
    assert.equal(fromSpreadsheetCell(cell), cell, cell);
  }
});

test('token export neutralises formula cells; importing the export restores the same tokens', async () => {
  for (const [idTag, parentIdTag] of TOKENS) {
    const res = await app.request('POST', `${V1}/tokens`, { body: { idTag, ...(parentIdTag ? { parentIdTag } : {}) } });
    assert.equal(res.status, 201, `${idTag}: ${res.text}`);
  }
  const exported = await app.request('GET', `${V1}/tokens/export.csv`);
  assert.equal(exported.status, 200);
  const rows = parse(exported.text, { columns: true }) as Record<string, string>[];
  assert.equal(rows.length, TOKENS.length);
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      assert.doesNotMatch(value, /^[=+\-@\t\r]/, `${column} "${value}" would be a formula in a spreadsheet`);
    }
  }
  const byId = new Map(rows.map((r) => [r.idTag, r]));
  assert.equal(byId.get("'=cmd|'/C calc'!A0")?.parentIdTag, '');
  assert.equal(byId.get("'=HYPERLINK(\"x\")")?.parentIdTag, "'@SUM(A1)");
  assert.equal(byId.get("''+kept")?.idTag, "''+kept", 'an already-escaped-looking value gets one more apostrophe');
  assert.equal(byId.get('PLAIN-1')?.parentIdTag, "'=1+2");

  for (const [idTag] of TOKENS) assert.equal((await app.request('DELETE', `${V1}/tokens/${encodeURIComponent(idTag)}`)).status, 204, idTag);
  const imported = await app.request('POST', `${V1}/tokens/import`, { body: exported.text, headers: { 'content-type': 'text/csv' } });
  assert.equal(imported.status, 200, imported.text);
  const list = await app.request('GET', `${V1}/tokens?limit=100`);
  const back = new Map((list.body.items as { idTag: string; parentIdTag: string | null }[]).map((t) => [t.idTag, t.parentIdTag]));
  assert.deepEqual(back, new Map(TOKENS), 'the round trip keeps idTags and parents as they were');
});
