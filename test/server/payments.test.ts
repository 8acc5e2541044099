// POST /api/payments against the Stripe emulator over real HTTP: the server checks the amount
// and currency itself, creates and confirms the PaymentIntent with the browser's
// ConfirmationToken on the connected account taking the payment (the card's own: Stripe's issued
// test cards work only within their account), records the purchase, and on a decline by one of
// that account's cards names the control that declined it - only on accounts the user reaches.
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readCardDetails } from '../helpers/card-details.ts';
import { startStack, type Stack, demoSessions, type DemoCookies } from '../helpers/stack.ts';

let stack: Stack;
let cookies: DemoCookies;
let ownAccount: string;
let otherAccount: string;
const appBodies: string[] = [];

async function pay(cookie: string, payload: object): Promise<LightMyRequestResponse> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/payments',
    headers: { cookie, origin: stack.appUrl },
    payload,
  });
  appBodies.push(res.body);
  return res;
}

/** What the Payment Element's frame does: the card goes to Stripe with the publishable key. */
async function confirmationToken(
  card: { number: string; exp_month: number; exp_year: number; cvc: string },
  account: string,
): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/confirmation_tokens`, {
    method: 'POST',
    // Stripe.js initialised with `stripeAccount` sends it as Stripe-Account.
    headers: {
      authorization: `Bearer ${stack.config.stripe.publishableKey}`,
      'content-type': 'application/x-www-form-urlencoded',
      'stripe-account': account,
    },
    body: new URLSearchParams({
      'payment_method_data[type]': 'card',
      'payment_method_data[card][number]': card.number,
      'payment_method_data[card][exp_month]': String(card.exp_month),
      'payment_method_data[card][exp_year]': String(card.exp_year),
      'payment_method_data[card][cvc]': card.cvc,
      'payment_method_data[billing_details][address][postal_code]': '94110',
    }).toString(),
  });
  const body = (await res.json()) as { id?: string; error?: unknown };
  if (!body.id) throw new Error(`confirmation token refused: ${JSON.stringify(body)}`);
  return body.id;
}

/** The issued card's number and CVC, read the way an Issuing Element would (test-side knowledge). */
async function cardSecrets(card: Stripe.Issuing.Card, account: string) {
  const { number, cvc } = await readCardDetails(stack, card.id, account, ['number', 'cvc']);
  return { number: number!, cvc: cvc!, exp_month: card.exp_month, exp_year: card.exp_year };
}

async function issuedCard(account: string, controls: Stripe.Issuing.CardCreateParams.SpendingControls = {}) {
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account })
  ).data[0]!;
  const card = await stack.stripe.issuing.cards.create(
    { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active', spending_controls: controls },
    { stripeAccount: account },
  );
  return { card, secrets: await cardSecrets(card, account) };
}

const EXP = { exp_month: 12, exp_year: new Date().getUTCFullYear() + 2, cvc: '123' };

beforeAll(async () => {
  stack = await startStack();
  ({ cookies, ownAccount, otherAccount } = await demoSessions(stack));
});
afterAll(() => stack?.close());

describe('input the server decides on', () => {
  test.each([
    [{ amount: 49 }, 'amount'],
    [{ amount: 1_000_001 }, 'amount'],
    [{ amount: 12.5 }, 'amount'],
    [{ currency: 'jpy' }, 'currency'],
    [{ currency: 'USD' }, 'currency'],
    [{ confirmation_token: 'pm_card_visa' }, 'confirmation_token'],
    [{ extra: true }, 'extra'],
    [{ account: 'cus_123' }, 'account'],
  ])('%o is a 400 naming %s, before anything reaches Stripe', async (change, field) => {
    const res = await pay(cookies.account, {
      account: ownAccount,
      confirmation_token: 'ctoken_123',
      amount: 2500,
      currency: 'usd',
      ...change,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  test('support agents may not make test purchases', async () => {
    const res = await pay(cookies.support, {
      account: ownAccount,
      confirmation_token: 'ctoken_123',
      amount: 2500,
      currency: 'usd',
    });
    expect(res.statusCode).toBe(403);
  });

  test('an unknown or used confirmation token is a 400 on the token', async () => {
    const res = await pay(cookies.account, {
      account: ownAccount,
      confirmation_token: 'ctoken_doesnotexist',
      amount: 2500,
      currency: 'usd',
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_confirmation_token', field: 'confirmation_token' });
  });
});

describe('purchases', () => {
  test('a Stripe test card succeeds and the purchase is recorded', async () => {
    const token = await confirmationToken({ number: '4242424242424242', ...EXP }, ownAccount);
    const res = await pay(cookies.account, {
      account: ownAccount,
      confirmation_token: token,
      amount: 2500,
      currency: 'usd',
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'succeeded', payment_intent: expect.stringMatching(/^pi_/) });
    expect(body.decline).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    // A direct charge: the PaymentIntent is the connected account's, not the platform's.
    const intent = await stack.stripe.paymentIntents.retrieve(body.payment_intent, {}, { stripeAccount: ownAccount });
    expect(intent).toMatchObject({ amount: 2500, currency: 'usd', status: 'succeeded' });
    const rows = await stack.app.db.query<{
      payment_intent_id: string;
      account_id: string;
      amount: number;
      status: string;
    }>('SELECT payment_intent_id, account_id, amount, status FROM payments WHERE payment_intent_id = $1', [
      body.payment_intent,
    ]);
    expect(rows).toEqual([
      { payment_intent_id: body.payment_intent, account_id: ownAccount, amount: 2500, status: 'succeeded' },
    ]);
  });

  test('a card that asks for 3-D Secure answers requires_action with the client secret', async () => {
    const token = await confirmationToken({ number: '4000002760003184', ...EXP }, ownAccount);
    const body = (
      await pay(cookies.account, { account: ownAccount, confirmation_token: token, amount: 2500, currency: 'usd' })
    ).json();
    expect(body.status).toBe('requires_action');
    expect(body.client_secret).toMatch(new RegExp(`^${body.payment_intent}_secret_`));
  });

  test('an own issued card above its limit is declined, naming the limit; below it succeeds', async () => {
    const { card, secrets } = await issuedCard(ownAccount, {
      spending_limits: [{ amount: 5000, interval: 'per_authorization' }],
    });
    const declined = await pay(cookies.account, {
      account: ownAccount,
      confirmation_token: await confirmationToken(secrets, ownAccount),
      amount: 7500,
      currency: 'usd',
    });
    expect(declined.statusCode, declined.body).toBe(200);
    expect(declined.json()).toMatchObject({
      status: 'requires_payment_method',
      decline: {
        reason: 'spending_controls',
        message: expect.stringContaining('$75.00 is more than the card’s limit of $50.00 per purchase.'),
        control: { type: 'spending_limit', amount: 5000, interval: 'per_authorization', card: card.id },
      },
    });
    const rows = await stack.app.db.query<{ card_id: string; account_id: string; status: string }>(
      'SELECT card_id, account_id, status FROM payments WHERE payment_intent_id = $1',
      [declined.json().payment_intent],
    );
    expect(rows).toEqual([{ card_id: card.id, account_id: ownAccount, status: 'declined:spending_controls' }]);

    const approved = await pay(cookies.account, {
      account: ownAccount,
      confirmation_token: await confirmationToken(secrets, ownAccount),
      amount: 2000,
      currency: 'usd',
    });
    expect(approved.json()).toMatchObject({ status: 'succeeded' });
    expect(approved.json().decline).toBeUndefined();
  });

  test('an account the user does not reach takes no purchase: 403 before anything reaches Stripe', async () => {
    const { secrets } = await issuedCard(otherAccount, {
      spending_limits: [{ amount: 5000, interval: 'per_authorization' }],
    });
    const token = await confirmationToken(secrets, otherAccount);
    const res = await pay(cookies.account, {
      account: otherAccount,
      confirmation_token: token,
      amount: 7500,
      currency: 'usd',
    });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.code).toBe('account_out_of_scope');
    expect(res.body).not.toContain('50.00');
    // The admin reaches every account: on the card's own account the same purchase names the limit.
    const forAdmin = await pay(cookies.admin, {
      account: otherAccount,
      confirmation_token: token,
      amount: 7500,
      currency: 'usd',
    });
    expect(forAdmin.json().decline.message).toContain('$75.00 is more than the card’s limit of $50.00 per purchase.');
  });

  test("another account's card is unknown here: declined as Stripe declines a non-test number, nothing named", async () => {
    const { card, secrets } = await issuedCard(otherAccount);
    const res = await pay(cookies.admin, {
      account: ownAccount,
      confirmation_token: await confirmationToken(secrets, ownAccount),
      amount: 2500,
      currency: 'usd',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().decline).toMatchObject({ code: 'test_mode_live_card', reason: null });
    expect(res.json().decline.control).toBeUndefined();
    const auths = await stack.stripe.issuing.authorizations.list(
      { card: card.id, limit: 10 },
      { stripeAccount: otherAccount },
    );
    expect(auths.data).toHaveLength(0);
  });

  test('an account that cannot take card payments says so (409 naming the account) and no PaymentIntent is made', async () => {
    const account = await stack.stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_profile: { name: 'No Card Payments Ltd' },
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    });
    const token = await confirmationToken({ number: '4242424242424242', ...EXP }, account.id);
    const res = await pay(cookies.admin, {
      account: account.id,
      confirmation_token: token,
      amount: 2500,
      currency: 'usd',
    });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'card_payments_inactive', field: 'account' });
    expect(res.json().error.message).toMatch(/cannot take card payments.*card_payments capability/);
    expect((await stack.stripe.paymentIntents.list({ limit: 10 }, { stripeAccount: account.id })).data).toHaveLength(0);
  });

  test('an account Stripe does not know means the same on every route that names one: 404 account_not_found (server/domain/stripe-errors.ts)', async () => {
    const unknown = 'acct_1UnknownToStripe0';
    const headers = { cookie: cookies.admin, origin: stack.appUrl };
    const purchase = await pay(cookies.admin, {
      account: unknown,
      confirmation_token: 'ctoken_123',
      amount: 2500,
      currency: 'usd',
    });
    const holders = await stack.app.inject({ method: 'GET', url: `/api/cardholders?account=${unknown}`, headers });
    const session = await stack.app.inject({
      method: 'POST',
      url: '/api/account-sessions',
      headers,
      payload: { account: unknown },
    });
    for (const res of [purchase, holders, session]) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.code).toBe('account_not_found');
    }
  });

  test('no card number or CVC in any response of the app', () => {
    expect(appBodies.length).toBeGreaterThan(0);
    for (const body of appBodies) {
      expect(body).not.toMatch(/\b\d{15,16}\b/);
      expect(body).not.toMatch(/"cvc"/);
    }
  });
});
