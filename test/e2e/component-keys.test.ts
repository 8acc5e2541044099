// Component keys are not reveals (issue 11.1, docs/decisions/060), in a real browser: Stripe's
// issuing cards list fetches an ephemeral key for every card it opens, as Stripe documents, so an
// account user opening 60 cards within a minute sees "Show numbers" on every one, never a 429, and
// the audit log shows 60 component keys and no reveals. And when Stripe refuses the key because
// Issuing Elements are not enabled for connected accounts (issue 11.5), the page says so.
import type { Response } from 'playwright-core';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { policyFor } from '../../shared/policy.ts';
import { recordConsole, signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';

const CARDS = 60;
let ownAccount: Stripe.Account;
let holder: Stripe.Issuing.Cardholder;
let cards: Stripe.Issuing.Card[];

const test = stackTest();

test.beforeAll(async ({ stack }) => {
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  ownAccount = accounts.at(-1)!; // the demo account user's account
  // A cardholder of its own, so that the list can be narrowed to exactly these cards.
  holder = await stack.stripe.issuing.cardholders.create(
    {
      name: 'Sixty Cards',
      type: 'individual',
      email: 'sixty@example.com',
      billing: {
        address: { line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
      },
    },
    { stripeAccount: ownAccount.id },
  );
  // 60 cards a person can tell apart by their last four digits (numbers are random: skip repeats).
  // Made faster than Stripe's 25 requests a second allow: the emulator's limit is off meanwhile,
  // and back on for the browsing, which stays well below it.
  stack.emulator.emulator.rateLimits.configure(false);
  cards = [];
  const seen = new Set<string>();
  while (cards.length < CARDS) {
    const card = await stack.stripe.issuing.cards.create(
      { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active' },
      { stripeAccount: ownAccount.id },
    );
    if (seen.has(card.last4)) {
      await stack.stripe.issuing.cards.update(card.id, { status: 'canceled' }, { stripeAccount: ownAccount.id });
      continue;
    }
    seen.add(card.last4);
    cards.push(card);
  }
  stack.emulator.emulator.rateLimits.configure({ enabled: true });
}, 120_000);

test(`an account user opens ${CARDS} cards in the card list: Show numbers on every one, no 429, ${CARDS} component keys and no reveals`, async ({
  stack,
  browser,
}) => {
  expect(CARDS).toBeGreaterThan(policyFor('account_user').permissions.reveal.ratePerMinute);
  const context = await browser.newContext();
  const page = await context.newPage();
  const keyStatuses: number[] = [];
  page.on('response', (response: Response) => {
    if (response.url() === `${stack.appUrl}/api/ephemeral-keys`) keyStatuses.push(response.status());
  });
  await signIn(page, stack.appUrl, 'account@example.com');
  await expect.poll(() => new URL(page.url()).pathname).toBe(`/accounts/${ownAccount.id}`);
  // The page with the component, loaded afresh and heard from its start (the sign-in page's
  // "not signed in yet" 401 is not its business).
  const consoleLines = recordConsole(page);
  await page.reload();
  const list = page.getByRole('region', { name: 'Cards (Stripe)' });
  await list.getByLabel('Cardholder').selectOption(holder.id);
  await list.getByLabel('Status').selectOption('active');
  await expect
    .poll(() => list.getByRole('button', { name: /, card ending in \d{4}$/ }).count(), { timeout: 20_000 })
    .toBe(CARDS);

  const started = Date.now();
  for (const card of cards) {
    await list.getByRole('button', { name: `Sixty Cards, card ending in ${card.last4}` }).click();
    await list.getByRole('heading', { name: new RegExp(`•••• ${card.last4}`) }).waitFor();
    // The key comes as the card loads; the button appears only with a valid one.
    await list.getByRole('button', { name: 'Show numbers' }).waitFor({ timeout: 10_000 });
    await list.getByRole('button', { name: 'Back to cards' }).click();
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `[component-keys] ${CARDS} cards opened in ${seconds.toFixed(1)} s; key responses: ${keyStatuses.length}, statuses: ${[...new Set(keyStatuses)].join(',')}`,
  );
  expect(keyStatuses).toHaveLength(CARDS);
  expect(keyStatuses.filter((status) => status !== 200)).toEqual([]);
  expect(consoleLines).toEqual([]);
  await context.close();

  // The audit log, as a platform admin reads it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, stack.appUrl, 'admin@example.com');
  await admin.goto(`${stack.appUrl}/audit?user=account%40example.com`);
  const rows = admin.getByRole('table').getByRole('row');
  await expect.poll(() => rows.filter({ hasText: /component key/i }).count(), { timeout: 15_000 }).toBe(CARDS);
  // Nothing else of this user's card details: no reveal rows.
  expect(
    await rows
      .filter({ hasText: /reveal/i })
      .filter({ hasNotText: /component key/i })
      .count(),
  ).toBe(0);
  const byKind = async (kind: string) => {
    const res = await admin.request.get(`${stack.appUrl}/api/audit?user=account%40example.com&kind=${kind}&limit=1000`);
    expect(res.status()).toBe(200);
    return ((await res.json()) as { data: { kind: string }[] }).data;
  };
  expect(await byKind('component_key')).toHaveLength(CARDS);
  expect(await byKind('reveal')).toEqual([]);
  await adminContext.close();
}, 240_000);

test('Issuing Elements not enabled for connected accounts: no Show numbers, and the page names the prerequisite', async ({
  stack,
  context,
  page,
}) => {
  stack.emulator.store.issuingElementsDisabled.add(ownAccount.id);
  try {
    await signIn(page, stack.appUrl, 'account@example.com');
    const card = cards[0]!;
    await page.goto(`${stack.appUrl}/accounts/${ownAccount.id}/cards/${card.id}`);
    const alert = page.getByRole('alert').filter({ hasText: "Card numbers can't be shown" });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toMatch(/Issuing Elements are not enabled for this platform's connected accounts/);
    expect(await alert.innerText()).not.toMatch(/did not answer as expected/);
    // Stripe's card component shows the card (the page's own heading names it the same way).
    await page
      .getByRole('region', { name: 'Card (Stripe)' })
      .getByRole('heading', { name: new RegExp(`•••• ${card.last4}`) })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Show numbers' }).count()).toBe(0);
  } finally {
    stack.emulator.store.issuingElementsDisabled.clear();
    await context.close();
  }
});

test("the support agent's reveal view names the same prerequisite instead of a generic failure", async ({
  stack,
  context,
  page,
}) => {
  stack.emulator.store.issuingElementsDisabled.add(ownAccount.id);
  try {
    await signIn(page, stack.appUrl, 'support@example.com');
    const card = cards[1]!;
    await page.goto(`${stack.appUrl}/accounts/${ownAccount.id}/cards/${card.id}/reveal`);
    await page.getByLabel('Reason for revealing').fill('Ticket SUP-2001');
    await page.getByRole('button', { name: 'Reveal card details' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Not enabled by Stripe' });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toMatch(/Issuing Elements are not enabled for this platform's connected accounts/);
    expect(await page.locator('iframe[title="Card number"]').count()).toBe(0);
  } finally {
    stack.emulator.store.issuingElementsDisabled.clear();
    await context.close();
  }
});
