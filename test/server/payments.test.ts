// POST /api/payments against the Stripe emulator over real HTTP: the server checks the amount
// and currency itself, creates and confirms the PaymentIntent with the browser's
// ConfirmationToken, records the purchase, and on a decline by one of the platform's own cards
// names the control that declined it - only for cards the user reaches.
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readCardDetails } from '../helpers/card-details.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let cookies: Record<'admin' | 'account' | 'support', string>;
let ownAccount: string;
let otherAccount: string;
const appBodies: string[] = [];

async function pay(cookie: string, payload: object): Promise<LightMyRequestResponse> {
  const res = await stack.app.inject({ method: 'POST', url: '/api/payments', headers: { cookie, origin: stack.appUrl }, payload });
  appBodies.push(res.body);
  return res;
}

/** What the Payment Element's frame does: the card goes to Stripe with the publishable key. */
async function confirmationToken(card: { number: string; exp_month: number; exp_year: number; cvc: string }): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/confirmation_tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.config.stripe.publishableKey}`, 'content-type': 'application/x-www-form-urlencoded' },
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
  const holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account })).data[0]!;
  const card = await stack.stripe.issuing.cards.create(
    { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active', spending_controls: controls },
    { stripeAccount: account },
  );
  return { card, secrets: await cardSecrets(card, account) };
}

const EXP = { exp_month: 12, exp_year: new Date().getUTCFullYear() + 2, cvc: '123' };

beforeAll(async () => {
  stack = await startStack();
  cookies = {
    admin: await stack.loginCookie('admin@example.com'),
    account: await stack.loginCookie('account@example.com'),
    support: await stack.loginCookie('support@example.com'),
  };
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  ownAccount = accounts.at(-1)!.id;
  otherAccount = accounts[0]!.id;
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
  ])('%o is a 400 naming %s, before anything reaches Stripe', async (change, field) => {
    const res = await pay(cookies.account, { confirmation_token: 'ctoken_123', amount: 2500, currency: 'usd', ...change });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  test('support agents may not make test purchases', async () => {
    const res = await pay(cookies.support, { confirmation_token: 'ctoken_123', amount: 2500, currency: 'usd' });
    expect(res.statusCode).toBe(403);
  });

  test('an unknown or used confirmation token is a 400 on the token', async () => {
    const res = await pay(cookies.account, { confirmation_token: 'ctoken_doesnotexist', amount: 2500, currency: 'usd' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_confirmation_token', field: 'confirmation_token' });
  });
});

describe('purchases', () => {
  test('a Stripe test card succeeds and the purchase is recorded', async () => {
    const token = await confirmationToken({ number: '4242424242424242', ...EXP });
    const res = await pay(cookies.account, { confirmation_token: token, amount: 2500, currency: 'usd' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'succeeded', payment_intent: expect.stringMatching(/^pi_/) });
    expect(body.decline).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    const intent = await stack.stripe.paymentIntents.retrieve(body.payment_intent);
    expect(intent).toMatchObject({ amount: 2500, currency: 'usd', status: 'succeeded' });
    const rows = await stack.app.db.query<{ payment_intent_id: string; amount: number; status: string }>(
      'SELECT payment_intent_id, amount, status FROM payments WHERE payment_intent_id = $1',
      [body.payment_intent],
    );
    expect(rows).toEqual([{ payment_intent_id: body.payment_intent, amount: 2500, status: 'succeeded' }]);
  });

  test('a card that asks for 3-D Secure answers requires_action with the client secret', async () => {
    const token = await confirmationToken({ number: '4000002760003184', ...EXP });
    const body = (await pay(cookies.account, { confirmation_token: token, amount: 2500, currency: 'usd' })).json();
    expect(body.status).toBe('requires_action');
    expect(body.client_secret).toMatch(new RegExp(`^${body.payment_intent}_secret_`));
  });

  test('an own issued card above its limit is declined, naming the limit; below it succeeds', async () => {
    const { card, secrets } = await issuedCard(ownAccount, { spending_limits: [{ amount: 5000, interval: 'per_authorization' }] });
    const declined = await pay(cookies.account, { confirmation_token: await confirmationToken(secrets), amount: 7500, currency: 'usd' });
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

    const approved = await pay(cookies.account, { confirmation_token: await confirmationToken(secrets), amount: 2000, currency: 'usd' });
    expect(approved.json()).toMatchObject({ status: 'succeeded' });
    expect(approved.json().decline).toBeUndefined();
  });

  test('a card of an account the user does not reach is never named', async () => {
    const { secrets } = await issuedCard(otherAccount, { spending_limits: [{ amount: 5000, interval: 'per_authorization' }] });
    const res = await pay(cookies.account, { confirmation_token: await confirmationToken(secrets), amount: 7500, currency: 'usd' });
    const body = res.json();
    expect(body.decline).toBeDefined();
    expect(body.decline.reason).toBeNull();
    expect(body.decline.control).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('50.00');
    // The admin reaches every account, so the same decline names the limit for them.
    const forAdmin = await pay(cookies.admin, { confirmation_token: await confirmationToken(secrets), amount: 7500, currency: 'usd' });
    expect(forAdmin.json().decline.message).toContain('$75.00 is more than the card’s limit of $50.00 per purchase.');
  });

  test('no card number or CVC in any response of the app', () => {
    expect(appBodies.length).toBeGreaterThan(0);
    for (const body of appBodies) {
      expect(body).not.toMatch(/\b\d{15,16}\b/);
      expect(body).not.toMatch(/"cvc"/);
    }
  });
});
