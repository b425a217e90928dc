// The dashboard's formatting of when things happened, run by Node from ui/src/lib/format.ts (the
// process's own zone and locale: the assertions hold in any).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtDayTime } from '../../ui/src/lib/format.ts';

test('session times always carry their day: today and yesterday by name, other days with date and year', () => {
  const now = new Date(2026, 11, 3, 15, 30);
  const today = fmtDayTime(new Date(2026, 11, 3, 14, 2).toISOString(), now);
  const yesterday = fmtDayTime(new Date(2026, 11, 2, 23, 59).toISOString(), now);
  const older = fmtDayTime(new Date(2026, 10, 28, 9, 5).toISOString(), now);
  const lastYear = fmtDayTime(new Date(2025, 11, 3, 14, 2).toISOString(), now);
  const expected = (d: Date) => new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(d);
  assert.equal(today, `${new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(0, 'day')}, ${expected(new Date(2026, 11, 3, 14, 2))}`);
  assert.equal(yesterday, `${new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(-1, 'day')}, ${expected(new Date(2026, 11, 2, 23, 59))}`);
  assert.notEqual(today.split(', ')[0], yesterday.split(', ')[0]);
  assert.match(older, /2026/);
  assert.match(older, /28/);
  assert.match(lastYear, /2025/);
  // To the minute, not the second: a list row stays short (the cell's title has the seconds).
  assert.doesNotMatch(older, /\d:\d\d:\d\d/);
  assert.equal(fmtDayTime(null, now), '—');
});
