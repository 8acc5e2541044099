// One module says what Stripe's errors mean (server/domain/stripe-errors.ts). Each mapping is
// checked with the error the real SDK raises for a real answer of the emulator (a 404, a 403
// account_invalid, a 402 decline, a 429, a dropped connection, …); only the `Stripe-Should-Retry`
// header, which the emulator does not send, is given to the SDK's own error constructor.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inputError, isNotOnAccount, stripeFailure, stripeFailureResponse } from '../../server/domain/stripe-errors.ts';
import { ephemeralKeyPrerequisiteError } from '../../server/domain/stripe-prerequisites.ts';
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
      kind: 'idempotency_mismatch',
      http: { status: 409, code: 'idempotency_key_reused' },
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

// A restricted key lacking a permission: Stripe's 403 without a code (the emulator's
// `permission_denied` fault answers it in Stripe's words: emulator/api/faults.ts, sources there).
const lacking = (permission?: string) => ({
  headers: { 'Emulator-Fault': permission ? `permission_denied=${permission}` : 'permission_denied' },
});
/** The key's last characters, which Stripe's message quotes: no message to the browser may carry them. */
const KEY_TAIL = 'Qs8K';

describe('messages that name what happened (issue 21, item 6)', () => {
  test('a restricted key missing a permission: the app’s key lacks it, named; not a Stripe feature, no key in the message', async () => {
    const error = await caught(() =>
      emu
        .stripe(`sk_test_standsForARestrictedKey${KEY_TAIL}`)
        .accounts.retrieve(account, {}, lacking('rak_accounts_kyc_id_numbers_read')),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((error as Error).message).toContain(KEY_TAIL);
    expect((error as Stripe.errors.StripeError).code).toBeUndefined();
    const failure = stripeFailure(error)!;
    expect(failure).toMatchObject({ kind: 'key_lacks_permission', permission: 'rak_accounts_kyc_id_numbers_read' });
    const response = stripeFailureResponse(failure);
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('stripe_key_lacks_permission');
    expect(response.body.error.message).toMatch(
      /app's Stripe API key \(a restricted key\) lacks a permission: rak_accounts_kyc_id_numbers_read/,
    );
    expect(response.body.error.message).toContain('https://dashboard.stripe.com/apikeys');
    expect(response.body.error.message).not.toMatch(/sk_test|acct_|not be enabled|Issuing Elements/);
    expect(response.body.error.message).not.toContain(KEY_TAIL);
    // The reveal route's "Issuing Elements not enabled" is not what happened.
    expect(ephemeralKeyPrerequisiteError(error)).toBeNull();
  });

  test('an endpoint restricted keys may not use at all, and a key without Connect permissions, say so', async () => {
    const card = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
    const notForRestricted = await caught(() =>
      stripe.ephemeralKeys.create(
        { issuing_card: card.id },
        { apiVersion: '2020-03-02', stripeAccount: account, ...lacking() },
      ),
    );
    const failure = stripeFailure(notForRestricted)!;
    expect(failure.kind).toBe('key_lacks_permission');
    expect(failure.permission).toBeUndefined();
    expect(stripeFailureResponse(failure).body.error.message).toMatch(
      /does not let restricted keys make this request\. Configure the app with a secret key/,
    );
    expect(ephemeralKeyPrerequisiteError(notForRestricted)).toBeNull();

    const noConnect = await caught(() =>
      stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account, ...lacking('connect') }),
    );
    expect(stripeFailure(noConnect)?.kind).toBe('key_lacks_permission');
    expect(stripeFailureResponse(stripeFailure(noConnect)!).body.error.message).toMatch(/no Connect permissions/);
  });

  test('Issuing Elements not enabled (the emulator’s 403 for it) keeps its own message', async () => {
    const card = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
    emu.app.emulator.store.issuingElementsDisabled.add(account);
    try {
      const error = await caught(() =>
        stripe.ephemeralKeys.create(
          { issuing_card: card.id, nonce: 'ephkn_pub_x' },
          {
            apiVersion: '2020-03-02',
            stripeAccount: account,
          },
        ),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
      expect(stripeFailure(error)?.kind).toBe('not_permitted');
      expect(ephemeralKeyPrerequisiteError(error)?.code).toBe('issuing_elements_not_enabled');
    } finally {
      emu.app.emulator.store.issuingElementsDisabled.clear();
    }
  });

  test('the same idempotency key with other parameters says so; a request still running keeps "already being processed"', async () => {
    const cardholder = (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
    const key = `reused-${Date.now()}`;
    await stripe.issuing.cardholders.update(
      cardholder.id,
      { metadata: { a: '1' } },
      { stripeAccount: account, idempotencyKey: key },
    );
    const reused = await caught(() =>
      stripe.issuing.cardholders.update(
        cardholder.id,
        { metadata: { a: '2' } },
        { stripeAccount: account, idempotencyKey: key },
      ),
    );
    expect(reused).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    const failure = stripeFailure(reused)!;
    expect(failure).toMatchObject({ kind: 'idempotency_mismatch', status: 400 });
    const response = stripeFailureResponse(failure);
    expect(response.body.error.code).toBe('idempotency_key_reused');
    expect(response.body.error.message).toMatch(
      /reused an idempotency key that an earlier request used with different parameters/,
    );
    expect(response.body.error.message).not.toMatch(/already being processed/);
    expect(response.body.error.message).not.toContain(key);

    // 409 idempotency_key_in_use: Stripe's answer while the first request with the key still runs,
    // for real: the first is slow (the emulator's `slow` fault keeps its key taken while it waits),
    // the second, with the same key and parameters, overlaps it.
    const inFlight = `in-flight-${Date.now()}`;
    const rule = emu.app.emulator.faults.add({
      method: 'POST',
      path: `/v1/issuing/cardholders/${cardholder.id}`,
      kind: 'slow',
      delay_ms: 1_500,
      times: 1,
    });
    const update = () =>
      stripe.issuing.cardholders.update(
        cardholder.id,
        { metadata: { a: '3' } },
        { stripeAccount: account, idempotencyKey: inFlight },
      );
    const first = update();
    for (let i = 0; i < 500 && rule.hits === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rule.hits).toBe(1);
    const running = await caught(update);
    expect((await first).metadata.a).toBe('3');
    expect(running).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });
    expect(stripeFailure(running)?.kind).toBe('idempotency');
    expect(stripeFailureResponse(stripeFailure(running)!).body.error).toMatchObject({
      code: 'duplicate_request',
      message: expect.stringMatching(/already being processed/),
    });
  });
});
