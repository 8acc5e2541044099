// Debian's Chromium driven by playwright-core (never a downloaded browser). The flags keep it
// quiet on a machine with no network and let it run as root.
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Response } from 'playwright-core';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { nextTotpCode } from './totp.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface RecordedExchange {
  method: string;
  url: string;
  status: number;
  requestBody: string;
  responseBody: string;
}

/**
 * Records every request the page sends to `origin` and the response body it gets back, so a
 * test can prove that card data never passed through the app server.
 */
export function recordTraffic(context: BrowserContext, origin: string): RecordedExchange[] {
  const exchanges: RecordedExchange[] = [];
  context.on('response', (response: Response) => {
    const request = response.request();
    if (!request.url().startsWith(origin)) return;
    const entry: RecordedExchange = {
      method: request.method(),
      url: request.url(),
      status: response.status(),
      requestBody: request.postData() ?? '',
      responseBody: '',
    };
    exchanges.push(entry);
    response.body().then(
      (body) => {
        entry.responseBody = body.toString('utf8');
      },
      () => {
        /* redirects and aborted loads have no body */
      },
    );
  });
  return exchanges;
}

/**
 * Signs in through the login form, as a user would; when the page asks for the second factor,
 * types the current code of `totpSecret` (default the demo users' secret).
 */
export async function signIn(
  page: Page,
  appUrl: string,
  email: string,
  password = 'demo1234',
  totpSecret = DEMO_TOTP_SECRET,
): Promise<void> {
  await page.goto(appUrl);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const signOut = page.getByRole('button', { name: 'Sign out' });
  const codeField = page.getByLabel('Authentication code');
  await signOut.or(codeField).first().waitFor();
  if (await codeField.isVisible()) {
    await codeField.fill(await nextTotpCode(`${appUrl}|${email.toLowerCase()}`, totpSecret));
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await signOut.waitFor();
}

export { passesLuhn } from './luhn.ts';

const CARD_NUMBER = /\b\d{4} ?\d{4} ?\d{4} ?\d{4}\b/;

/** The 16-digit card number shown in any frame served from `frameOrigin`, or '' if none yet. */
export async function revealedNumber(page: Page, frameOrigin: string): Promise<string> {
  for (const frame of page.frames()) {
    if (!frame.url().startsWith(frameOrigin)) continue;
    const text = await frame
      .locator('body')
      .innerText()
      .catch(() => '');
    const match = text.match(CARD_NUMBER);
    if (match) return match[0].replace(/ /g, '');
  }
  return '';
}

/**
 * Every console warning and error and every uncaught exception of the page, as `type: text`
 * lines: pages with Stripe's components must stay silent (issue 12: "connect.js loaded twice").
 */
export function recordConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'warning' && message.type() !== 'error') return;
    // A refused request's message does not name it; its location does.
    const { url } = message.location();
    const resource = message.text().startsWith('Failed to load resource') && url ? ` (${url})` : '';
    lines.push(`${message.type()}: ${message.text()}${resource}`);
  });
  page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
  return lines;
}

/**
 * Clicks a control that sits below one of Stripe's (the emulator's) frames, the way a person
 * does: scrolled into view first, clicked once the page has painted there.
 * Why not plain `click()`: Playwright scrolls and clicks in one go, and Chromium can route the
 * mouse event by hit-test data from before the scroll. A button just below the Payment Element
 * then has its click delivered to the frame where it stood before the scroll (seen as the
 * frame's blur and focus, no event on the page and no form submit: every time, once the card
 * hint pushed the Pay button below a 720 px viewport).
 */
export async function clickBelowFrame(locator: Locator): Promise<void> {
  await locator.scrollIntoViewIfNeeded();
  await locator
    .page()
    .evaluate(
      () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
    );
  await locator.click();
}

/** The text Stripe's element renders inside its iframe (titled as stripe.js titles it); '' while it has none. */
export async function elementText(page: Page, title: string): Promise<string> {
  const text = await page
    .frameLocator(`iframe[title="${title}"]`)
    .first()
    .locator('body')
    .innerText({ timeout: 1_000 })
    .catch(() => '');
  return text.trim();
}
