// Payments as "finalize payments on the server" makes them: a ConfirmationToken from the browser
// (publishable key) or the test helper, a PaymentIntent created and confirmed with it; Stripe's
// test cards and PaymentMethods; 3D Secure completed or failed through the emulator's challenge
// endpoints; and a payment with the number of one of the emulator's Issuing cards, which becomes
// an Issuing authorization on that card, approved or declined by its spending controls.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseErrors, schemaErrors } from './openapi.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let acme: string;

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const PK = 'pk_test_browser';

/** What the emulator's Payment Element frame posts to /v1/confirmation_tokens. */
async function browserToken(
  number: string,
  exp = { month: 12, year: 2034 },
  cvc = '123',
  account?: string,
): Promise<{ status: number; body: any }> {
  const body = new URLSearchParams({
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': number,
    'payment_method_data[card][exp_month]': String(exp.month),
    'payment_method_data[card][exp_year]': String(exp.year),
    'payment_method_data[card][cvc]': cvc,
    'payment_method_data[billing_details][address][postal_code]': '94110',
  }).toString();
  return emu.raw('POST', '/v1/confirmation_tokens', { key: PK, body, ...(account ? { account } : {}) });
}

async function tokenFor(
  number: string,
  exp?: { month: number; year: number },
  cvc?: string,
  account?: string,
): Promise<string> {
  const res = await browserToken(number, exp, cvc, account);
  expect(res.status).toBe(200);
  return res.body.id as string;
}

function pay(
  confirmationToken: string,
  amount = 2500,
  extra: Partial<Stripe.PaymentIntentCreateParams> = {},
  account?: string,
): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create(
    {
      amount,
      currency: 'usd',
      confirm: true,
      confirmation_token: confirmationToken,
      automatic_payment_methods: { enabled: true },
      ...extra,
    },
    account ? { stripeAccount: account } : {},
  );
}

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  acme = (await seededAccounts(stripe))[0]!.id;
});
afterAll(() => emu.close());

describe('confirmation tokens', () => {
  it('the browser creates one with the publishable key; the server retrieves it; the number is never shown', async () => {
    const res = await browserToken('4242424242424242');
    expect(res.status).toBe(200);
    const token = res.body;
    expect(token.id).toMatch(/^ctoken_/);
    expect(token).toMatchObject({
      object: 'confirmation_token',
      livemode: false,
      payment_intent: null,
      setup_intent: null,
      use_stripe_sdk: true,
    });
    expect(token.expires_at - token.created).toBe(12 * 3600);
    expect(token.payment_method_preview).toMatchObject({
      type: 'card',
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034, funding: 'credit' },
      billing_details: { address: { postal_code: '94110' } },
    });
    expect(JSON.stringify(token)).not.toContain('4242424242424242');
    expect(JSON.stringify(token)).not.toContain('"123"');
    expect(schemaErrors('confirmation_token', token)).toEqual([]);

    const retrieved = await stripe.confirmationTokens.retrieve(token.id);
    expect(retrieved.id).toBe(token.id);
    expect(responseErrors('get', '/v1/confirmation_tokens/{confirmation_token}', 200, json(retrieved))).toEqual([]);
    const withPk = await emu.raw('GET', `/v1/confirmation_tokens/${token.id}`, { key: PK });
    expect(withPk.status).toBe(401);
  });

  it('the test helper makes one from a test PaymentMethod', async () => {
    const token = await stripe.testHelpers.confirmationTokens.create({ payment_method: 'pm_card_visa' });
    expect(token.payment_method_preview?.card).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(responseErrors('post', '/v1/test_helpers/confirmation_tokens', 200, json(token))).toEqual([]);
    const unknown = await stripeError(() =>
      stripe.testHelpers.confirmationTokens.create({ payment_method: 'pm_1Unknown' }),
    );
    expect(unknown).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'payment_method' });
  });

  it('card errors as Stripe tokenizes: bad number, past expiry', async () => {
    const bad = await browserToken('4242424242424241');
    expect(bad.status).toBe(402);
    expect(bad.body.error).toMatchObject({ type: 'card_error', code: 'incorrect_number' });
    const past = await browserToken('4242424242424242', { month: 1, year: 2020 });
    expect(past.status).toBe(402);
    expect(past.body.error).toMatchObject({ type: 'card_error', code: 'invalid_expiry_year' });
  });
});

describe('payment intents with test cards', () => {
  it('4242… succeeds; the intent validates against Stripe’s schema and Stripe.js reads it with the client secret', async () => {
    const intent = await pay(await tokenFor('4242424242424242'));
    expect(intent).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: 2500,
      amount_received: 2500,
      currency: 'usd',
      last_payment_error: null,
      next_action: null,
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(responseErrors('post', '/v1/payment_intents', 200, json(intent))).toEqual([]);

    const read = await emu.raw('GET', `/v1/payment_intents/${intent.id}?client_secret=${intent.client_secret}`, {
      key: PK,
    });
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('succeeded');
    const noSecret = await emu.raw('GET', `/v1/payment_intents/${intent.id}`, { key: PK });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.error.param).toBe('client_secret');
    const wrong = await emu.raw('GET', `/v1/payment_intents/${intent.id}?client_secret=${intent.id}_secret_wrong`, {
      key: PK,
    });
    expect(wrong.status).toBe(400);

    const expanded = await stripe.paymentIntents.retrieve(intent.id, { expand: ['payment_method'] });
    expect((expanded.payment_method as Stripe.PaymentMethod).card?.last4).toBe('4242');
    expect(schemaErrors('payment_method', json(expanded.payment_method))).toEqual([]);
  });

  const declines: Array<[string, string, string | undefined, RegExp]> = [
    ['4000000000000002', 'card_declined', 'generic_decline', /declined/],
    ['4000000000009995', 'card_declined', 'insufficient_funds', /insufficient funds/],
    ['4000000000000069', 'expired_card', 'expired_card', /expired/],
    ['4000000000000127', 'incorrect_cvc', 'incorrect_cvc', /security code/],
    ['4111111111111111', 'card_declined', 'test_mode_live_card', /test mode/],
  ];
  for (const [number, code, declineCode, message] of declines) {
    it(`${number} is declined: 402 ${code}/${declineCode}; the intent needs a new payment method`, async () => {
      const token = await tokenFor(number);
      const err = (await stripeError(() => pay(token))) as Stripe.errors.StripeCardError;
      expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(err).toMatchObject({ statusCode: 402, code, decline_code: declineCode });
      expect(err.message).toMatch(message);
      const intent = err.payment_intent!;
      expect(intent.status).toBe('requires_payment_method');
      expect(intent.payment_method).toBeNull();
      expect(intent.last_payment_error).toMatchObject({ type: 'card_error', code, decline_code: declineCode });
      expect(intent.last_payment_error?.payment_method?.card?.last4).toBe(number.slice(-4));
      const stored = await stripe.paymentIntents.retrieve(intent.id);
      expect(stored.last_payment_error?.code).toBe(code);
      expect(schemaErrors('payment_intent', json(stored))).toEqual([]);
    });
  }

  it('pm_card_visa and pm_card_chargeDeclined as payment_method; confirm later; cancel', async () => {
    const ok = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(ok.status).toBe('succeeded');
    const err = (await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      }),
    )) as Stripe.errors.StripeCardError;
    expect(err).toMatchObject({ type: 'StripeCardError', code: 'card_declined', decline_code: 'generic_decline' });

    const draft = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', metadata: { order: '7' } });
    expect(draft).toMatchObject({
      status: 'requires_payment_method',
      automatic_payment_methods: { enabled: true },
      metadata: { order: '7' },
    });
    const confirmed = await stripe.paymentIntents.confirm(draft.id, { payment_method: 'pm_card_visa' });
    expect(confirmed.status).toBe('succeeded');
    const cannot = await stripeError(() => stripe.paymentIntents.cancel(draft.id));
    expect(cannot).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });

    const other = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd' });
    const canceled = await stripe.paymentIntents.cancel(other.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    const bare = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    const missing = await stripeError(() => stripe.paymentIntents.confirm(bare.id));
    expect(missing).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('refuses amounts below the minimum, unknown currencies and a used or unknown confirmation token', async () => {
    expect(await stripeError(() => stripe.paymentIntents.create({ amount: 49, currency: 'usd' }))).toMatchObject({
      statusCode: 400,
      code: 'amount_too_small',
      param: 'amount',
    });
    expect(await stripeError(() => stripe.paymentIntents.create({ amount: 100, currency: 'xyz' }))).toMatchObject({
      statusCode: 400,
      param: 'currency',
    });
    const token = await tokenFor('4242424242424242');
    await pay(token);
    expect(await stripeError(() => pay(token))).toMatchObject({ statusCode: 400, param: 'confirmation_token' });
    expect(await stripeError(() => pay('ctoken_1Unknown'))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'confirmation_token',
    });
  });

  it('emits payment_intent.succeeded and payment_intent.payment_failed', async () => {
    const ok = await pay(await tokenFor('4242424242424242'));
    const err = (await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      }),
    )) as Stripe.errors.StripeCardError;
    const events = await stripe.events.list({ limit: 50 });
    const of = (id: string) =>
      events.data.filter((e) => (e.data.object as { id: string }).id === id).map((e) => e.type);
    expect(of(ok.id)).toEqual(expect.arrayContaining(['payment_intent.created', 'payment_intent.succeeded']));
    expect(of(err.payment_intent!.id)).toEqual(
      expect.arrayContaining(['payment_intent.created', 'payment_intent.payment_failed']),
    );
  });
});

describe('3D Secure', () => {
  for (const number of ['4000002500003155', '4000002760003184']) {
    it(`${number} requires action until the challenge completes`, async () => {
      const intent = await pay(await tokenFor(number));
      expect(intent.status).toBe('requires_action');
      expect(intent.next_action?.type).toBe('use_stripe_sdk');
      const wrong = await emu.raw('POST', `/_emulator/three_d_secure/${intent.id}/complete`, {
        key: PK,
        body: 'client_secret=nope',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.param).toBe('client_secret');
      const done = await emu.raw('POST', `/_emulator/three_d_secure/${intent.id}/complete`, {
        key: PK,
        body: `client_secret=${intent.client_secret}`,
      });
      expect(done.status).toBe(200);
      expect(done.body.status).toBe('succeeded');
      expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
      const again = await emu.raw('POST', `/_emulator/three_d_secure/${intent.id}/complete`, {
        key: PK,
        body: `client_secret=${intent.client_secret}`,
      });
      expect(again.status).toBe(400);
    });
  }

  it('a failed challenge leaves requires_payment_method with last_payment_error', async () => {
    const intent = await pay(await tokenFor('4000002500003155'));
    const failed = await emu.raw('POST', `/_emulator/three_d_secure/${intent.id}/fail`, {
      key: PK,
      body: `client_secret=${intent.client_secret}`,
    });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_payment_error: { code: 'payment_intent_authentication_failure' },
    });
  });

  it('error_on_requires_action declines with authentication_required', async () => {
    const err = await stripeError(() =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        confirm: true,
        payment_method: 'pm_card_authenticationRequired',
        error_on_requires_action: true,
      }),
    );
    expect(err).toMatchObject({ statusCode: 402, code: 'authentication_required' });
  });
});

describe('paying with an issued card', () => {
  let card: Stripe.Issuing.Card;
  let number: string;
  let cvc: string;

  beforeAll(async () => {
    card = (await stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 1 }, { stripeAccount: acme }))
      .data[0]!;
    const nonce = await emu.raw('POST', '/v1/ephemeral_key_nonces', {
      key: PK,
      account: acme,
      body: `issuing_card=${card.id}`,
    });
    const key = await stripe.ephemeralKeys.create(
      { issuing_card: card.id, nonce: nonce.body.nonce },
      { apiVersion: STRIPE_API_VERSION, stripeAccount: acme },
    );
    const revealed = await emu.stripe(key.secret).issuing.cards.retrieve(card.id, { expand: ['number', 'cvc'] });
    number = revealed.number!;
    cvc = revealed.cvc!;
  });

  // Issued test cards work within their own account only: the purchase runs on acme.
  const cardToken = (account = acme) => tokenFor(number, { month: card.exp_month, year: card.exp_year }, cvc, account);
  const latestAuthorization = async () =>
    (await stripe.issuing.authorizations.list({ card: card.id, limit: 1 }, { stripeAccount: acme })).data[0]!;

  it('approved: the payment succeeds and the card’s authorization is captured', async () => {
    await stripe.issuing.cards.update(
      card.id,
      {
        spending_controls: {
          spending_limits: [{ amount: 100000, interval: 'daily' }],
          blocked_categories: '' as never,
        },
      },
      { stripeAccount: acme },
    );
    const intent = await pay(await cardToken(), 1234, {}, acme);
    expect(intent.status).toBe('succeeded');
    const auth = await latestAuthorization();
    expect(auth).toMatchObject({
      approved: true,
      status: 'closed',
      amount: 1234,
      currency: 'usd',
      authorization_method: 'online',
    });
    const merchant = await stripe.accounts.retrieve(acme);
    expect(auth.merchant_data).toMatchObject({
      category: 'miscellaneous_general_merchandise',
      category_code: '5399',
      name: merchant.business_profile!.name,
    });
    expect(auth.verification_data).toMatchObject({ cvc_check: 'match', expiry_check: 'match' });
    expect(auth.transactions).toHaveLength(1);
    expect(auth.transactions[0]).toMatchObject({ type: 'capture', amount: -1234 });
  });

  it('a limit just set on the card declines: card_declined, and the authorization says spending_controls', async () => {
    await stripe.issuing.cards.update(
      card.id,
      { spending_controls: { spending_limits: [{ amount: 1000, interval: 'per_authorization' }] } },
      { stripeAccount: acme },
    );
    const err = (await stripeError(() =>
      cardToken().then((t) => pay(t, 2000, {}, acme)),
    )) as Stripe.errors.StripeCardError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(err.payment_intent).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined', decline_code: 'generic_decline' },
    });
    const auth = await latestAuthorization();
    expect(auth).toMatchObject({ approved: false, status: 'closed' });
    expect(auth.request_history[0]).toMatchObject({
      approved: false,
      amount: 2000,
      reason: 'spending_controls',
      reason_message: 'Spending limit of 10.00 USD per_authorization exceeded.',
    });
    // Within the limit it is approved again.
    expect((await pay(await cardToken(), 900, {}, acme)).status).toBe('succeeded');
  });

  it('a blocked category named in the metadata declines; an inactive card declines with card_inactive', async () => {
    await stripe.issuing.cards.update(
      card.id,
      {
        spending_controls: {
          spending_limits: [{ amount: 100000, interval: 'daily' }],
          blocked_categories: ['betting_casino_gambling'],
        },
      },
      { stripeAccount: acme },
    );
    const err = await stripeError(async () =>
      pay(await cardToken(), 500, { metadata: { emulator_merchant_category: 'betting_casino_gambling' } }, acme),
    );
    expect(err.code).toBe('card_declined');
    expect((await latestAuthorization()).request_history[0]).toMatchObject({
      reason: 'spending_controls',
      reason_message: expect.stringContaining('betting_casino_gambling'),
    });

    await stripe.issuing.cards.update(card.id, { status: 'inactive' }, { stripeAccount: acme });
    const inactive = await stripeError(async () => pay(await cardToken(), 500, {}, acme));
    expect(inactive.code).toBe('card_declined');
    expect((await latestAuthorization()).request_history[0]!.reason).toBe('card_inactive');
    await stripe.issuing.cards.update(
      card.id,
      { status: 'active', spending_controls: { blocked_categories: '' as never } },
      { stripeAccount: acme },
    );
  });

  it('outside its account the card is unknown: a payment on the platform is declined test_mode_live_card and never reaches the card', async () => {
    const before = (await stripe.issuing.authorizations.list({ card: card.id, limit: 100 }, { stripeAccount: acme }))
      .data.length;
    const err = (await stripeError(async () =>
      pay(await tokenFor(number, { month: card.exp_month, year: card.exp_year }, cvc), 500),
    )) as Stripe.errors.StripeCardError;
    expect(err).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'test_mode_live_card' });
    // Another connected account does not know it either.
    const other = (await seededAccounts(stripe))[1]!.id;
    const elsewhere = (await stripeError(async () =>
      pay(await cardToken(other), 500, {}, other),
    )) as Stripe.errors.StripeCardError;
    expect(elsewhere).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'test_mode_live_card' });
    const after = (await stripe.issuing.authorizations.list({ card: card.id, limit: 100 }, { stripeAccount: acme }))
      .data.length;
    expect(after).toBe(before);
  });

  it('a connected account without an active card_payments capability cannot take the payment', async () => {
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    });
    const token = await tokenFor('4242424242424242', undefined, undefined, account.id);
    const err = await stripeError(() => pay(token, 500, {}, account.id));
    expect(err).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(err.message).toContain('`card_payments` capability');
  });

  it('manual capture holds the authorization until the PaymentIntent is captured; cancel releases it', async () => {
    const held = await pay(await cardToken(), 700, { capture_method: 'manual' }, acme);
    expect(held).toMatchObject({ status: 'requires_capture', amount_capturable: 700 });
    expect(await latestAuthorization()).toMatchObject({ status: 'pending', amount: 700 });
    const captured = await stripe.paymentIntents.capture(held.id, { amount_to_capture: 600 }, { stripeAccount: acme });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 600 });
    const auth = await latestAuthorization();
    expect(auth.status).toBe('closed');
    expect(auth.transactions[0]).toMatchObject({ amount: -600 });

    const released = await pay(await cardToken(), 800, { capture_method: 'manual' }, acme);
    await stripe.paymentIntents.cancel(released.id, {}, { stripeAccount: acme });
    expect(await latestAuthorization()).toMatchObject({ status: 'reversed', amount: 0 });
  });
});
