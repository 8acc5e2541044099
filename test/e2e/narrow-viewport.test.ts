// Every page at 390 px wide (a phone), for each persona: nothing wider than the screen, so no
// page scrolls sideways (wide tables scroll inside their own box). The pages are those of
// test/helpers/persona-pages.ts (every route, as each persona opens it); their console is
// test/e2e/console-silence.test.ts's.
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { signIn } from '../helpers/browser.ts';
import { loadPageWorld, openPage, PERSONAS, personaPages, type PageWorld } from '../helpers/persona-pages.ts';
import { stackTest } from '../helpers/fixtures.ts';

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

/** How far the page is wider than the viewport (0 = fits). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe.each(PERSONAS)('%s at 390 px', (email) => {
  test('no page is wider than the screen', async ({ stack, browser }) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, stack.appUrl, email);
    const measured: Record<string, number> = {};
    for (const visit of personaPages(email, world)) {
      await openPage(page, stack.appUrl, visit);
      measured[visit.path] = await overflow(page);
      if (measured[visit.path]) console.log(`[390px] ${visit.path}: ${(await offenders(page)).join(' | ')}`);
    }
    console.log(`[390px] ${email}: ${JSON.stringify(measured)}`);
    expect(measured).toEqual(Object.fromEntries(Object.keys(measured).map((k) => [k, 0])));
    await context.close();
  }, 180_000);
});
