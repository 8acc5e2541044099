// Naming the control that declined a purchase, from real authorizations: the emulator decides
// them (test-helper authorizations, as a card network would send them) and the explanation is
// built from what the public API returns, as it would be against Stripe.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { explainIssuingDecline } from '../../server/domain/purchase-declines.ts';
import { formatAmount, windowEnd, windowStart } from '../../shared/spending-windows.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let account: string;
let holder: string;

beforeAll(async () => {
  stack = await startStack();
  account = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!.id;
  holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account }))
    .data[0]!.id;
});
afterAll(() => stack?.close());

async function cardWith(
  controls: Stripe.Issuing.CardCreateParams.SpendingControls,
  status: 'active' | 'inactive' = 'active',
) {
  return stack.stripe.issuing.cards.create(
    {
      cardholder: holder,
      type: 'virtual',
      currency: 'usd',
      status,
      spending_controls: controls,
      expand: ['cardholder'],
    },
    { stripeAccount: account },
  );
}

async function authorize(card: Stripe.Issuing.Card, amount: number, category = 'computer_software_stores') {
  return stack.stripe.testHelpers.issuing.authorizations.create(
    { card: card.id, amount, merchant_data: { category: category as never, country: 'US' } },
    { stripeAccount: account },
  );
}

async function explain(card: Stripe.Issuing.Card, authorization: Stripe.Issuing.Authorization) {
  return explainIssuingDecline('card_declined', { stripe: stack.stripe, card, account, authorization });
}

describe('explainIssuingDecline', () => {
  test('a purchase above a per-authorization limit names that limit', async () => {
    const card = await cardWith({ spending_limits: [{ amount: 5000, interval: 'per_authorization' }] });
    const auth = await authorize(card, 7500);
    expect(auth.approved).toBe(false);
    const decline = await explain(card, auth);
    expect(decline).toMatchObject({
      code: 'card_declined',
      reason: 'spending_controls',
      message: expect.stringContaining('$75.00 is more than the card’s limit of $50.00 per purchase.'),
      control: { type: 'spending_limit', scope: 'card', amount: 5000, interval: 'per_authorization', currency: 'usd' },
    });
  });

  test('a daily limit counts what was already spent today; the tighter of two limits is named', async () => {
    const card = await cardWith({
      spending_limits: [
        { amount: 10000, interval: 'daily' },
        { amount: 9000, interval: 'per_authorization' },
      ],
    });
    expect((await authorize(card, 6000)).approved).toBe(true);
    const auth = await authorize(card, 5000); // 110.00 today > 100.00, yet under 90.00 per authorization
    expect(auth.approved).toBe(false);
    const decline = await explain(card, auth);
    expect(decline.message).toContain(
      '$60.00 was already spent that day; $50.00 more would pass the card’s limit of $100.00 per day.',
    );
    expect(decline.control).toMatchObject({ interval: 'daily', amount: 10000 });
  });

  test('a blocked merchant category is named', async () => {
    const card = await cardWith({ blocked_categories: ['betting_casino_gambling'] });
    const auth = await authorize(card, 1000, 'betting_casino_gambling');
    const decline = await explain(card, auth);
    expect(decline.message).toMatch(/betting casino gambling is blocked on the card/);
    expect(decline.control).toMatchObject({ type: 'blocked_categories', categories: ['betting_casino_gambling'] });
  });

  test('a frozen card is named as such', async () => {
    const card = await cardWith({}, 'inactive');
    const auth = await authorize(card, 1000);
    const decline = await explain(card, auth);
    expect(decline).toMatchObject({ reason: 'card_inactive', control: { type: 'card_status' } });
    expect(decline.message).toMatch(/frozen/);
  });
});

test('amounts and windows', () => {
  expect(formatAmount(5000, 'usd')).toBe('50.00 USD');
  expect(formatAmount(500, 'jpy')).toBe('500 JPY');
  // Wednesday 2026-11-25 13:00 UTC: the week started on Sunday the 22nd.
  const now = Date.UTC(2026, 10, 25, 13) / 1000;
  expect(windowStart('weekly', now)).toBe(Date.UTC(2026, 10, 22) / 1000);
  expect(windowStart('daily', now)).toBe(Date.UTC(2026, 10, 25) / 1000);
  expect(windowStart('monthly', now)).toBe(Date.UTC(2026, 10, 1) / 1000);
  expect(windowStart('yearly', now)).toBe(Date.UTC(2026, 0, 1) / 1000);
  expect(windowStart('all_time', now)).toBe(0);
  expect(windowStart('per_authorization', now)).toBeUndefined();
  // ... and each resets at the start of the next one.
  expect(windowEnd('daily', now)).toBe(Date.UTC(2026, 10, 26) / 1000);
  expect(windowEnd('weekly', now)).toBe(Date.UTC(2026, 10, 29) / 1000);
  expect(windowEnd('monthly', now)).toBe(Date.UTC(2026, 11, 1) / 1000);
  expect(windowEnd('yearly', now)).toBe(Date.UTC(2027, 0, 1) / 1000);
  expect(windowEnd('all_time', now)).toBeUndefined();
  // Saturday 23:59:59 is still in the week that began on Sunday.
  expect(windowEnd('weekly', Date.UTC(2026, 10, 28, 23, 59, 59) / 1000)).toBe(Date.UTC(2026, 10, 29) / 1000);
});
