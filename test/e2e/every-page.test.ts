// Every page of the client router, as each persona opens it (test/helpers/persona-pages.ts), on a
// desktop (1366×900) and then, the same page resized, on a phone (390×844):
//   - the console stays silent (issue 12): no error or warning. Chromium logs every refused
//     request (4xx/5xx) as a console error, so this also proves that in normal use the app asks
//     nothing it knows will be refused: the session before signing in, a lookup too broad for a
//     support agent, what a role may not see;
//   - axe-core finds nothing (WCAG 2.1 A/AA and best practices, test/helpers/axe.ts), at both
//     sizes: the phone layout hides, stacks and collapses things, which axe must see too;
//   - on the phone nothing is wider than the screen, so no page scrolls sideways (issue 20).
// One stack, one sign-in per persona, one page reused: the walk is the suite's longest.
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { LOOKUP_TOO_BROAD } from '../../shared/lookup-query.ts';
import { axeViolations } from '../helpers/axe.ts';
import { recordConsole, recordTraffic, signIn } from '../helpers/browser.ts';
import {
  anonymousPages,
  loadPageWorld,
  openPage,
  PERSONAS,
  personaPages,
  type PageVisit,
  type PageWorld,
} from '../helpers/persona-pages.ts';
import { stackTest } from '../helpers/fixtures.ts';

const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };

let world: PageWorld;

const test = stackTest();

test.beforeAll(async ({ stack }) => {
  world = await loadPageWorld(stack);
});

/** The innermost elements reaching past the right edge, to say what to fix when this fails. */
async function offenders(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const clipped = (el: Element): boolean => {
      for (let p = el.parentElement; p; p = p.parentElement)
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const all = (root: Document | ShadowRoot): Element[] =>
      Array.from(root.querySelectorAll('*')).flatMap((el) => (el.shadowRoot ? [el, ...all(el.shadowRoot)] : [el]));
    for (const el of all(document)) {
      const r = el.getBoundingClientRect();
      if (r.right <= window.innerWidth + 0.5 || r.width === 0 || clipped(el)) continue;
      if (Array.from(el.children).some((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5)) continue;
      out.push(
        `${el.tagName.toLowerCase()}.${(el.className || '').toString().split(' ').join('.')} right=${Math.round(r.right)} "${(el.textContent ?? '').slice(0, 30)}"`,
      );
    }
    return out.slice(0, 5);
  });
}

/** Resizes the page and waits for it to lay out and paint at the new size. */
async function resize(page: Page, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  await page.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
}

/**
 * On a phone the header is one line: the navigation and the session controls fold behind a
 * "Menu" disclosure, which opens and closes, gives focus back on Escape and closes when a link
 * is followed.
 */
async function checkPhoneMenu(page: Page): Promise<void> {
  await resize(page, PHONE);
  const header = page.getByRole('banner');
  const menu = header.getByRole('button', { name: 'Menu' });
  const signOut = header.getByRole('button', { name: 'Sign out' });
  expect((await header.boundingBox())!.height, 'the header takes one line').toBeLessThan(70);
  expect(await signOut.isVisible()).toBe(false);

  await menu.click();
  expect(await menu.getAttribute('aria-expanded')).toBe('true');
  await signOut.waitFor();
  const links = await header
    .getByRole('link')
    .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().right <= window.innerWidth));
  expect(links.every(Boolean), 'every link of the menu fits the screen').toBe(true);
  await page.keyboard.press('Escape');
  await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('false');
  expect(await signOut.isVisible()).toBe(false);
  expect(await menu.evaluate((el) => el === document.activeElement)).toBe(true);

  await menu.click();
  await header.getByRole('link', { name: 'Security' }).click();
  await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
  await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('false');
  expect(await signOut.isVisible()).toBe(false);
}

interface Findings {
  /** Console lines per page, from its opening until the next page opens. */
  console: Record<string, string[]>;
  /** axe's violations per page and size. */
  axe: Record<string, string[]>;
  /** How far each page is wider than the phone's screen (0 = fits), per page. */
  overflow: Record<string, number>;
  /** Milliseconds spent opening pages and in axe, for the report. */
  ms: { open: number; axe: number };
}

const newFindings = (): Findings => ({ console: {}, axe: {}, overflow: {}, ms: { open: 0, axe: 0 } });

/**
 * Opens one page on the desktop, then resizes it to the phone, noting what the console said,
 * what axe found at each size and how far the phone page overflows.
 */
async function check(page: Page, appUrl: string, visit: PageVisit, lines: string[], found: Findings): Promise<void> {
  const key = `${visit.name} ${visit.path}`;
  const from = lines.length;
  await resize(page, DESKTOP);
  let t = Date.now();
  await openPage(page, appUrl, visit);
  found.ms.open += Date.now() - t;
  t = Date.now();
  const desktop = await axeViolations(page);
  found.ms.axe += Date.now() - t;
  if (desktop.length) found.axe[`${key} (desktop)`] = desktop;

  await resize(page, PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  found.overflow[key] = overflow;
  if (overflow) console.log(`[390px] ${key}: ${(await offenders(page)).join(' | ')}`);
  t = Date.now();
  const phone = await axeViolations(page);
  found.ms.axe += Date.now() - t;
  if (phone.length) found.axe[`${key} (phone)`] = phone;
  if (lines.length > from) found.console[key] = lines.slice(from);
}

function report(who: string, found: Findings): void {
  const pages = Object.keys(found.overflow).length;
  console.log(
    `[walk] ${who}: ${pages} pages (opening ${Math.round(found.ms.open / 1000)} s, axe ${Math.round(found.ms.axe / 1000)} s); console: ${JSON.stringify(found.console)}; axe: ${JSON.stringify(found.axe, null, 1)}; overflow: ${JSON.stringify(found.overflow)}`,
  );
  expect(found.console).toEqual({});
  expect(found.axe).toEqual({});
  expect(found.overflow).toEqual(Object.fromEntries(Object.keys(found.overflow).map((k) => [k, 0])));
}

test('signed out: the start, sign-in and invitation pages (with and without a token) are silent, pass axe and fit a phone', async ({
  stack,
  context,
  page,
}) => {
  // A real invitation too (its link, as the admin's Users page hands it out), before the link
  // without a token: going from one to the other is then a page load, not a fragment change.
  const invited = await stack.app.inject({
    method: 'POST',
    url: '/api/users',
    headers: { cookie: await stack.loginCookie('admin@example.com'), origin: stack.appUrl },
    payload: { email: 'walk-invitee@example.com', role: 'account_user', accounts: [world.account.id] },
  });
  expect(invited.statusCode).toBe(200);
  const link = new URL(invited.json<{ inviteUrl: string }>().inviteUrl);
  const pages = anonymousPages();
  pages.splice(-1, 0, { name: 'invitation', path: `${link.pathname}${link.hash}` });

  const lines = recordConsole(page);
  const found = newFindings();
  for (const visit of pages) await check(page, stack.appUrl, visit, lines, found);
  report('signed out', found);
  await context.close();
}, 60_000);

describe.each(PERSONAS)('%s', (email) => {
  test('every page on a desktop and a phone: silent console, no axe violation, no sideways scroll', async ({
    stack,
    context,
    page,
  }) => {
    const lines = recordConsole(page);
    const found = newFindings();
    await page.setViewportSize(DESKTOP);
    const from = lines.length;
    await signIn(page, stack.appUrl, email);
    await checkPhoneMenu(page);
    if (lines.length > from) found.console['signing in, the phone menu'] = lines.slice(from);
    for (const visit of personaPages(email, world)) await check(page, stack.appUrl, visit, lines, found);
    report(email, found);
    await context.close();
  }, 240_000);
});

test('what a role may not do is said on the page without asking: a too-broad support lookup on its field, pages of other roles', async ({
  stack,
  context,
  page,
}) => {
  const traffic = recordTraffic(context, stack.appUrl);
  await signIn(page, stack.appUrl, 'support@example.com');
  const pages = personaPages('support@example.com', world);
  const visit = (name: string) =>
    openPage(
      page,
      stack.appUrl,
      pages.find((p) => p.name === name)!,
    );

  // Last four digits alone (decision 030): the server's words on the search box, no request.
  const asked = () => traffic.filter((t) => new URL(t.url).pathname === '/api/cards').length;
  const before = asked();
  await visit('lookup (too broad)');
  const box = page.getByRole('searchbox', { name: 'Find a card' });
  await expect.poll(() => box.getAttribute('aria-invalid')).toBe('true');
  const description = await box.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent)
      .join(' '),
  );
  expect(description).toContain(LOOKUP_TOO_BROAD.message);
  expect(asked()).toBe(before);
  // Typed in the box, the same.
  await box.fill(`${world.virtualCard.last4} x`);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('alert').filter({ hasText: 'Not specific enough' }).waitFor();
  expect(asked()).toBe(before);
  // Specific enough: asked, and the card is listed.
  await visit('lookup');
  await page.getByRole('row').filter({ hasText: world.virtualCard.id }).waitFor();
  expect(asked()).toBe(before + 1);

  // An account's pages: a support agent finds cards one at a time and does not browse.
  for (const name of ['account', 'cardholders']) {
    await visit(name);
    await page.getByText('Your role does not browse accounts.').waitFor();
  }
  await visit('audit');
  await page.getByText('Your role does not read the audit log.').waitFor();
  expect(traffic.filter((t) => t.status >= 400).map((t) => `${t.status} ${t.method} ${t.url}`)).toEqual([]);
  await context.close();
}, 90_000);
