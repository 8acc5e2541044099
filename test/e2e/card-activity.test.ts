// "Why was my card declined?" and "how much can I still spend today?", answered on the card page
// in a real browser: the account user simulates purchases (Stripe's Issuing test helper on the
// card's account); the remaining limit (a bar of spent against the limit, with its reset time in
// UTC) drops by an approved one; a declined one shows its explanation with the matching control
// and a link to the controls, which brings Stripe's card component into view and focus; an
// authorization made elsewhere (as a card network would) appears without a reload within 2
// seconds; controls saved in Stripe's component and a status changed on Stripe reach the limits
// and the header without a reload; a dropped live feed is said and cleared. The support agent
// sees the same answers for the card it looked up (the facts that verify a caller first, a
// skeleton while the card loads), without the actions it may not take; the admin sees them on the
// account's page.
import type { Locator, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import type { DailyActivityResponse } from '../../shared/activity-filters.ts';
import { formatMoney } from '../../shared/spending-windows.ts';
import { signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';
import type { Stack } from '../helpers/stack.ts';

let account: string;
let card: Stripe.Issuing.Card;

const test = stackTest({ webhookSecret: 'whsec_card_activity_e2e' });

test.beforeAll(async ({ stack }) => {
  // Events reach the app's webhook, as under npm start: that is what makes the page live.
  account = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!.id; // the account user's
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account })
  ).data[0]!;
  card = await stack.stripe.issuing.cards.create(
    {
      cardholder: holder.id,
      type: 'virtual',
      currency: 'usd',
      status: 'active',
      spending_controls: { spending_limits: [{ amount: 5_000, interval: 'daily' }] },
    },
    { stripeAccount: account },
  );
});

const cardUrl = (stack: Stack) => `${stack.appUrl}/accounts/${account}/cards/${card.id}`;

test('account user: remaining limit drops by an approved purchase; a declined one appears live with its explanation and control', async ({
  stack,
  context,
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /api\/(events|cards)/.test(message.text())) consoleErrors.push(message.text());
  });
  await signIn(page, stack.appUrl, 'account@example.com');
  await page.goto(cardUrl(stack));

  const limits = page.getByRole('region', { name: 'Remaining limits' });
  const limit = (text: string) => limits.getByRole('listitem').filter({ hasText: text });
  const daily = limit('Card limit: $50.00 per day');
  await expect.poll(() => daily.innerText()).toMatch(/\$0\.00 spent of \$50\.00 · \$50\.00 left/);
  // When the window starts again, and in which time zone: Stripe's daily window ends at midnight UTC.
  expect(await daily.innerText()).toMatch(/Resets \d{1,2} [A-Z][a-z]{2} \d{4}, 00:00 UTC \(in \d+ (min|h)\)/);
  // The bar: the share of the limit spent.
  const share = () =>
    daily
      .locator('.limit-bar-spent')
      .evaluate((el) => (el as HTMLElement).offsetWidth / (el.parentElement as HTMLElement).clientWidth);
  expect(await share()).toBe(0);
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  await authorizations.getByText('Live').waitFor();

  // -- An approved purchase: the remaining limit drops by it.
  const simulate = page.getByRole('region', { name: 'Simulate a purchase' });
  await simulate.getByLabel('Purchase amount (USD)').fill('30.00');
  await simulate.getByLabel('Merchant category').selectOption('computer_software_stores');
  await simulate.getByRole('button', { name: 'Simulate $30.00' }).click();
  await simulate.getByRole('status').filter({ hasText: 'Approved' }).waitFor();
  await expect.poll(() => daily.innerText()).toMatch(/\$30\.00 spent of \$50\.00 · \$20\.00 left/);
  expect(await share()).toBeCloseTo(0.6, 2);

  // -- A declined one: the explanation names the limit and what was already spent that day.
  await simulate.getByLabel('Purchase amount (USD)').fill('25.00');
  await simulate.getByRole('button', { name: 'Simulate $25.00' }).click();
  const result = simulate.getByRole('status').filter({ hasText: 'Declined' });
  await result.waitFor();
  const sentence = '$30.00 was already spent that day; $25.00 more would pass the card’s limit of $50.00 per day.';
  expect(await result.innerText()).toContain(sentence);
  const row = authorizations.getByRole('listitem').filter({ hasText: 'Declined' }).first();
  await row.getByText(sentence).waitFor();
  expect(await row.getByRole('list', { name: 'Matching controls' }).innerText()).toMatch(
    /Card: limit \$50\.00 per day · already spent \$30\.00/,
  );
  // The remaining limit did not move for a decline.
  expect(await daily.innerText()).toMatch(/\$30\.00 spent of \$50\.00 · \$20\.00 left/);

  // -- An authorization made elsewhere (the card network, through Stripe) appears without a reload.
  const started = Date.now();
  const elsewhere = await stack.stripe.testHelpers.issuing.authorizations.create(
    { card: card.id, amount: 4_200, merchant_data: { category: 'taxicabs_limousines', name: 'Night Cab Co' } },
    { stripeAccount: account },
  );
  expect(elsewhere.approved).toBe(false);
  await authorizations.locator(`[data-authorization="${elsewhere.id}"]`).waitFor({ timeout: 2_000 });
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(await authorizations.locator(`[data-authorization="${elsewhere.id}"]`).innerText()).toMatch(
    /Night Cab Co[\s\S]*\$42\.00 more would pass the card’s limit of \$50\.00 per day/,
  );

  // -- The charts say what the API says; a decline reason's number filters the list; so does the CSV.
  await chartsMatchTheApi(page, stack, { download: true });

  // -- The link (under the activity, below the fold) takes a user who may edit controls straight
  // to them: Stripe's card component is brought into view and gets the focus; its section says
  // where the controls are (Stripe's component has no way to open its tab from outside).
  await row.getByRole('link', { name: 'Edit spending controls' }).click();
  await expect.poll(() => new URL(page.url()).hash).toBe('#spend-controls');
  const controls = page.getByRole('region', { name: 'Card and spending controls' });
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('spend-controls');
  await expect
    .poll(() => controls.evaluate((el) => Math.round(el.getBoundingClientRect().top)))
    .toBeLessThan(page.viewportSize()!.height / 3);
  expect(await controls.innerText()).toContain('in the Spend controls tab of Stripe’s card view below');

  expect(consoleErrors).toEqual([]);
  await context.close();
});

test('account user: controls saved in Stripe’s component and a status changed on Stripe reach the open page; a dropped feed is said and cleared', async ({
  stack,
  context,
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /api\/(events|cards)/.test(message.text())) consoleErrors.push(message.text());
  });
  await signIn(page, stack.appUrl, 'account@example.com');
  // Straight to the controls from another page (as a decline's link on the account page goes).
  await page.goto(`${cardUrl(stack)}#spend-controls`);
  const controls = page.getByRole('region', { name: 'Card and spending controls' });
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('spend-controls');
  const limits = page.getByRole('region', { name: 'Remaining limits' });
  const limit = (text: string) => limits.getByRole('listitem').filter({ hasText: text });
  const daily = limit('Card limit: $50.00 per day');
  await daily.waitFor();
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  await authorizations.getByText('Live').waitFor();
  await page.evaluate(() => ((window as { notReloaded?: boolean }).notReloaded = true));

  // -- Controls saved in Stripe's component reach the app only by webhook: the live feed tells the
  // page, and the limits follow without a reload.
  await controls.getByRole('tab', { name: 'Spend controls' }).click();
  await controls.getByLabel(/^Amount/).fill('80');
  await controls.getByRole('button', { name: 'Save spend controls' }).click();
  await controls.getByText('Spend controls saved.').waitFor();
  const raised = limit('Card limit: $80.00 per day');
  await raised.waitFor({ timeout: 5_000 });
  expect(await raised.innerText()).toMatch(/\$30\.00 spent of \$80\.00 · \$50\.00 left/);
  expect(await limits.getByRole('listitem').count()).toBe(1);

  // -- A status changed on Stripe (elsewhere) reaches the header the same way.
  const meta = page.locator('.card-hero .card-meta');
  await stack.stripe.issuing.cards.update(card.id, { status: 'inactive' }, { stripeAccount: account });
  await meta.getByText('Frozen', { exact: true }).waitFor({ timeout: 5_000 });
  await stack.stripe.issuing.cards.update(card.id, { status: 'active' }, { stripeAccount: account });
  await meta.getByText('Active', { exact: true }).waitFor({ timeout: 5_000 });
  // (The card's limit as the other tests expect it.)
  await stack.stripe.issuing.cards.update(
    card.id,
    { spending_controls: { spending_limits: [{ amount: 5_000, interval: 'daily' }] } },
    { stripeAccount: account },
  );
  await daily.waitFor({ timeout: 5_000 });

  // -- The live feed drops (the server's connections cut, reconnecting refused) and the card
  // cannot be fetched again meanwhile: the page keeps what it shows and says it may be out of
  // date; once the feed is back the notice goes.
  const isEvents = (url: URL) => url.pathname === '/api/events';
  const isCard = (url: URL) => url.pathname === `/api/cards/${card.id}`;
  await page.route(isEvents, (route) => route.abort());
  await page.route(isCard, (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"message":"Try later."}}' }),
  );
  stack.app.server.closeAllConnections();
  const paused = page.getByRole('status').filter({ hasText: 'Live updates paused — retrying' });
  await paused.waitFor({ timeout: 10_000 });
  expect(await paused.innerText()).toContain('may be out of date');
  expect(await daily.innerText()).toMatch(/\$20\.00 left/);
  await page.unroute(isEvents);
  await expect.poll(() => paused.count(), { timeout: 15_000 }).toBe(0);
  await authorizations.getByText('Live').waitFor();
  // Back, it fetched the card again: that failed, so the card stays, said to be possibly out of date.
  const stale = page.getByRole('status').filter({ hasText: 'Could not refresh this card' });
  await stale.waitFor({ timeout: 10_000 });
  expect(await stale.innerText()).toContain('it may be out of date');
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain(card.last4);
  await page.unroute(isCard);
  await stale.getByRole('button', { name: 'Try again' }).click();
  await expect.poll(() => stale.count()).toBe(0);

  expect(await page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded)).toBe(true);
  expect(consoleErrors.filter((line) => !/503|ERR_FAILED/.test(line))).toEqual([]);
  await context.close();
});

test('support agent: the card it looked up, with its decline explanations; no simulating, no link to edit controls', async ({
  stack,
  browser,
}) => {
  // On a phone-sized screen, as support agents often are (signed in first: the phone's header
  // folds "Sign out", which the sign-in helper waits for, behind its menu).
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, stack.appUrl, 'support@example.com');
  await page.setViewportSize({ width: 390, height: 844 });
  // While the card loads (slowly here), the page has its shape, not a blank screen.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(
    (url) => url.pathname === `/api/cards/${card.id}`,
    async (route) => {
      await held;
      await route.continue();
    },
  );
  await page.goto(cardUrl(stack));
  await page.getByRole('status').filter({ hasText: 'Loading the card…' }).waitFor();
  release();
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  await authorizations.getByText('$30.00 was already spent that day', { exact: false }).first().waitFor();
  const limits = page.getByRole('region', { name: 'Remaining limits' });
  await limits.getByRole('listitem').filter({ hasText: 'per day' }).waitFor();
  // What verifies the caller comes first, before the limits and the activity.
  const facts = page.getByRole('region', { name: 'Verify the caller' });
  expect(await facts.innerText()).toContain(`•••• ${card.last4}`);
  const top = async (locator: typeof facts) => (await locator.boundingBox())!.y;
  expect(await top(facts)).toBeLessThan(await top(limits));
  expect(await top(limits)).toBeLessThan(await top(authorizations));
  expect(await page.getByRole('region', { name: 'Simulate a purchase' }).count()).toBe(0);
  expect(await authorizations.getByRole('link', { name: 'Edit spending controls' }).count()).toBe(0);
  // The panels fit: nothing in them is wider than the screen.
  const overflowing = await page.evaluate(
    () =>
      [...document.querySelectorAll('.authorization, .limits, .explanation')].filter(
        (el) => el.getBoundingClientRect().right > window.innerWidth + 1,
      ).length,
  );
  expect(overflowing).toBe(0);
  await chartsMatchTheApi(page, stack);
  await page.screenshot({ path: '/tmp/answers-card-390.png', fullPage: true });
  await context.close();
});

test('admin: the account’s authorizations on its page, declines explained', async ({ stack, context, page }) => {
  await signIn(page, stack.appUrl, 'admin@example.com');
  await page.goto(`${stack.appUrl}/accounts/${account}`);
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  await authorizations.getByText('Night Cab Co', { exact: false }).first().waitFor();
  await authorizations.getByRole('link', { name: 'Edit spending controls' }).first().waitFor();
  // The account's cards (Stripe's list) come before its activity.
  const cards = page.getByRole('region', { name: 'All cards', exact: true });
  expect((await cards.boundingBox())!.y).toBeLessThan((await authorizations.boundingBox())!.y);

  // An account that does not exist: one message, and no panel asks about it.
  const refused: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400 && response.url().includes('/api/')) refused.push(response.url());
  });
  await page.goto(`${stack.appUrl}/accounts/acct_doesnotexist`);
  await page.getByRole('heading', { level: 1, name: 'No such account' }).waitFor();
  await page.waitForLoadState('networkidle');
  expect(await page.getByRole('alert').allInnerTexts()).toEqual([
    expect.stringContaining('There is no connected account acct_doesnotexist'),
  ]);
  expect(refused).toEqual([]);

  // And on the card's own page, the same charts and filters.
  await page.goto(cardUrl(stack));
  await chartsMatchTheApi(page, stack);
  await context.close();
});

/** A chart's text equivalent by "day|series", as a sighted reader sees each number (no words for screen readers only). */
async function chartNumbers(figure: Locator): Promise<Record<string, string>> {
  const details = figure.locator('details');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open)))
    await figure.getByText('Show the numbers').click();
  return figure.locator('td[data-category][data-series]').evaluateAll((cells) =>
    Object.fromEntries(
      cells.map((cell) => {
        const shown = cell.cloneNode(true) as HTMLElement;
        for (const hidden of shown.querySelectorAll('.visually-hidden')) hidden.remove();
        const { category, series } = (cell as HTMLElement).dataset;
        return [`${category}|${series}`, shown.textContent.trim()];
      }),
    ),
  );
}

/**
 * The card page's charts (issue 20 items 2 and 4): their tables hold the numbers the API gives
 * this persona for the card's last 30 days (asked with the page's own session, in its time zone),
 * and today's spending-controls declines, chosen from the reasons table, filter the list to them
 * (in the address, so Back undoes it). `download`: the CSV link gives the same rows.
 */
async function chartsMatchTheApi(page: Page, stack: Stack, { download = false } = {}) {
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const answer = await page.request.get(
    `${stack.appUrl}/api/cards/${card.id}/authorizations/daily?tz=${encodeURIComponent(tz)}&days=30`,
  );
  expect(answer.status()).toBe(200);
  const daily = (await answer.json()) as DailyActivityResponse;
  const today = daily.days.at(-1)!;
  const declinedToday = today.reasons.find((r) => r.reason === 'spending_controls')?.count ?? 0;
  expect(today.approved.amount).toBeGreaterThan(0);
  expect(declinedToday).toBeGreaterThan(0);

  const perDay = authorizations.getByRole('figure', { name: /^Approved and declined per day/ });
  await expect
    .poll(() => chartNumbers(perDay))
    .toEqual(
      Object.fromEntries(
        daily.days.flatMap((d) => [
          [`${d.day}|approved`, formatMoney(d.approved.amount, 'usd')],
          [`${d.day}|declined`, formatMoney(d.declined.amount, 'usd')],
        ]),
      ),
    );
  const reasons = authorizations.getByRole('figure', { name: /^Decline reasons per day/ });
  await expect
    .poll(() => chartNumbers(reasons))
    .toEqual(
      Object.fromEntries(
        daily.days.flatMap((d) =>
          daily.reasons.map((reason) => [
            `${d.day}|${reason}`,
            String(d.reasons.find((r) => r.reason === reason)?.count ?? 0),
          ]),
        ),
      ),
    );

  // Today's spending-controls declines, from the table (a button, as the bar is for a mouse).
  await reasons.locator(`td[data-category="${today.day}"][data-series="spending_controls"] button`).click();
  await expect.poll(() => new URL(page.url()).searchParams.get('reason')).toBe('spending_controls');
  const rows = authorizations.locator('[data-authorization]');
  await expect.poll(() => rows.count()).toBe(declinedToday);
  for (const text of await rows.allInnerTexts()) expect(text).toMatch(/Declined[\s\S]*limit/);
  await expect
    .poll(() => authorizations.getByRole('status').filter({ hasText: 'authorization' }).innerText())
    .toMatch(new RegExp(`^${declinedToday} authorizations? · 0 approved · ${declinedToday} declined \\$`));
  expect(await authorizations.getByRole('radio', { name: 'Declined' }).isChecked()).toBe(true);
  expect(await authorizations.getByLabel('Decline reason', { exact: true }).inputValue()).toBe('spending_controls');
  // Focus went to the filtered list's counts, not to the page.
  expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('status');

  if (download) {
    const href = await authorizations.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await page.request.get(new URL(href!, stack.appUrl).toString());
    expect(csv.headers()['content-disposition']).toContain(`authorizations-${card.id}-`);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines.slice(1).map((line) => line.split('","')[1])).toEqual(Array(declinedToday).fill('Declined'));
  }

  // Back: the list as it was before the filter.
  await page.goBack();
  await expect.poll(() => new URL(page.url()).searchParams.get('reason')).toBe(null);
  await expect.poll(() => authorizations.getByLabel('Decline reason', { exact: true }).inputValue()).toBe('');
  await expect.poll(() => rows.count()).toBeGreaterThan(declinedToday);
}
