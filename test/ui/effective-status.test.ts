// Effective connector status on the dashboard, in Chromium against a real Plugboard: a station
// that went away shows Offline (not the Charging it last reported), a connector that reports
// Charging with no session open shows Unknown, and the overview counts what is shown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, startOpenApp, type TestApp } from '../helpers/app.ts';
import { jsErrors, launchBrowser, newPage, screenshot, signIn, skipReason, type TestBrowser } from './browser.ts';

const skip = skipReason ?? false;
let app: TestApp;
let b: TestBrowser;
let page: Page;

before(async () => {
  if (skip) return;
  app = await startOpenApp();
  assert.equal((await app.request('POST', '/api/v1/tokens', { body: { idTag: 'EFF-1' } })).status, 201);
  // CP-EFF-A: online, connector 1 claims Charging with no session, connector 2 Available.
  const a = app.charger('CP-EFF-A');
  await a.connect();
  await a.boot({ chargePointVendor: 'Acme', chargePointModel: 'Volt 22' });
  await a.status(1, 'Charging');
  await a.status(2, 'Available');
  // CP-EFF-B: charged a real session on connector 1, then went away.
  const bb = app.charger('CP-EFF-B');
  await bb.connect();
  await bb.boot({ chargePointVendor: 'Acme', chargePointModel: 'Volt 22' });
  await bb.startTransaction(1, 'EFF-1', 1000);
  await bb.status(1, 'Charging');
  await bb.status(2, 'Available');
  await bb.close();
  b = await launchBrowser();
  ({ page } = await newPage(b, app.httpUrl()));
  await signIn(page, ADMIN_KEY);
});

after(async () => {
  if (skip) return;
  await b?.close();
  await app?.cleanup();
});

test('the stations list shows effective statuses, with the reason and the last report in the tooltip', { skip }, async () => {
  await page.goto('/stations');
  const chip = (station: string, connector: number) => page.locator(`tr[data-station="${station}"] .chip[data-connector="${connector}"]`);
  await chip('CP-EFF-B', 1).and(page.locator('[data-status="Offline"]')).waitFor();
  assert.equal(await chip('CP-EFF-B', 2).getAttribute('data-status'), 'Offline');
  assert.match((await chip('CP-EFF-B', 1).getAttribute('title'))!, /^Connector 1: Offline: station disconnected since .*\. Last reported Charging at .*\.$/);
  assert.equal(await chip('CP-EFF-A', 1).getAttribute('data-status'), 'Unknown');
  assert.match((await chip('CP-EFF-A', 1).getAttribute('title'))!, /reports Charging but no session is open\. Last reported Charging at /);
  assert.equal(await chip('CP-EFF-A', 2).getAttribute('data-status'), 'Available');
  assert.equal(await page.locator('.chip[data-status="Charging"]').count(), 0);
  // The connector status filter picks by what is shown.
  await page.getByLabel('Connector status').selectOption('Offline');
  await page.locator('tr[data-station="CP-EFF-A"]').waitFor({ state: 'detached' });
  await page.locator('tr[data-station="CP-EFF-B"]').waitFor();
  await screenshot(page, 'stations-effective');
});

test('the station page shows the effective status with why and what was last reported', { skip }, async () => {
  await page.goto('/stations/CP-EFF-B');
  const card = page.locator('.connector[data-connector="1"]');
  await card.locator('.badge', { hasText: 'Offline' }).waitFor();
  await card.getByText(/station disconnected since .* · last reported Charging/).waitFor();
  await page.goto('/stations/CP-EFF-A');
  const a1 = page.locator('.connector[data-connector="1"]');
  await a1.locator('.badge', { hasText: 'Unknown' }).waitFor();
  await a1.getByText(/reports Charging but no session is open · last reported Charging/).waitFor();
  assert.equal(await page.locator('.connector[data-connector="2"] .badge').textContent(), 'Available');
  await screenshot(page, 'station-effective');
});

test('the overview counts connectors by effective status: no Charging without a session', { skip }, async () => {
  await page.goto('/');
  const legend = page.locator('.legend li');
  await legend.filter({ hasText: 'Offline' }).waitFor();
  const counts = Object.fromEntries((await legend.allTextContents()).map((t) => t.trim().split(/\s+/)).map(([s, n]) => [s, Number(n)]));
  assert.deepEqual(counts, { Available: 1, Unknown: 1, Offline: 2 });
  await screenshot(page, 'overview-effective');
});

test('a session closed by the operator turns its Charging connector Unknown live, without a reload', { skip }, async () => {
  const a = app.charger('CP-EFF-A');
  await a.connect();
  await a.boot({ chargePointVendor: 'Acme', chargePointModel: 'Volt 22' });
  const { transactionId } = await a.startTransaction(2, 'EFF-1', 5000);
  await a.status(2, 'Charging');
  await page.goto('/stations');
  await page.evaluate('window.sameDocument = true');
  const chip = page.locator('tr[data-station="CP-EFF-A"] .chip[data-connector="2"]');
  await chip.and(page.locator('[data-status="Charging"]')).waitFor();
  // No StatusNotification follows: only the transaction.stopped event says something changed.
  assert.equal((await app.request('POST', `/api/v1/transactions/${transactionId}/close`, { body: {} })).status, 200);
  await chip.and(page.locator('[data-status="Unknown"]')).waitFor();
  assert.equal(await page.evaluate('window.sameDocument'), true, 'no reload happened');
});

test('no JavaScript error', { skip }, () => {
  assert.deepEqual(jsErrors(page), []);
});
