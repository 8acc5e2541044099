// Stripe's test-mode rate limits, on by default (docs.stripe.com/rate-limits): 25 requests per
// second and 25 per endpoint, 20 for search, fewer than 5 account creations per second
// (a 400, stripe/stripe-node#2223); Stripe's 429 body and Stripe-Rate-Limited-Reason header; one
// budget for the platform by default (scope 'platform', issue 18), per connected account with
// scope 'account'; switchable off and configurable like faults.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator, emulatorOptionsFromEnv } from '../../emulator/app.ts';
import { RateLimiter, STRIPE_TEST_MODE_LIMITS } from '../../emulator/api/rate-limits.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

describe('the limiter, on a clock the test moves', () => {
  it("has Stripe's test-mode numbers by default", () => {
    expect(STRIPE_TEST_MODE_LIMITS).toEqual({
      enabled: true,
      scope: 'platform',
      global: 25,
      endpoint: 25,
      search: 20,
      accountCreations: 4,
    });
  });

  it("by default one budget for the platform: requests for every connected account and the platform's own share 25 a second and 25 per endpoint", () => {
    let now = 0;
    const limiter = new RateLimiter({}, () => now);
    for (let i = 0; i < 10; i++) expect(limiter.take(`acct_${i}`, 'GET', '/v1/issuing/cards')).toBe('ok');
    for (let i = 0; i < 15; i++) expect(limiter.take(`acct_${i}`, 'GET', '/v1/issuing/cards')).toBe('ok');
    // The 26th call of the endpoint, on an account that has made none.
    expect(limiter.take('acct_new', 'GET', '/v1/issuing/cards')).toBe('endpoint-rate');
    // The platform's own calls (no Stripe-Account) are in the same budget.
    expect(limiter.take('acct_platform', 'GET', '/v1/balance')).toBe('global-rate');
    now = 1000;
    expect(limiter.take('acct_new', 'GET', '/v1/issuing/cards')).toBe('ok');
  });

  it("scope 'account': 25 a second per endpoint and account, 25 per account in all, a sliding second; other accounts unaffected", () => {
    let now = 0;
    const limiter = new RateLimiter({ scope: 'account' }, () => now);
    const take = (account: string, route: string, method = 'GET') => limiter.take(account, method, route);
    for (let i = 0; i < 25; i++) expect(take('acct_a', '/v1/issuing/cards')).toBe('ok');
    expect(take('acct_a', '/v1/issuing/cards')).toBe('endpoint-rate');
    expect(take('acct_b', '/v1/issuing/cards')).toBe('ok');
    // The account's whole budget is spent too.
    expect(take('acct_a', '/v1/issuing/cards/:card')).toBe('global-rate');
    now = 999;
    expect(take('acct_a', '/v1/issuing/cards')).toBe('endpoint-rate');
    now = 1000;
    expect(take('acct_a', '/v1/issuing/cards')).toBe('ok');

    const mixed = new RateLimiter({ scope: 'account' }, () => now);
    for (let i = 0; i < 13; i++) expect(mixed.take('acct_a', 'GET', '/v1/issuing/cards')).toBe('ok');
    for (let i = 0; i < 12; i++) expect(mixed.take('acct_a', 'POST', '/v1/issuing/cards/:card')).toBe('ok');
    expect(mixed.take('acct_a', 'GET', '/v1/issuing/cardholders')).toBe('global-rate');
  });

  it('search endpoints 20 a second; account creations fewer than 5 a second; off means off', () => {
    const now = 0;
    const limiter = new RateLimiter({}, () => now);
    for (let i = 0; i < 20; i++) expect(limiter.take('acct_a', 'GET', '/v1/payment_intents/search')).toBe('ok');
    expect(limiter.take('acct_a', 'GET', '/v1/payment_intents/search')).toBe('endpoint-rate');
    for (let i = 0; i < 4; i++) expect(limiter.take(`acct_p`, 'POST', '/v1/accounts')).toBe('ok');
    expect(limiter.take('acct_p', 'POST', '/v1/accounts')).toBe('account-creation');
    const off = new RateLimiter(false, () => now);
    for (let i = 0; i < 500; i++) expect(off.take('acct_a', 'GET', '/v1/issuing/cards')).toBe('ok');
  });
});

describe('over HTTP', () => {
  let emu: TestEmulator;
  let stripe: Stripe;
  let acme: string;
  let bolt: string;

  beforeAll(async () => {
    emu = await startEmulator({ rateLimits: {} });
    stripe = emu.stripe();
    [acme, bolt] = (await seededAccounts(stripe)).map((a) => a.id) as [string, string];
  });
  afterAll(() => emu.close());

  const configure = async (body: unknown) =>
    fetch(`${emu.baseUrl}/_emulator/rate_limits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('are on by default with Stripe’s numbers', async () => {
    const plain = await buildEmulator({ seed: false });
    expect(plain.emulator.rateLimits.settings).toEqual(STRIPE_TEST_MODE_LIMITS);
    await plain.close();
    const settings = await (await fetch(`${emu.baseUrl}/_emulator/rate_limits`)).json();
    expect(settings).toMatchObject({
      enabled: true,
      scope: 'platform',
      global: 25,
      endpoint: 25,
      search: 20,
      accountCreations: 4,
    });
  });

  it('over the limit: 429 rate_limit with Stripe’s testmode message and reason header; stripe-node raises StripeRateLimitError', async () => {
    // Small numbers so that a loaded machine still sends the burst within one second.
    expect((await configure({ endpoint: 3, global: 5 })).status).toBe(200);
    const burst = await Promise.all(
      Array.from({ length: 4 }, () => emu.raw('GET', '/v1/issuing/cards?limit=1', { account: acme })),
    );
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = burst.find((r) => r.status === 429)!;
    expect(refused.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'rate_limit',
      doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
    });
    expect(refused.body.error.message).toMatch(/^Testmode request rate limit exceeded/);
    expect(refused.headers.get('stripe-rate-limited-reason')).toBe('endpoint-rate');
    expect(refused.headers.get('stripe-should-retry')).toBeNull();
    // The platform's one budget: another connected account is refused too.
    const other = await emu.raw('GET', '/v1/issuing/cards?limit=1', { account: bolt });
    expect(other.status).toBe(429);
    const err = await stripeError(() => stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: acme }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    await configure(STRIPE_TEST_MODE_LIMITS);
  });

  it("scope 'account' (set over HTTP): each connected account has its own budget", async () => {
    const set = await (await configure({ scope: 'account', endpoint: 3, global: 5 })).json();
    expect(set).toMatchObject({ scope: 'account', endpoint: 3, global: 5 });
    const burst = await Promise.all(
      Array.from({ length: 4 }, () => emu.raw('GET', '/v1/issuing/cards?limit=1', { account: acme })),
    );
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
    expect((await emu.raw('GET', '/v1/issuing/cards?limit=1', { account: bolt })).status).toBe(200);
    await configure(STRIPE_TEST_MODE_LIMITS);
    expect(((await (await fetch(`${emu.baseUrl}/_emulator/rate_limits`)).json()) as { scope: string }).scope).toBe(
      'platform',
    );
  });

  it('account creation: the fifth within a second is a 400 "creating accounts too quickly"', async () => {
    await configure({ accountCreations: 2 });
    const create = () =>
      stripe.accounts.create({ type: 'custom', country: 'US', capabilities: { transfers: { requested: true } } });
    const results = await Promise.allSettled([create(), create(), create()]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(failed[0]!.reason.message).toMatch(
      /creating accounts too quickly.*less than 5 creation attempts per second with a test key/,
    );
    await configure(STRIPE_TEST_MODE_LIMITS);
  });

  it('switched off, a burst far over the limit passes; bad settings are a 400 naming the field; EMULATOR_RATE_LIMITS', async () => {
    await configure({ enabled: false });
    const burst = await Promise.all(
      Array.from({ length: 40 }, () => emu.raw('GET', '/v1/issuing/cards?limit=1', { account: acme })),
    );
    expect(burst.every((r) => r.status === 200)).toBe(true);
    await configure({ enabled: true });
    const bad = await configure({ endpoint: 0 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('endpoint');
    expect((await configure({ nope: 1 })).status).toBe(400);
    const badScope = await configure({ scope: 'connected' });
    expect(badScope.status).toBe(400);
    expect(((await badScope.json()) as { error: { param: string } }).error.param).toBe('scope');
    expect(emulatorOptionsFromEnv({ EMULATOR_RATE_LIMITS: 'off' }).rateLimits).toEqual({ enabled: false });
    expect(emulatorOptionsFromEnv({ EMULATOR_RATE_LIMITS: '{"global":100}' }).rateLimits).toEqual({ global: 100 });
    expect(emulatorOptionsFromEnv({ EMULATOR_RATE_LIMITS: '{"scope":"account"}' }).rateLimits).toEqual({
      scope: 'account',
    });
    expect(() => emulatorOptionsFromEnv({ EMULATOR_RATE_LIMITS: '{"scope":"everyone"}' })).toThrow(
      /EMULATOR_RATE_LIMITS.*scope/,
    );
    expect(() => emulatorOptionsFromEnv({ EMULATOR_RATE_LIMITS: '{"global":-1}' })).toThrow(/EMULATOR_RATE_LIMITS/);
  });
});
