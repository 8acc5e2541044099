// One module says what Stripe's errors mean (server/domain/stripe-errors.ts). Each mapping is
// checked with the error the real SDK raises for a real answer of the emulator (a 404, a 403
// account_invalid, a 402 decline, a 429, a dropped connection, …); only the `Stripe-Should-Retry`
// header, which the emulator does not send, is given to the SDK's own error constructor.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inputError, isNotOnAccount, stripeFailure, stripeFailureResponse } from '../../server/domain/stripe-errors.ts';
import { seededAccounts, startEmulator, type TestEmulator } from '../emulator/helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let account: string;

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected Stripe to refuse');
}

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  account = (await seededAccounts(stripe))[0]!.id;
});
afterAll(() => emu.close());

describe('what each of Stripe’s answers means, and what the browser is told when no route handles it', () => {
  const cases: Array<{
    name: string;
    make: () => Promise<unknown>;
    kind: string;
    http: { status: number; code: string };
    notOnAccount?: boolean;
  }> = [
    {
      name: '404 resource_missing: no such card on this account',
      make: () => stripe.issuing.cards.retrieve('ic_doesnotexist', {}, { stripeAccount: account }),
      kind: 'not_found',
      http: { status: 404, code: 'not_found' },
      notOnAccount: true,
    },
    {
      name: '403 account_invalid: an account the platform does not have',
      make: () => stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: 'acct_1NotConnectedAtAll' }),
      kind: 'account_inaccessible',
      http: { status: 404, code: 'not_found' },
      notOnAccount: true,
    },
    {
      name: '400 with a param: the request was wrong',
      make: () => stripe.issuing.cards.update('ic_x', { status: 'lost' as never }, { stripeAccount: account }),
      kind: 'invalid_request',
      http: { status: 502, code: 'stripe_unavailable' },
    },
    {
      name: '402 card_error: a decline',
      make: () =>
        stripe.paymentIntents.create({
          amount: 500,
          currency: 'usd',
          confirm: true,
          payment_method: 'pm_card_chargeDeclined',
        }),
      kind: 'card_declined',
      http: { status: 502, code: 'stripe_unavailable' },
    },
    {
      name: '429 rate_limit: Stripe is limiting the platform',
      make: () =>
        emu
          .stripe()
          .issuing.cards.list({ limit: 1 }, { stripeAccount: account, headers: { 'Emulator-Fault': 'rate_limit' } }),
      kind: 'rate_limited',
      http: { status: 503, code: 'stripe_rate_limited' },
    },
    {
      name: '500 api_error: Stripe failed',
      make: () =>
        stripe.issuing.cards.list(
          { limit: 1 },
          { stripeAccount: account, headers: { 'Emulator-Fault': 'server_error' } },
        ),
      kind: 'unavailable',
      http: { status: 502, code: 'stripe_unavailable' },
    },
    {
      name: 'a dropped connection',
      make: () =>
        stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account, headers: { 'Emulator-Fault': 'drop' } }),
      kind: 'unavailable',
      http: { status: 502, code: 'stripe_unavailable' },
    },
    {
      name: 'no answer in time',
      make: () =>
        new Stripe('sk_test_x', {
          host: '127.0.0.1',
          port: emu.port,
          protocol: 'http',
          maxNetworkRetries: 0,
          timeout: 50,
        }).issuing.cards.list({ limit: 1 }, { stripeAccount: account, headers: { 'Emulator-Fault': 'delay=500' } }),
      kind: 'timeout',
      http: { status: 504, code: 'stripe_timeout' },
    },
    {
      name: '401: the platform’s key is refused (a deployment problem)',
      make: () => emu.stripe('sk_live_wrong').issuing.cards.list({ limit: 1 }),
      kind: 'authentication',
      http: { status: 502, code: 'stripe_unavailable' },
    },
    {
      name: '400 idempotency_error: the same key with other parameters',
      make: async () => {
        await stripe.issuing.cardholders.update(
          (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: account })).data[0]!.id,
          { metadata: { a: '1' } },
          { stripeAccount: account, idempotencyKey: 'stripe-errors-test' },
        );
        return stripe.issuing.cardholders.update(
          (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: account })).data[0]!.id,
          { metadata: { a: '2' } },
          { stripeAccount: account, idempotencyKey: 'stripe-errors-test' },
        );
      },
      kind: 'idempotency',
      http: { status: 409, code: 'duplicate_request' },
    },
    {
      name: '400 "creating accounts too quickly": Stripe limits account creation with a 400',
      make: async () => {
        emu.app.emulator.rateLimits.configure({ enabled: true, accountCreations: 1 });
        try {
          const create = () => stripe.accounts.create({ type: 'custom', country: 'US' });
          const results = await Promise.allSettled([create(), create()]);
          const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (refused) throw refused.reason;
        } finally {
          emu.app.emulator.rateLimits.configure(false);
        }
      },
      kind: 'rate_limited',
      http: { status: 503, code: 'stripe_rate_limited' },
    },
    {
      name: '400 without card_payments: the connected account cannot take a payment',
      make: async () => {
        const bare = await stripe.accounts.create({
          type: 'custom',
          country: 'US',
          capabilities: { transfers: { requested: true } },
        });
        return stripe.paymentIntents.create(
          { amount: 500, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' },
          { stripeAccount: bare.id },
        );
      },
      kind: 'capability_inactive',
      http: { status: 409, code: 'capability_inactive' },
    },
  ];

  test.each(cases)('$name → $kind', async ({ make, kind, http, notOnAccount }) => {
    const error = await caught(make);
    const failure = stripeFailure(error);
    expect(failure?.kind, String(error)).toBe(kind);
    expect(isNotOnAccount(error)).toBe(notOnAccount ?? false);
    const response = stripeFailureResponse(failure!);
    expect({ status: response.status, code: response.body.error.code }).toEqual(http);
    // Stripe's own text never goes to the browser for what is not the user's input.
    expect(response.body.error.message).not.toContain(failure!.message);
  });

  test('a parameter Stripe names becomes the dotted field of a 400 (inputError)', async () => {
    const card = (await stripe.issuing.cards.list({ limit: 1, status: 'active' }, { stripeAccount: account })).data[0]!;
    const error = await caught(() =>
      stripe.issuing.cards.update(
        card.id,
        { spending_controls: { spending_limits: [{ amount: -5, interval: 'daily' }] } },
        { stripeAccount: account },
      ),
    );
    const mapped = inputError(error);
    expect(mapped).toMatchObject({ statusCode: 400, code: 'invalid_request' });
    expect(mapped?.field).toMatch(/^spending_controls\.spending_limits\.0\.amount$/);
    // Not about the input: no 400.
    expect(
      inputError(
        await caught(() => stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: 'acct_1NotConnectedAtAll' })),
      ),
    ).toBeUndefined();
    expect(inputError(new Error('not Stripe'))).toBeUndefined();
    expect(stripeFailure(new Error('not Stripe'))).toBeUndefined();
  });

  test('Stripe-Should-Retry: "true" is a temporary failure (503, try again), "false" is not', () => {
    const retry = Stripe.errors.StripeError.generate({
      type: 'api_error',
      message: 'x',
      statusCode: 500,
      headers: { 'stripe-should-retry': 'true' },
    } as never);
    const failure = stripeFailure(retry)!;
    expect(failure).toMatchObject({ kind: 'unavailable', shouldRetry: true });
    expect(stripeFailureResponse(failure)).toMatchObject({
      status: 503,
      retryAfter: 2,
      body: { error: { code: 'stripe_retry' } },
    });

    const noRetry = Stripe.errors.StripeError.generate({
      type: 'api_error',
      message: 'x',
      statusCode: 500,
      headers: { 'stripe-should-retry': 'false' },
    } as never);
    expect(stripeFailure(noRetry)).toMatchObject({ kind: 'unavailable', shouldRetry: false });
    expect(stripeFailureResponse(stripeFailure(noRetry)!).status).toBe(502);

    // A 400 with code rate_limit (Stripe before 2015-09-18) is a rate limit too; so is 429 lock_timeout.
    const old = Stripe.errors.StripeError.generate({
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'x',
      statusCode: 400,
    } as never);
    expect(stripeFailure(old)?.kind).toBe('rate_limited');
    const lock = Stripe.errors.StripeError.generate({
      type: 'invalid_request_error',
      code: 'lock_timeout',
      message: 'x',
      statusCode: 429,
    } as never);
    expect(stripeFailure(lock)?.kind).toBe('rate_limited');
    // 403 other than account_invalid: the platform may not do this (a feature Stripe has not enabled).
    const denied = Stripe.errors.StripeError.generate({
      type: 'invalid_request_error',
      message: 'x',
      statusCode: 403,
    } as never);
    expect(stripeFailure(denied)?.kind).toBe('not_permitted');
    expect(stripeFailureResponse(stripeFailure(denied)!).body.error.code).toBe('stripe_not_permitted');
  });
});
