// The station page's Device model tab in Chromium against a real Plugboard: a 2.0.1 station's
// reported components and variables, one variable read (GetVariables) and set (SetVariables)
// from the page. A 1.6 station has no such tab.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, startOpenApp, type TestApp } from '../helpers/app.ts';
import type { SimulatedCharger } from '../../src/simulator/charger.ts';
import { jsErrors, launchBrowser, newPage, screenshot, signIn, skipReason, type TestBrowser } from './browser.ts';

const skip = skipReason ?? false;
let app: TestApp;
let b: TestBrowser;
let page: Page;
let cp: SimulatedCharger;
const values: Record<string, string> = { 'OCPPCommCtrlr/HeartbeatInterval': '300' };

before(async () => {
  if (skip) return;
  app = await startOpenApp();
  for (const id of ['UI-DM-201', 'UI-DM-16']) {
    assert.equal((await app.request('POST', '/api/v1/stations', { body: { id, registrationStatus: 'Accepted', securityProfile: 0 } })).status, 201);
  }
  cp = app.charger('UI-DM-201', {
    protocols: ['ocpp2.0.1'],
    handlers: {
      GetVariables: (p: any) => ({ getVariableResult: p.getVariableData.map((d: any) => ({ attributeStatus: 'Accepted', attributeValue: values[`${d.component.name}/${d.variable.name}`], component: d.component, variable: d.variable })) }),
      SetVariables: (p: any) => ({
        setVariableResult: p.setVariableData.map((d: any) => {
          values[`${d.component.name}/${d.variable.name}`] = d.attributeValue;
          return { attributeStatus: 'Accepted', component: d.component, variable: d.variable };
        }),
      }),
    },
  });
  await cp.connect();
  const res = await app.request('POST', '/api/v1/stations/UI-DM-201/device-model/base-report', { body: { reportBase: 'FullInventory' } });
  await cp.call('NotifyReport', {
    requestId: res.body.requestId, seqNo: 0, generatedAt: new Date().toISOString(),
    reportData: [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, variableAttribute: [{ type: 'Actual', value: '300', mutability: 'ReadWrite' }], variableCharacteristics: { dataType: 'integer', unit: 's', supportsMonitoring: false } },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' }, variableAttribute: [{ type: 'Actual', value: 'Available', mutability: 'ReadOnly' }] },
    ],
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

test('the Device model tab lists components and variables, reads and sets one', { skip }, async () => {
  await page.goto('/stations/UI-DM-201?tab=device-model');
  const card = page.locator('.card', { hasText: 'Device model' });
  await card.getByRole('button', { name: 'EVSE (EVSE 1)' }).waitFor();
  const row = card.locator('tr[data-key="OCPPCommCtrlr/HeartbeatInterval"]');
  await row.getByText('300').waitFor();
  await screenshot(page, 'station-device-model');

  values['OCPPCommCtrlr/HeartbeatInterval'] = '450';
  await row.getByRole('button', { name: 'Get' }).click();
  await row.getByText('450').waitFor();

  await row.getByRole('button', { name: 'Set' }).click();
  await row.getByLabel('New value for OCPPCommCtrlr/HeartbeatInterval').fill('900');
  await row.getByRole('button', { name: 'Save' }).click();
  await row.locator('.badge', { hasText: 'Accepted' }).waitFor();
  assert.equal(values['OCPPCommCtrlr/HeartbeatInterval'], '900');
  assert.ok(cp.received.some((c) => c.action === 'SetVariables'));

  // Only EVSE 1's variables when its component is picked; the read-only one has no Set.
  await card.getByRole('button', { name: 'EVSE (EVSE 1)' }).click();
  const evseRow = card.locator('tr[data-key="EVSE/1/AvailabilityState"]');
  await evseRow.getByText('read-only').waitFor();
  await row.waitFor({ state: 'detached' });

  await page.goto('/stations/UI-DM-16');
  await page.getByRole('heading', { name: /UI-DM-16/ }).first().waitFor();
  assert.equal(await page.getByRole('tab', { name: 'Device model' }).count() + await page.getByRole('button', { name: 'Device model' }).count(), 0);
  assert.deepEqual(jsErrors(page), []);
});
