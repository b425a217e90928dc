// Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium driven by
// playwright-core (never a browser downloaded by a test tool). When it is not installed the
// tests are skipped, saying so, instead of failing or silently passing.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildUi } from '../../ui/build.ts';

export const CHROMIUM = process.env.PLUGBOARD_CHROMIUM ?? '/usr/bin/chromium';
// Screenshots are test output, not sources: they go to the ignored .tmp/ folder so that running the
// tests leaves `git status` clean (PLUGBOARD_SCREENSHOTS moves them elsewhere).
export const SCREENSHOTS =
  process.env.PLUGBOARD_SCREENSHOTS ?? join(import.meta.dirname, '..', '..', '.tmp', 'screenshots');

/** Why the browser tests cannot run here, or null when they can. */
export const skipReason: string | null = existsSync(CHROMIUM)
  ? null
  : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium; .ci/run does): the dashboard browser tests are SKIPPED`;
if (skipReason) console.log(`# ${skipReason}`);

/**
 * How long a browser step (a click, a locator's waitFor, a navigation) may wait for its condition
 * before it fails. Playwright's default is 30 s; the test files run in parallel on a shared
 * machine, where Chromium and the server can both be starved of CPU for a while, so the tests
 * wait longer. Each step waits for a condition, never for a time; node --test's per-test timeout
 * still bounds a test as a whole.
 */
export const UI_STEP_TIMEOUT_MS = Number(process.env.PLUGBOARD_UI_TIMEOUT_MS ?? 90_000);

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // The dashboard the server hands out is ui/dist: make sure it is built from the current sources.
  await buildUi({ quiet: true });
  // One browser per test file (each page in its own context). playwright-core starts Chromium with
  // a fresh, empty profile (--user-data-dir in a new temp folder) of its own, so parallel files
  // never share one. This machine has no network beyond loopback: without the
  // background-networking flags Chromium keeps trying (and failing) to reach Google's services.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: UI_STEP_TIMEOUT_MS,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export const TIME_ZONE = 'America/New_York';

export async function newPage(b: TestBrowser, baseURL: string, opts: { phone?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await b.browser.newContext({
    baseURL,
    locale: 'en-US',
    // A zone far from the server's (UTC) shows that times are the operator's.
    timezoneId: TIME_ZONE,
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1360, height: 900 },
    deviceScaleFactor: 1,
    isMobile: opts.phone ?? false,
    hasTouch: opts.phone ?? false,
  });
  context.setDefaultTimeout(UI_STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(UI_STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 40[134]/.test(msg.text())) errors.push(msg.text());
  });
  (page as Page & { jsErrors: string[] }).jsErrors = errors;
  return { context, page };
}

export function jsErrors(page: Page): string[] {
  return (page as Page & { jsErrors?: string[] }).jsErrors ?? [];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.topbar').waitFor();
}

/** How many pixels the page is wider than its viewport (0 or less: no sideways scrolling). */
export async function horizontalOverflow(page: Page): Promise<number> {
  // A string, evaluated in the page: the tests are typed for Node, without the DOM's types.
  return (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
}
