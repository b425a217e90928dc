// The security screens in Chromium against a real Plugboard: a station's security events appear
// live (SSE security.event, no reload) on its Security tab and on the fleet's Security page, and
// GetLog is requested from the station page and its uploaded file listed for download.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { acceptedCharger } from '../e2e/support.ts';
import { jsErrors, launchBrowser, newPage, screenshot, signIn, skipReason, type TestBrowser } from './browser.ts';

const skip = skipReason ?? false;
let app: TestApp;
let b: TestBrowser;
let page: Page;
let cp: SimulatedCharger;

before(async () => {
  if (skip) return;
  app = await startOpenApp();
  cp = await acceptedCharger(app, 'CP-SEC-UI', {
    handlers: {
      ExtendedTriggerMessage: () => ({ status: 'Accepted' }),
      GetLog: (req: { requestId: number; log: { remoteLocation: string } }) => {
        void new Promise((r) => setImmediate(r)).then(async () => {
          await cp.call('LogStatusNotification', { status: 'Uploading', requestId: req.requestId });
          await fetch(`${req.log.remoteLocation}security.log`, { method: 'PUT', body: 'line 1\nline 2\n' });
          await cp.call('LogStatusNotification', { status: 'Uploaded', requestId: req.requestId });
        });
        return { status: 'Accepted', filename: 'security.log' };
      },
    },
  });
  b = await launchBrowser();
  ({ page } = await newPage(b, app.httpUrl()));
  await signIn(page, ADMIN_KEY);
});

after(async () => {
  if (skip) return;
  await b?.close();
  await app?.cleanup();
});

test('security events show up live on the station tab and the fleet page; a critical one is marked', { skip }, async () => {
  await page.goto('/stations/CP-SEC-UI?tab=security');
  await page.getByText('No security event reported.').waitFor();
  await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: new Date().toISOString(), techInfo: 'lid opened' });
  const row = page.locator('[data-testid=security-events] tr', { hasText: 'TamperDetectionActivated' });
  await row.waitFor();
  assert.match(await row.innerText(), /critical/);
  assert.match(await row.innerText(), /lid opened/);
  await screenshot(page, 'station-security');

  await page.goto('/security-events');
  await page.locator('[data-testid=security-events] tr', { hasText: 'TamperDetectionActivated' }).waitFor();
  await cp.call('SecurityEventNotification', { type: 'InvalidMessages', timestamp: new Date().toISOString() });
  await page.locator('[data-testid=security-events] tr', { hasText: 'InvalidMessages' }).waitFor();
  await page.getByLabel('Critical only').check();
  await page.locator('[data-testid=security-events] tr', { hasText: 'InvalidMessages' }).waitFor({ state: 'detached' });
  // The filtered list may still be loading when the old rows have gone (CI on a busy machine saw 0 rows): wait for it.
  const tamper = page.locator('[data-testid=security-events] tr', { hasText: 'TamperDetectionActivated' });
  await tamper.first().waitFor();
  assert.equal(await tamper.count(), 1);
  await screenshot(page, 'security-events');
  assert.deepEqual(jsErrors(page), []);
});

test('GetLog from the station page: the uploaded log is listed for download', { skip }, async () => {
  await page.goto('/stations/CP-SEC-UI?tab=security');
  await page.getByRole('button', { name: 'Send GetLog' }).click();
  const row = page.locator('[data-testid=log-requests] tr', { hasText: 'SecurityLog' });
  await row.waitFor();
  await row.getByRole('button', { name: 'security.log' }).waitFor();
  await row.getByText('Uploaded').waitFor();
  assert.equal(cp.received.filter((r) => r.action === 'GetLog').length, 1);
  assert.deepEqual(jsErrors(page), []);
});

test('the Actions tab sends ExtendedTriggerMessage for the messages only it can trigger', { skip }, async () => {
  await page.goto('/stations/CP-SEC-UI?tab=actions');
  const trigger = page.locator('.action-card', { has: page.getByRole('heading', { name: 'Trigger message' }) });
  await trigger.locator('select').first().selectOption('LogStatusNotification');
  await trigger.getByRole('button', { name: 'Send' }).click();
  await trigger.locator('.answer .badge', { hasText: 'Accepted' }).waitFor();
  assert.deepEqual(cp.received.filter((r) => r.action === 'ExtendedTriggerMessage').map((r) => r.payload), [{ requestedMessage: 'LogStatusNotification' }]);
  assert.deepEqual(jsErrors(page), []);
});
