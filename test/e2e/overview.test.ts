// The overview in Chromium, per persona (issue 20, "What it must show"): the platform admin lands
// on it; the account user opens it from the navigation; each reads headline figures and a daily
// chart whose text equivalent (the table behind "Show the numbers") holds exactly the numbers GET
// /api/overview gives that persona (asked with the persona's own cookies); the support agent lands
// on "Find a card", has no Overview in the navigation, and /overview says it is not for the role.
// One stack, one page per persona.
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { dayLabel, percent } from '../../client/src/features/overview/lib/overview-words.ts';
import type { OverviewResponse } from '../../shared/overview.ts';
import { formatMoney } from '../../shared/spending-windows.ts';
import { signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';

const test = stackTest({ webhookSecret: 'whsec_overview_e2e' });

let account: string;
/** 90% into its weekly limit on software. */
let nearCard: Stripe.Issuing.Card;
/** Reported lost by the support agent. */
let lostCard: Stripe.Issuing.Card;

test.beforeAll(async ({ stack }) => {
  // On the account user's account: a purchase today (the seed's are days old), a card nearly at
  // its limit, a card reported lost; delivered to the app by webhook like any other change.
  account = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!.id;
  const opts = { stripeAccount: account };
  const card = (await stack.stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 2 }, opts)).data;
  const holder = card[0]!.cardholder;
  const purchase = (id: string, amount: number) =>
    stack.stripe.testHelpers.issuing.authorizations.create(
      { card: id, amount, merchant_data: { category: 'computer_software_stores', name: 'Overview Shop' } },
      opts,
    );
  await purchase(card[0]!.id, 4_321);
  nearCard = await stack.stripe.issuing.cards.create(
    {
      cardholder: typeof holder === 'string' ? holder : holder.id,
      currency: 'usd',
      type: 'virtual',
      status: 'active',
      spending_controls: {
        spending_limits: [{ amount: 10_000, interval: 'weekly', categories: ['computer_software_stores'] }],
      },
    },
    opts,
  );
  await purchase(nearCard.id, 9_000);
  lostCard = card[1]!;
  await stack.emulator.emulator.webhooks.dispatcher.idle();
  const support = await stack.loginCookie('support@example.com');
  const lost = await stack.app.inject({
    method: 'POST',
    url: `/api/cards/${lostCard.id}/report-lost`,
    headers: { cookie: support, origin: stack.appUrl },
    payload: {},
  });
  expect(lost.statusCode, lost.body).toBe(200);
});

/** The lists lead to the cards: the one near its limit, and the lost one (for the admin to cancel or replace). */
async function expectListsLinkToCards(page: Page, lostAction: string): Promise<void> {
  const near = page.getByRole('region', { name: 'Cards near a limit' });
  const row = near.getByRole('row', { name: new RegExp(nearCard.last4) });
  expect(await row.innerText()).toMatch(/\$100\.00 per week[\s\S]*\$90\.00 \(90%\)/);
  expect(await row.getByRole('link').getAttribute('href')).toBe(`/accounts/${account}/cards/${nearCard.id}`);
  const lost = page.getByRole('region', { name: 'Cards reported lost' });
  const action = lost.getByRole('link', { name: new RegExp(`${lostAction} .*${lostCard.last4}`) });
  expect(await action.getAttribute('href')).toBe(`/accounts/${account}/cards/${lostCard.id}`);
}

/** What GET /api/overview answers this page's user (the page's cookies). */
async function apiOverview(page: Page, appUrl: string): Promise<OverviewResponse> {
  const res = await page.request.get(`${appUrl}/api/overview`);
  expect(res.status()).toBe(200);
  return (await res.json()) as OverviewResponse;
}

const SPENT: Record<string, string> = {
  today: 'Spent today',
  '7d': 'Spent in the last 7 days',
  '30d': 'Spent in the last 30 days',
};

/** The headline figures and the chart's table on the page equal the API's numbers. */
async function expectPageShows(page: Page, api: OverviewResponse): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  for (const period of api.periods) {
    const figure = page.getByRole('group', { name: SPENT[period.key] });
    const values = await figure.locator('.figure-value').allInnerTexts();
    expect(values, period.key).toEqual(
      period.spend.length ? period.spend.map((s) => formatMoney(s.amount, s.currency)) : ['Nothing'],
    );
  }
  const week = api.periods.find((p) => p.key === '7d')!;
  const rate = page.getByRole('group', { name: 'Decline rate, last 7 days' });
  expect(await rate.locator('.figure-value').innerText()).toBe(
    week.decline_rate === null ? '–' : percent(week.decline_rate),
  );
  expect(await rate.innerText()).toContain(`${week.declined} declined of ${week.approved + week.declined}`);

  // The chart: its text equivalent, opened as a user would.
  const daily = api.daily.find((d) => d.currency === 'usd')!;
  expect(daily.days.some((d) => d.approved > 0)).toBe(true);
  const chart = page.getByRole('figure', { name: /Last 30 days, USD/ });
  await chart.getByText('Show the numbers').click();
  const cells = await chart
    .locator('td[data-category][data-series]')
    .evaluateAll((tds) =>
      tds.map((td) => [td.getAttribute('data-category'), td.getAttribute('data-series'), td.textContent?.trim()]),
    );
  expect(cells).toEqual(
    daily.days.flatMap((d) => [
      [d.day, 'approved', formatMoney(d.approved, 'usd')],
      [d.day, 'declined', formatMoney(d.declined, 'usd')],
    ]),
  );
  const rowHeaders = await chart.locator('tbody th[scope="row"]').allInnerTexts();
  expect(rowHeaders).toEqual(daily.days.map((d) => dayLabel(d.day)));
}

test('platform admin: lands on the overview; its figures and chart are the API’s numbers', async ({ stack, page }) => {
  await signIn(page, stack.appUrl, 'admin@example.com');
  await page.waitForURL(`${stack.appUrl}/overview`);
  const nav = page.getByRole('navigation', { name: 'Main' });
  expect((await nav.getByRole('link').allInnerTexts())[0]).toBe('Overview');
  const api = await apiOverview(page, stack.appUrl);
  expect(api.scope).toBe('platform');
  await expectPageShows(page, api);
  await expectListsLinkToCards(page, 'Cancel or replace');
  // The admin's own sections: sensitive events and users, each leading to its page.
  await page.getByRole('heading', { level: 2, name: 'Recent sensitive events' }).waitFor();
  await page.getByRole('link', { name: 'Open Users' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
});

test('account user: opens the overview from the navigation; only their account, the API’s numbers', async ({
  stack,
  page,
}) => {
  await signIn(page, stack.appUrl, 'account@example.com');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  const api = await apiOverview(page, stack.appUrl);
  expect(api).toMatchObject({ scope: 'memberships', account_count: 1 });
  expect(api.periods.find((p) => p.key === 'today')!.spend).toContainEqual(
    expect.objectContaining({ currency: 'usd', amount: expect.any(Number) }),
  );
  await expectPageShows(page, api);
  await expectListsLinkToCards(page, 'Open the card');
  expect(await page.getByText('Your account', { exact: false }).count()).toBeGreaterThan(0);
  // Not the admin's sections.
  expect(await page.getByRole('heading', { name: 'Recent sensitive events' }).count()).toBe(0);
  expect(await page.getByRole('heading', { name: 'Users without a safeguard' }).count()).toBe(0);
});

test('support agent: "Find a card" first, no Overview, and /overview says it is not for the role', async ({
  stack,
  page,
}) => {
  await signIn(page, stack.appUrl, 'support@example.com');
  await page.getByRole('heading', { level: 1, name: 'Find a card' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  expect(await nav.getByRole('link', { name: 'Overview' }).count()).toBe(0);
  await page.goto(`${stack.appUrl}/overview`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.innerText()).toContain('Not for your role');
  await alert.getByRole('link', { name: 'Find a card' }).waitFor();
  expect((await page.request.get(`${stack.appUrl}/api/overview`)).status()).toBe(403);
});
