// Every page at 390 px wide (a phone), for each persona: nothing wider than the screen, so no
// page scrolls sideways (wide tables scroll inside their own box). Console errors are counted too.
import type { Browser, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, signIn } from '../helpers/browser.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let browser: Browser;
let own: Stripe.Account;
let card: Stripe.Issuing.Card;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  own = accounts.at(-1)!;
  card = (await stack.stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 1 }, { stripeAccount: own.id })).data[0]!;
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** The innermost elements reaching past the right edge, to say what to fix when this fails. */
async function offenders(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const clipped = (el: Element): boolean => {
      for (let p = el.parentElement; p; p = p.parentElement) if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const all = (root: Document | ShadowRoot): Element[] =>
      Array.from(root.querySelectorAll('*')).flatMap((el) => (el.shadowRoot ? [el, ...all(el.shadowRoot)] : [el]));
    for (const el of all(document)) {
      const r = el.getBoundingClientRect();
      if (r.right <= window.innerWidth + 0.5 || r.width === 0 || clipped(el)) continue;
      if (Array.from(el.children).some((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5)) continue;
      out.push(`${el.tagName.toLowerCase()}.${(el.className || '').toString().split(' ').join('.')} right=${Math.round(r.right)} "${(el.textContent ?? '').slice(0, 30)}"`);
    }
    return out.slice(0, 5);
  });
}

/** How far the page is wider than the viewport (0 = fits). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

const PAGES: Record<'admin@example.com' | 'account@example.com' | 'support@example.com', (() => string)[]> = {
  'admin@example.com': [
    () => '/',
    () => '/accounts',
    () => `/accounts/${own.id}`,
    () => `/accounts/${own.id}/cardholders`,
    () => `/accounts/${own.id}/cards/${card.id}`,
    () => '/audit',
    () => '/purchase',
    () => `/lookup?q=${card.last4}`,
    () => '/security',
    () => '/users',
  ],
  'account@example.com': [
    () => `/accounts/${own.id}`,
    () => `/accounts/${own.id}/cardholders`,
    () => `/accounts/${own.id}/cards/${card.id}`,
    () => `/pin?card=${card.id}`,
    () => '/purchase',
    () => '/security',
  ],
  'support@example.com': [
    () => `/lookup?q=${card.last4}`,
    () => `/accounts/${own.id}/cards/${card.id}`,
    () => `/accounts/${own.id}/cards/${card.id}/reveal`,
    () => '/security',
  ],
};

describe.each(Object.keys(PAGES) as (keyof typeof PAGES)[])('%s at 390 px', (email) => {
  test('no page is wider than the screen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
    await signIn(page, stack.appUrl, email);
    const measured: Record<string, number> = {};
    for (const path of PAGES[email]) {
      await page.goto(`${stack.appUrl}${path()}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      // Let lazy parts (tables, Stripe's components) lay out.
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      measured[path()] = await overflow(page);
      if (measured[path()]) console.log(`[390px] ${path()}: ${(await offenders(page)).join(' | ')}`);
    }
    console.log(`[390px] ${email}: ${JSON.stringify(measured)}; console errors: ${JSON.stringify(errors)}`);
    expect(measured).toEqual(Object.fromEntries(Object.keys(measured).map((k) => [k, 0])));
    await context.close();
  }, 90_000);
});
