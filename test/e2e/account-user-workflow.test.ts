// The connected-account user's whole job in a real browser: land on their own account's cards,
// find no way into another account (a direct URL says "not allowed"), set a spending limit in
// Stripe's embedded card component and see it on the card, then make test purchases with that
// card on the card's own connected account (issued test cards work only there): above the limit
// the page says the limit declined it, below it the payment succeeds.
// The app server never carries the card's number or CVC.
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { clickBelowFrame, recordConsole, recordTraffic, signIn } from '../helpers/browser.ts';
import { readCardDetails } from '../helpers/card-details.ts';
import { stackTest } from '../helpers/fixtures.ts';
import type { Stack } from '../helpers/stack.ts';

let ownAccount: Stripe.Account;
let otherAccount: Stripe.Account;
let card: Stripe.Issuing.Card;

/** The issued card's number and CVC, read as an Issuing Element would (test-side knowledge only). */
async function cardSecrets(stack: Stack, cardId: string, account: string): Promise<{ number: string; cvc: string }> {
  const { number, cvc } = await readCardDetails(stack, cardId, account, ['number', 'cvc']);
  return { number: number!, cvc: cvc! };
}

const test = stackTest({ webhookSecret: 'whsec_account_user_workflow_e2e' });

test.beforeAll(async ({ stack }) => {
  // Webhooks delivered, as in a deployment: the pages read the mirror they feed (issue 18), and
  // the card below is made on Stripe directly.
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  ownAccount = accounts.at(-1)!; // the demo account user's account (the oldest)
  otherAccount = accounts[0]!;
  // A fresh active virtual card of the user's account, so earlier spending cannot interfere.
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: ownAccount.id })
  ).data[0]!;
  card = await stack.stripe.issuing.cards.create(
    { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: ownAccount.id },
  );
});

async function fillPaymentElement(page: Page, secrets: { number: string; cvc: string }) {
  const frame = page.frameLocator('iframe[title="Secure payment input frame"]');
  await frame.getByLabel('Card number').fill(secrets.number);
  await frame
    .getByLabel(/Expiration date/)
    .fill(`${String(card.exp_month).padStart(2, '0')}${String(card.exp_year).slice(-2)}`);
  await frame.getByLabel(/Security code/).fill(secrets.cvc);
  await frame.getByLabel('Postal code').fill('94110');
}

test('account user: own cards only, spending limit, declined and approved purchases', async ({
  stack,
  context,
  page,
}) => {
  const traffic = recordTraffic(context, stack.appUrl);
  await signIn(page, stack.appUrl, 'account@example.com');

  // -- Lands on their own account's cards.
  await expect.poll(() => new URL(page.url()).pathname).toBe(`/accounts/${ownAccount.id}`);
  await page.getByRole('heading', { level: 1, name: ownAccount.business_profile!.name! }).waitFor();
  await page
    .getByRole('region', { name: 'Open a card' })
    .getByRole('link', { name: new RegExp(card.last4) })
    .waitFor();
  // No issuing for this role.
  expect(await page.getByRole('form', { name: 'Issue a card' }).count()).toBe(0);

  // -- The accounts page lists only their account; another account's URL says "not allowed".
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  await page.getByRole('link', { name: ownAccount.business_profile!.name! }).waitFor();
  expect(await page.getByRole('row').count()).toBe(2);
  expect(await page.content()).not.toContain(otherAccount.id);

  await page.goto(`${stack.appUrl}/accounts/${otherAccount.id}`);
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
  expect(await page.getByRole('alert').innerText()).toMatch(/not allowed to open this account/);
  const foreignCard = (await stack.stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: otherAccount.id }))
    .data[0]!;
  await page.goto(`${stack.appUrl}/accounts/${otherAccount.id}/cards/${foreignCard.id}`);
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
  // Even under the user's own account in the URL, the server refuses the foreign card.
  await page.goto(`${stack.appUrl}/accounts/${ownAccount.id}/cards/${foreignCard.id}`);
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
  expect(await page.getByText(foreignCard.last4).count()).toBe(0);

  // -- Set a spending limit of 50.00 per authorization in Stripe's embedded card view. The page
  // with the component stays silent: no warning (e.g. "connect.js loaded twice"), no error.
  const consoleLines = recordConsole(page);
  await page.goto(`${stack.appUrl}/accounts/${ownAccount.id}/cards/${card.id}`);
  await page.getByRole('tab', { name: 'Spend controls' }).click();
  while (await page.getByRole('button', { name: /^Remove limit/ }).count()) {
    await page
      .getByRole('button', { name: /^Remove limit/ })
      .first()
      .click();
  }
  await page.getByRole('button', { name: 'Add spending limit' }).click();
  await page.getByLabel(/^Amount \(USD\)/).fill('50');
  await page.getByLabel('Interval').selectOption('per_authorization');
  await page.getByRole('button', { name: 'Save spend controls' }).click();
  await page.getByText('Spend controls saved.').waitFor();
  const saved = await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: ownAccount.id });
  expect(saved.spending_controls.spending_limits).toEqual([
    { amount: 5000, interval: 'per_authorization', categories: null },
  ]);

  // ...and sees it on the card (the overview, after a reload).
  await page.reload();
  await page.getByRole('tab', { name: 'Overview' }).click();
  await expect.poll(() => page.getByRole('tabpanel').innerText()).toMatch(/50\.00[\s\S]*per authorization/i);
  expect(consoleLines).toEqual([]);

  // -- Test purchase above the limit: declined, naming the limit.
  const secrets = await cardSecrets(stack, card.id, ownAccount.id);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Test purchase' }).click();
  // The card page (whose forms also have amounts) must be gone first.
  await page.getByRole('heading', { level: 1, name: 'Test purchase' }).waitFor();
  // The purchase runs on the card's account: the user's only account is the one taking it.
  const taking = page.getByLabel('Account taking the payment');
  expect(await taking.inputValue()).toBe(ownAccount.id);
  expect(await taking.locator('option').allInnerTexts()).toEqual([ownAccount.business_profile!.name!]);
  await page.getByLabel('Amount', { exact: true }).fill('75.00');
  await fillPaymentElement(page, secrets);
  await clickBelowFrame(page.getByRole('button', { name: 'Pay $75.00' }));
  const declined = page.getByRole('alert').filter({ hasText: 'Payment declined' });
  await declined.waitFor({ timeout: 15_000 });
  expect(await declined.innerText()).toContain('$75.00 is more than the card’s limit of $50.00 per purchase');

  // -- Below the limit: succeeds.
  await page.getByLabel('Amount', { exact: true }).fill('20.00');
  await clickBelowFrame(page.getByRole('button', { name: 'Pay $20.00' }));
  const succeeded = page.getByRole('status').filter({ hasText: 'Payment succeeded' });
  await succeeded.waitFor({ timeout: 15_000 });
  expect(await succeeded.innerText()).toContain('$20.00');
  const auths = await stack.stripe.issuing.authorizations.list(
    { card: card.id, limit: 10 },
    { stripeAccount: ownAccount.id },
  );
  expect(auths.data.map((a) => a.approved).sort()).toEqual([false, true]);
  // Both PaymentIntents are the connected account's (a direct charge), none the platform's.
  const intents = await stack.stripe.paymentIntents.list({ limit: 10 }, { stripeAccount: ownAccount.id });
  expect(intents.data.map((i) => [i.amount, i.status])).toEqual([
    [2000, 'succeeded'],
    [7500, 'requires_payment_method'],
  ]);
  expect((await stack.stripe.paymentIntents.list({ limit: 10 })).data).toHaveLength(0);

  // -- The app server never carried the number or the CVC.
  await page.waitForTimeout(200);
  expect(traffic.length).toBeGreaterThan(10);
  for (const exchange of traffic) {
    for (const secret of [secrets.number, `"cvc":"${secrets.cvc}"`]) {
      expect(exchange.requestBody, exchange.url).not.toContain(secret);
      expect(exchange.responseBody, exchange.url).not.toContain(secret);
    }
  }
  expect(await page.content()).not.toContain(secrets.number);
  await context.close();
});
