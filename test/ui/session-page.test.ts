// The session page in Chromium against a real Plugboard: sessions a simulated charger ran with
// chosen timestamps and meter values, and what the chart makes of them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { jsErrors, launchBrowser, newPage, screenshot, signIn, skipReason, TIME_ZONE, type TestBrowser } from './browser.ts';

const skip = skipReason ?? false;
let app: TestApp;
let b: TestBrowser;
let page: Page;
let cp: SimulatedCharger;

const E = 'Energy.Active.Import.Register';
const iso = (ms: number) => new Date(ms).toISOString();
type Sample = { value: string; measurand: string; unit: string; context?: string };

async function meterValues(transactionId: number, at: number, sampledValue: Sample[]) {
  await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: iso(at), sampledValue }] });
}

before(async () => {
  if (skip) return;
  app = await startOpenApp();
  assert.equal((await app.request('POST', '/api/v1/tokens', { body: { idTag: 'CHART-1' } })).status, 201);
  cp = app.charger('CP-CHART-1');
  await cp.connect();
  await cp.boot({ chargePointVendor: 'Acme', chargePointModel: 'Volt 50' });
  await cp.status(1, 'Available');
  b = await launchBrowser();
  ({ page } = await newPage(b, app.httpUrl()));
  await signIn(page, ADMIN_KEY);
});

after(async () => {
  if (skip) return;
  await b?.close();
  await app?.cleanup();
});

/** The numbers of one axis's labels, and a check that they climb by one nice step. */
async function axisValues(selector: string): Promise<number[]> {
  const values = (await page.locator(selector).allTextContents()).map(Number);
  assert.ok(values.length >= 3, `${selector}: ${values.join(', ')}`);
  const step = values[1] - values[0];
  const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(6));
  assert.ok([1, 2, 2.5, 5].includes(mantissa), `${selector}: a nice step, not ${step} (${values.join(', ')})`);
  values.forEach((v, i) => assert.ok(Math.abs(v - i * step) < 1e-9, `${selector}: ${values.join(', ')} climb by ${step}`));
  return values;
}

test('a three-minute session: distinct time ticks with seconds, nice axis steps, nothing drawn past the stop', { skip }, async () => {
  const start = Date.now() - 10 * 60_000;
  const stop = start + 180_000;
  // 44 kW for three minutes, a reading every 20 s, energy only (power is derived from it).
  const { transactionId } = await cp.startTransaction(1, 'CHART-1', 500_000, iso(start));
  for (let s = 20; s <= 180; s += 20) await meterValues(transactionId, start + s * 1000, [{ value: String(500_000 + Math.round((44_000 * s) / 3600)), measurand: E, unit: 'Wh' }]);
  // A reading stamped two minutes after the stop (a late or skewed sample): not part of the session.
  await meterValues(transactionId, stop + 120_000, [{ value: '503300', measurand: E, unit: 'Wh' }]);
  await cp.stopTransaction(transactionId, 502_200, { timestamp: iso(stop) });

  await page.goto(`/sessions/${transactionId}`);
  const chart = page.locator('.chart svg').first();
  await chart.locator('path.energy-line').waitFor();
  await chart.locator('path.power-line').waitFor();
  await screenshot(page, 'session-three-minutes');

  // The time labels: the axis texts that are neither energy nor power.
  const times = await chart.locator('text.axis:not(.energy):not(.power)').allTextContents();
  assert.ok(times.length >= 3, `time ticks: ${times.join(' | ')}`);
  assert.equal(new Set(times).size, times.length, `distinct time ticks: ${times.join(' | ')}`);
  for (const t of times) assert.match(t, /\d:\d\d:\d\d/, `a few-minute span shows seconds: ${t}`);

  const energy = await axisValues('.chart svg >> nth=0 >> text.axis.energy:not(.unit)');
  assert.ok(energy.at(-1)! >= 2.2 && energy.at(-1)! < 3, `energy axis to ${energy.at(-1)} kWh`);
  const power = await axisValues('.chart svg >> nth=0 >> text.axis.power:not(.unit)');
  assert.ok(power.at(-1)! >= 44 && power.at(-1)! <= 60, `power axis to ${power.at(-1)} kW, the derived 44 kW`);

  // The right edge of the plot is the stop: the energy there is the meter stop, not the later reading.
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width - 53, box.y + box.height / 2);
  const readout = page.locator('.chart-readout');
  await readout.filter({ hasText: 'kWh' }).waitFor();
  assert.match((await readout.textContent())!, / 2\.20 kWh · 4[34]\.\d kW/);
  assert.doesNotMatch((await readout.textContent())!, /3\.30/);
});

test('a 23 ms session is not drawn: it says it is too short to chart', { skip }, async () => {
  const start = Date.now() - 5 * 60_000;
  const { transactionId } = await cp.startTransaction(1, 'CHART-1', 600_000, iso(start));
  await cp.stopTransaction(transactionId, 600_001, {
    timestamp: iso(start + 23),
    transactionData: [{ timestamp: iso(start + 23), sampledValue: [{ value: '600001', measurand: E, unit: 'Wh', context: 'Transaction.End' }] }],
  });
  await page.goto(`/sessions/${transactionId}`);
  await page.getByText('too short to chart').waitFor();
  assert.equal(await page.locator('.chart').count(), 0);
  await screenshot(page, 'session-23ms');
});

test('a state of charge the charger reports is charted on a 0–100 % axis', { skip }, async () => {
  const start = Date.now() - 30 * 60_000;
  const { transactionId } = await cp.startTransaction(1, 'CHART-1', 700_000, iso(start));
  // 20 minutes at 22 kW, the car going from 35 % to 62 %.
  for (let m = 2; m <= 20; m += 2) {
    await meterValues(transactionId, start + m * 60_000, [
      { value: String(700_000 + Math.round((22_000 * m) / 60)), measurand: E, unit: 'Wh' },
      { value: '22000', measurand: 'Power.Active.Import', unit: 'W' },
      { value: String(35 + Math.round((27 * m) / 20)), measurand: 'SoC', unit: 'Percent' },
    ]);
  }
  await page.goto(`/sessions/${transactionId}`);
  const soc = page.getByRole('img', { name: 'State of charge over the session' });
  await soc.locator('path').first().waitFor();
  await page.locator('.chart-legend', { hasText: 'State of charge (%)' }).waitFor();
  const labels = (await soc.locator('text').allTextContents()).filter((t) => /^\d+$/.test(t)).map(Number);
  assert.deepEqual(labels, [0, 25, 50, 75, 100]);
  // Hovering at the right edge reads the latest SoC.
  const box = (await soc.boundingBox())!;
  await page.mouse.move(box.x + box.width - 53, box.y + box.height / 2);
  await page.locator('.chart-readout', { hasText: '62 %' }).waitFor();
  await screenshot(page, 'session-soc');

  // A session whose charger reports no SoC has no SoC chart.
  await page.goto('/sessions/1');
  await page.locator('.chart path.energy-line').waitFor();
  assert.equal(await page.getByRole('img', { name: 'State of charge over the session' }).count(), 0);
});

test('session lists show the day of each time, not only the time of day', { skip }, async () => {
  // One session three days ago and one a minute ago (besides those of the tests above).
  const old = Date.now() - 3 * 86_400_000;
  const { transactionId } = await cp.startTransaction(1, 'CHART-1', 800_000, iso(old));
  await cp.stopTransaction(transactionId, 812_000, { timestamp: iso(old + 90 * 60_000) });
  const recent = await cp.startTransaction(1, 'CHART-1', 812_000, iso(Date.now() - 60_000));
  await cp.stopTransaction(recent.transactionId, 812_500);
  const dayOf = (ms: number) => new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(ms));
  const sessions = (await app.request('GET', '/api/v1/transactions?limit=50')).body.items as Array<{ id: number; startTimestamp: string }>;
  const check = async () => {
    for (const t of sessions) {
      const started = new Date(t.startTimestamp).getTime();
      const cell = page.locator(`tr[data-session="${t.id}"] td`, { hasText: /\d:\d\d/ }).first();
      const text = (await cell.textContent())!;
      // "today" when the operator's day is today (New York), else the date with its year.
      if (dayOf(started) === dayOf(Date.now())) assert.match(text, /^today, \d\d:\d\d [AP]M$/, `session ${t.id}: ${text}`);
      else assert.ok(text.startsWith(dayOf(started)) || /^yesterday, /.test(text), `session ${t.id}: ${text} shows ${dayOf(started)}`);
    }
  };
  await page.goto('/sessions');
  await page.locator(`tr[data-session="${transactionId}"]`).waitFor();
  await check();
  await screenshot(page, 'sessions-dates');
  await page.goto('/stations/CP-CHART-1?tab=sessions');
  await page.locator(`tr[data-session="${transactionId}"]`).waitFor();
  await check();
  assert.match((await page.locator(`tr[data-session="${transactionId}"]`).textContent())!, new RegExp(dayOf(old)));
});

test('an admin closes a stuck session from its page, with a reason; a read-only key has no such button', { skip }, async () => {
  const { transactionId } = await cp.startTransaction(2, 'CHART-1', 900_000, iso(Date.now() - 5 * 60_000));
  await page.goto(`/sessions/${transactionId}`);
  await page.getByRole('heading', { name: new RegExp(`Session #${transactionId}`) }).locator('.badge', { hasText: 'active' }).waitFor();
  // Asks first: the form says what happens, and Cancel leaves the session alone.
  await page.getByRole('button', { name: 'Close session…' }).click();
  const form = page.getByRole('form', { name: `Close session #${transactionId}` });
  await form.getByText('without the charger').waitFor();
  await form.getByRole('button', { name: 'Cancel' }).click();
  await form.waitFor({ state: 'detached' });
  assert.equal((await app.request('GET', `/api/v1/transactions/${transactionId}`)).body.active, true);

  await page.getByRole('button', { name: 'Close session…' }).click();
  await form.getByLabel('Reason (optional)').fill('charger replaced, no stop will come');
  await screenshot(page, 'session-close');
  await form.getByRole('button', { name: 'Close session', exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(`Session #${transactionId}`) }).locator('.badge', { hasText: 'completed' }).waitFor();
  await page.locator('.kv dd', { hasText: '(charger replaced, no stop will come)' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Close session|Stop session/ }).count(), 0);
  const closed = (await app.request('GET', `/api/v1/transactions/${transactionId}`)).body;
  assert.equal(closed.active, false);
  assert.equal(closed.stopReason, 'charger replaced, no stop will come');
  // Nothing went to the charger.
  assert.equal(cp.received.filter((r) => r.action === 'RemoteStopTransaction').length, 0);

  const open = await cp.startTransaction(2, 'CHART-1', 900_100, iso(Date.now() - 60_000));
  const created = await app.request('POST', '/api/v1/api-keys', { body: { name: 'viewer', role: 'read' } });
  assert.equal(created.status, 201);
  const { context, page: ro } = await newPage(b, app.httpUrl());
  try {
    await signIn(ro, created.body.key);
    await ro.goto(`/sessions/${open.transactionId}`);
    await ro.getByRole('heading', { name: new RegExp(`Session #${open.transactionId}`) }).locator('.badge', { hasText: 'active' }).waitFor();
    assert.equal(await ro.getByRole('button', { name: /Close session/ }).count(), 0);
  } finally {
    await context.close();
  }
});

test('no JavaScript error on the session pages', { skip }, () => {
  assert.deepEqual(jsErrors(page), []);
});
