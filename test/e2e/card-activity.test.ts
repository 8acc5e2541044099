// "Why was my card declined?" and "how much can I still spend today?", answered on the card page
// in a real browser: the account user simulates purchases (Stripe's Issuing test helper on the
// card's account); the remaining limit drops by an approved one; a declined one shows its
// explanation with the matching control and a link to the controls; an authorization made
// elsewhere (as a card network would) appears without a reload within 2 seconds. The support
// agent sees the same answers for the card it looked up, without the actions it may not take;
// the admin sees them on the account's page.
import type Stripe from 'stripe';
import { expect } from 'vitest';
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
  const daily = limits.getByRole('row', { name: /Card: \$50\.00 per day/ });
  await expect.poll(() => daily.innerText()).toMatch(/\$0\.00\s+\$50\.00/);
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  await authorizations.getByText('Live').waitFor();

  // -- An approved purchase: the remaining limit drops by it.
  const simulate = page.getByRole('region', { name: 'Simulate a purchase' });
  await simulate.getByLabel('Purchase amount (USD)').fill('30.00');
  await simulate.getByLabel('Merchant category').selectOption('computer_software_stores');
  await simulate.getByRole('button', { name: 'Simulate $30.00' }).click();
  await simulate.getByRole('status').filter({ hasText: 'Approved' }).waitFor();
  await expect.poll(() => daily.innerText()).toMatch(/\$30\.00\s+\$20\.00/);

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
  expect(await daily.innerText()).toMatch(/\$30\.00\s+\$20\.00/);

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

  // -- The link takes a user who may edit controls straight to them.
  await row.getByRole('link', { name: 'Edit spending controls' }).click();
  await expect.poll(() => new URL(page.url()).hash).toBe('#spend-controls');
  await page.getByRole('tab', { name: 'Spend controls' }).waitFor();
  expect(consoleErrors).toEqual([]);
  await context.close();
});

test('support agent: the card it looked up, with its decline explanations; no simulating, no link to edit controls', async ({
  stack,
  browser,
}) => {
  // On a phone-sized screen, as support agents often are.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, stack.appUrl, 'support@example.com');
  await page.goto(cardUrl(stack));
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  await authorizations.getByText('$30.00 was already spent that day', { exact: false }).first().waitFor();
  await page
    .getByRole('region', { name: 'Remaining limits' })
    .getByRole('row', { name: /per day/ })
    .waitFor();
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
  await page.screenshot({ path: '/tmp/answers-card-390.png', fullPage: true });
  await context.close();
});

test('admin: the account’s authorizations on its page, declines explained', async ({ stack, context, page }) => {
  await signIn(page, stack.appUrl, 'admin@example.com');
  await page.goto(`${stack.appUrl}/accounts/${account}`);
  const authorizations = page.getByRole('region', { name: /^Authorizations/ });
  await authorizations.getByText('Night Cab Co', { exact: false }).first().waitFor();
  await authorizations.getByRole('link', { name: 'Edit spending controls' }).first().waitFor();
  await context.close();
});
