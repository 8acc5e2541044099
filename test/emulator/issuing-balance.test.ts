// Each connected account's Issuing balance: GET /v1/balance (issuing.available) per account,
// funded by top-ups, held by approved authorizations, released by reversals, spent by
// captures; an authorization beyond it declines with insufficient_funds.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_ISSUING_FUNDS } from '../../emulator/seed.ts';
import { testOnboardingParams } from '../../shared/stripe-test-onboarding.ts';
import { seededAccounts, startEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
});
afterAll(() => emu.close());

const address = { city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' };

/** A new account, onboarded with Stripe's test values, with one active virtual card. */
async function accountWithCard(): Promise<{ account: string; card: string }> {
  const account = await stripe.accounts.create({
    type: 'custom',
    country: 'US',
    capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    ...testOnboardingParams({
      businessName: 'Echo Events',
      url: 'https://echo.example',
      person: { first_name: 'Eve', last_name: 'Echo', email: 'eve@echo.example', phone: '+14155550177' },
      address,
      acceptedAt: 1_760_000_000,
      acceptedFromIp: '192.0.2.1',
    }),
  });
  const on = { stripeAccount: account.id };
  const holder = await stripe.issuing.cardholders.create(
    { name: 'Eve Echo', billing: { address: { line1: '1 Main St', ...address } } },
    on,
  );
  const card = await stripe.issuing.cards.create(
    { cardholder: holder.id, currency: 'usd', type: 'virtual', status: 'active' },
    on,
  );
  return { account: account.id, card: card.id };
}

async function issuingAvailable(account: string): Promise<number> {
  const balance = await stripe.balance.retrieve({}, { stripeAccount: account });
  return balance.issuing?.available.find((b) => b.currency === 'usd')?.amount ?? NaN;
}

async function fund(account: string, amount: number, currency = 'usd') {
  // A US account's Issuing balance is funded by top-up (`fund_balance` is for UK and euro-area
  // accounts: test/emulator/issuing-funding.test.ts); `btok_us_verified` succeeds at once.
  return emu.raw('POST', '/v1/topups', {
    account,
    body: `amount=${amount}&currency=${currency}&destination_balance=issuing&source=btok_us_verified`,
  });
}

function lastReason(auth: Stripe.Issuing.Authorization): string | undefined {
  return auth.request_history[auth.request_history.length - 1]?.reason;
}

describe('the Issuing balance', () => {
  it('starts at 0 for a new account, which declines every authorization with insufficient_funds', async () => {
    const { account, card } = await accountWithCard();
    const balance = await stripe.balance.retrieve({}, { stripeAccount: account });
    expect(balance).toMatchObject({
      object: 'balance',
      livemode: false,
      issuing: { available: [{ amount: 0, currency: 'usd' }] },
    });
    // The 2024 spec subset has no balance schema: the SDK type's required fields instead.
    expect(Object.keys(balance).sort()).toEqual(['available', 'issuing', 'livemode', 'object', 'pending']);
    expect(balance.available[0]).toMatchObject({ amount: 0, currency: 'usd' });

    const auth = await stripe.testHelpers.issuing.authorizations.create(
      { card, amount: 1000 },
      { stripeAccount: account },
    );
    expect(auth.approved).toBe(false);
    expect(lastReason(auth)).toBe('insufficient_funds');
  });

  it('is funded by top-ups, held by approvals, released by reversals and spent by captures', async () => {
    const { account, card } = await accountWithCard();
    const on = { stripeAccount: account };
    const funded = await fund(account, 5000);
    expect(funded.status).toBe(200);
    expect(await issuingAvailable(account)).toBe(5000);

    const first = await stripe.testHelpers.issuing.authorizations.create({ card, amount: 3000 }, on);
    expect(first.approved).toBe(true);
    expect(await issuingAvailable(account)).toBe(2000);

    const second = await stripe.testHelpers.issuing.authorizations.create({ card, amount: 2500 }, on);
    expect(lastReason(second)).toBe('insufficient_funds');
    expect(second.request_history[0]!.reason_message).toMatch(/20\.00 USD available/);

    await stripe.testHelpers.issuing.authorizations.reverse(first.id, {}, on);
    expect(await issuingAvailable(account)).toBe(5000);

    const third = await stripe.testHelpers.issuing.authorizations.create({ card, amount: 4000 }, on);
    expect(third.approved).toBe(true);
    const increment = await stripe.testHelpers.issuing.authorizations.increment(
      third.id,
      { increment_amount: 2000 },
      on,
    );
    expect(increment.request_history[increment.request_history.length - 1]).toMatchObject({
      approved: false,
      reason: 'insufficient_funds',
    });
    await stripe.testHelpers.issuing.authorizations.capture(third.id, {}, on);
    expect(await issuingAvailable(account)).toBe(1000);
  });

  it('belongs to its account: funding one leaves the others as they were', async () => {
    const a = await accountWithCard();
    const b = await accountWithCard();
    await fund(a.account, 7000);
    expect(await issuingAvailable(a.account)).toBe(7000);
    expect(await issuingAvailable(b.account)).toBe(0);
  });

  it('refuses a bad funding request with a 400 naming the parameter', async () => {
    const { account } = await accountWithCard();
    const badCurrency = await fund(account, 100, 'xyz');
    expect(badCurrency.status).toBe(400);
    expect(badCurrency.body.error.param).toBe('currency');
    const noAmount = await emu.raw('POST', '/v1/test_helpers/issuing/fund_balance', { account, body: 'currency=usd' });
    expect(noAmount.status).toBe(400);
    expect(noAmount.body.error.param).toBe('amount');
  });

  it('is funded for the seeded accounts, less what their seeded purchases spent', async () => {
    const [acme] = await seededAccounts(stripe);
    const auths = await stripe.issuing.authorizations.list({ limit: 100 }, { stripeAccount: acme!.id });
    // Pending authorizations hold their amount; captured ones spent what their transactions say.
    const spent = auths.data
      .filter((a) => a.approved)
      .reduce(
        (sum, a) => sum + (a.status === 'pending' ? a.amount : 0) + a.transactions.reduce((s, t) => s - t.amount, 0),
        0,
      );
    expect(spent).toBeGreaterThan(0);
    expect(await issuingAvailable(acme!.id)).toBe(SEED_ISSUING_FUNDS - spent);
  });
});
