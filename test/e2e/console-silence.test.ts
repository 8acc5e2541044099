// Issue 12, "Everywhere": no console error or warning on any page. Chromium logs every refused
// request (4xx/5xx) as a console error, so this also proves that in normal use the app asks
// nothing it knows will be refused: the session before signing in, a lookup too broad for a
// support agent, what a role may not see. Each persona walks every page of the client router,
// from the sign-in page before signing in to the pages its role may not use.
import { describe, expect } from 'vitest';
import { LOOKUP_TOO_BROAD } from '../../shared/lookup-query.ts';
import { recordConsole, recordTraffic, signIn } from '../helpers/browser.ts';
import {
  anonymousPages,
  loadPageWorld,
  openPage,
  PERSONAS,
  personaPages,
  type PageWorld,
} from '../helpers/persona-pages.ts';
import { stackTest } from '../helpers/fixtures.ts';

let world: PageWorld;

const test = stackTest();

test.beforeAll(async ({ stack }) => {
  world = await loadPageWorld(stack);
});

describe.each(PERSONAS)('%s', (email) => {
  test('no console error or warning on any page, signed out or in', async ({ stack, context, page }) => {
    const lines = recordConsole(page);
    // Each page's messages: those logged from its opening until the next page opens.
    const found: Record<string, string[]> = {};
    const visited: string[] = [];
    const note = (name: string, from: number) => {
      visited.push(name);
      if (lines.length > from) found[name] = lines.slice(from);
    };

    for (const visit of anonymousPages()) {
      const from = lines.length;
      await openPage(page, stack.appUrl, visit);
      note(visit.name, from);
    }
    let from = lines.length;
    await signIn(page, stack.appUrl, email);
    note('signing in', from);
    for (const visit of personaPages(email, world)) {
      from = lines.length;
      await openPage(page, stack.appUrl, visit);
      note(`${visit.name} ${visit.path}`, from);
    }

    console.log(
      `[console] ${email}: ${visited.length} pages (${visited.map((v) => v.split(' /')[0]).join(', ')}); messages: ${lines.length}${lines.length ? ` ${JSON.stringify(found)}` : ''}`,
    );
    expect(found).toEqual({});
    await context.close();
  }, 180_000);
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
