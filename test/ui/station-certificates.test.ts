// The station page's Certificates tab in Chromium against a real Plugboard: the certificate the
// built-in CA issued after a SignCertificate, revoked from the page; a root certificate
// installed from the page and then in the inventory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, eventually, startOpenApp, type TestApp } from '../helpers/app.ts';
import { opensslCa, opensslKey } from '../helpers/openssl-pki.ts';
import { certificateStation } from '../e2e/certificate-station.ts';
import { jsErrors, launchBrowser, newPage, screenshot, signIn, skipReason, type TestBrowser } from './browser.ts';

const skip = skipReason ?? false;
let app: TestApp;
let b: TestBrowser;
let page: Page;
const st = certificateStation({ serialNumber: 'SN-UI-CERT' });

before(async () => {
  if (skip) return;
  app = await startOpenApp({ certificates: { renewalCheckIntervalSeconds: 0 } });
  await st.connect(app, 'CP-UI-CERT');
  await st.signCertificate();
  await eventually(() => st.chains[0], 15_000, 'CertificateSigned');
  b = await launchBrowser();
  ({ page } = await newPage(b, app.httpUrl()));
  await signIn(page, ADMIN_KEY);
});

after(async () => {
  if (skip) return;
  await b?.close();
  await app?.cleanup();
});

test('the Certificates tab shows the issued certificate, revokes it, and installs a root', { skip }, async () => {
  await page.goto('/stations/CP-UI-CERT?tab=certificates');
  const issued = page.locator('.card', { hasText: 'Station certificates' });
  const row = issued.locator('table thead + tbody tr').first();
  await row.getByText('CN=SN-UI-CERT').waitFor();
  await row.locator('.badge', { hasText: /^valid$/ }).waitFor();
  await screenshot(page, 'station-certificates');
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.locator('.badge', { hasText: /^revoked$/ }).waitFor();
  const [cert] = await app.ctx.services.certificates.listIssued({ stationId: 'CP-UI-CERT' });
  assert.ok(cert.revoked_at);

  const inventory = page.locator('.card', { hasText: 'Installed root certificates' });
  await inventory.getByText('Install a certificate').click();
  await inventory.locator('textarea').fill(opensslCa(opensslKey('ec-p256'), '/O=UI Root Org/CN=UI Root', 30));
  await inventory.getByRole('button', { name: 'Install (InstallCertificate)' }).click();
  await inventory.locator('tbody tr', { hasText: 'Central System root' }).getByText(/UI Root/).waitFor();
  assert.equal(st.installed.length, 1);
  assert.deepEqual(jsErrors(page), []);
});
