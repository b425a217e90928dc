// The dashboard's admin pages in Chromium: API keys (create, shown once, listed, revoked) and
// webhooks (create, validation errors from the API, send a test to a real local receiver, the
// delivery in the log, delete); a read-only key sees neither in the navigation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, startTestApp, eventually, type TestApp } from '../helpers/app.ts';
import { jsErrors as allJsErrors, launchBrowser, newPage, screenshot, signIn, skipReason, type TestBrowser } from './browser.ts';

const skip = skipReason ?? false;
// The 400s of the refused forms are the point of those steps, not errors of the page.
const jsErrors = (p: Page) => allJsErrors(p).filter((e) => !/status of 400/.test(e));
let app: TestApp;
let b: TestBrowser;
let page: Page;
let receiver: Server;
const received: Array<{ headers: Record<string, unknown>; body: any }> = [];

before(async () => {
  if (skip) return;
  // The webhook receiver: answers 200 to every POST and keeps what it got.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body || 'null') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // The receiver is on 127.0.0.1: a loopback target, refused unless allowed (ADR 0013).
  app = await startTestApp({ config: { webhooks: { allowPrivateTargets: true } } });
  b = await launchBrowser();
  ({ page } = await newPage(b, app.httpUrl()));
  page.on('dialog', (d) => void d.accept());
  await signIn(page, ADMIN_KEY);
});

after(async () => {
  if (skip) return;
  await b?.close();
  await app?.cleanup();
  await new Promise((r) => receiver?.close(r));
});

test('API keys: create one (shown once), see it listed, revoke it; the API\'s validation message is shown', { skip }, async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Create key' }) });

  // An empty name: the API refuses it and says why.
  await form.getByRole('button', { name: 'Create key' }).click();
  const problem = page.getByRole('alert');
  await problem.waitFor();
  assert.match(await problem.innerText(), /name/i);

  await form.getByLabel('Name').fill('billing export');
  await form.getByLabel('Role').selectOption('read');
  await form.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByTestId('secret-value');
  await secret.waitFor();
  const key = (await secret.innerText()).trim();
  await page.getByText('it is not shown again').waitFor();
  assert.equal((await page.getByRole('alert').count()), 0, 'the earlier error is gone');

  const table = page.getByRole('table', { name: 'API keys' });
  const row = table.locator('tr', { hasText: 'billing export' });
  await row.waitFor();
  // The list shows the key's prefix, never the key.
  const prefix = await row.locator('td.mono').innerText();
  assert.ok(key.startsWith(`pb_${prefix}_`) && !(await table.innerText()).includes(key), `the key reads pb_${prefix}_… and is not in the list`);
  assert.equal((await app.request('GET', '/api/v1/me', { key })).body.name, 'billing export', 'the shown key works');
  await screenshot(page, 'api-keys');

  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal((await app.request('GET', '/api/v1/me', { key })).status, 401, 'the revoked key is refused');
  await page.getByLabel('Show revoked').check();
  await table.locator('tr', { hasText: 'billing export' }).locator('.badge', { hasText: 'revoked' }).waitFor();
  assert.deepEqual(jsErrors(page), []);
});

test('webhooks: create one, refuse a bad URL with the API\'s message, send a test, see the delivery, delete it', { skip }, async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
  await page.getByText('No webhook yet').waitFor();
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Create webhook' }) });

  await form.getByLabel('URL').fill('not a url');
  await form.getByRole('button', { name: 'Create webhook' }).click();
  await page.getByRole('alert').getByText('is not a URL').waitFor();

  // Credentials in the URL are shown masked once stored, and sent as Basic auth.
  const url = `http://****:****@127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  await form.getByLabel('URL').fill(url.replace('****:****', 'ui-user:ui-pass'));
  await form.getByLabel('Events').fill('transaction.*, station.connected');
  await form.getByLabel('Description').fill('billing');
  await form.getByRole('button', { name: 'Create webhook' }).click();
  const secret = (await page.getByTestId('secret-value').innerText()).trim();
  assert.ok(secret.length >= 16, 'the generated signing secret is shown');

  const row = page.getByRole('table', { name: 'Webhooks' }).locator('tr', { hasText: url });
  await row.waitFor();
  await row.getByText('transaction.*, station.connected').waitFor();
  await row.getByText('(Basic auth)').waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /ui-pass/, 'the password is not on the page');
  await row.getByRole('button', { name: 'Send test' }).click();

  // The ping reached the receiver, signed, and its delivery is in the log with the answer.
  const ping = await eventually(() => received.find((r) => r.body?.type === 'ping'), 10_000, 'the ping at the receiver');
  assert.match(String(ping.headers['x-plugboard-signature']), /^sha256=[0-9a-f]{64}$/);
  assert.equal(ping.headers.authorization, `Basic ${Buffer.from('ui-user:ui-pass').toString('base64')}`);
  // The log may first show it pending (fetched between the row's insert and the attempt's record).
  const delivery = page.getByRole('table', { name: 'Deliveries' }).locator(`tr[data-delivery-id="${ping.headers['x-plugboard-delivery']}"][data-status="succeeded"]`);
  await delivery.waitFor();
  await delivery.getByText('HTTP 200').waitFor();
  assert.match(await delivery.innerText(), /ping/);
  await screenshot(page, 'webhooks');

  await row.getByRole('button', { name: 'Delete' }).click();
  await row.waitFor({ state: 'detached' });
  await page.getByText('No webhook yet').waitFor();
  assert.deepEqual((await app.request('GET', '/api/v1/webhooks')).body.items, []);
  assert.deepEqual(jsErrors(page), []);
});

test('a read-only key sees neither page in the navigation, and is told so at their address', { skip }, async () => {
  const reader = await app.request('POST', '/api/v1/api-keys', { body: { name: 'wall screen', role: 'read' } });
  const { context, page: p } = await newPage(b, app.httpUrl());
  try {
    await signIn(p, reader.body.key);
    const nav = p.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Stations' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'API keys' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Webhooks' }).count(), 0);
    await p.goto('/webhooks');
    await p.getByText('This page needs an admin API key').waitFor();
  } finally {
    await context.close();
  }
});
