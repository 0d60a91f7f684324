import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium, never a downloaded browser. Without it the browser tests are skipped
 * loudly on a laptop; in CI (CI=true) a missing browser fails the run.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${CHROMIUM} is missing: CI must run the browser tests (.ci/run installs it)`);
  }
  console.warn(
    `\n*** SKIPPING the web browser tests: ${CHROMIUM} is missing (apt-get install -y chromium) ***\n`,
  );
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

const SCREENSHOTS = join(__dirname, '../../../tmp/screens');

/** Full-page screenshots under tmp/screens/, to look at after a run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Transitions finished, so a modal that is opening is not captured half transparent.
  await page.screenshot({
    path: join(SCREENSHOTS, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
}

export type WatchedPage = Page & { errors: string[] };

export interface OpenOptions {
  /** HTTP statuses this page is expected to get (e.g. 401 before logging in, 423 when halted). */
  expectStatuses?: number[];
}

/**
 * Opens a page that records every uncaught error and console error (CSP violations included) in
 * `errors`, except "Failed to load resource" for a status the test expects.
 */
export async function openPage(
  context: BrowserContext,
  path: string,
  options: OpenOptions = {},
): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  const expected = options.expectStatuses ?? [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (process.env.WEB_E2E_DEBUG) console.log(`[browser] ${message.text()}`);
    if (message.type() !== 'error') return;
    const status = /status of (\d{3})/.exec(message.text())?.[1];
    if (status && expected.includes(Number(status))) return;
    errors.push(message.text());
  });
  if (process.env.WEB_E2E_DEBUG) {
    page.on('response', (response) => console.log(`[http] ${response.status()} ${response.url()}`));
  }
  await page.goto(path);
  return Object.assign(page, { errors });
}

/** Logs the browser context in with a token, as the login page would (the httpOnly cookie). */
export async function setSessionCookie(
  context: BrowserContext,
  baseUrl: string,
  token: string,
): Promise<void> {
  await context.addCookies([
    { name: 'promptdev_session', value: token, url: baseUrl, httpOnly: true, sameSite: 'Strict' },
  ]);
}

/** Every button label on the page, to check a viewer is offered nothing that edits. */
export async function buttonLabels(page: Page): Promise<string[]> {
  return page
    .getByRole('button')
    .evaluateAll((buttons) =>
      buttons.map((button) =>
        (button.getAttribute('aria-label') ?? button.textContent ?? '').trim(),
      ),
    );
}

/**
 * Sends `message` in the chat route and waits for the stub's echo; resolves with every distinct
 * text the reply bubble showed on the way (more than two means it streamed token by token).
 */
export async function sendAndWatchReply(page: Page, message: string): Promise<string[]> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => {
      const bubbles = document.querySelectorAll('[data-testid="chat-assistant"]');
      const text = bubbles[bubbles.length - 1]?.textContent ?? '';
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByLabel('Message').fill(message);
  await page.keyboard.press('Enter');
  await page
    .getByTestId('chat-assistant')
    .filter({ hasText: `Echo: ${message}` })
    .waitFor();
  return page.evaluate(() => (window as unknown as { seen: string[] }).seen);
}
