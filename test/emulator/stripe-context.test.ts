// `Stripe-Context` (https://docs.stripe.com/context): "The Stripe-Context header supersedes the
// Stripe-Account header"; for a platform's connected account its value is the account id. The
// emulator honours it wherever it honours Stripe-Account (emulator/api/auth.ts requestedAccount),
// and refuses the two headers together (docs/decisions/159).
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../emulator/api/resources.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let acme: string;
let bolt: string;

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  [acme, bolt] = (await seededAccounts(stripe)).map((a) => a.id) as [string, string];
});
afterAll(() => emu.close());

/** Every GET endpoint without a path parameter, read from the emulator's own route table. */
const lists = resources
  .flatMap((resource) => resource.routes)
  .filter((route) => route.method === 'GET' && !route.path.includes(':'))
  .map((route) => route.path);

describe('Stripe-Context', () => {
  it('covers every list endpoint', () => {
    expect(lists).toEqual(expect.arrayContaining(['/v1/issuing/cards', '/v1/balance', '/v1/events', '/v1/account']));
  });

  it.each(lists)('answers GET %s as Stripe-Account does', async (path) => {
    const viaAccount = await emu.raw('GET', path, { headers: { 'stripe-account': acme } });
    const viaContext = await emu.raw('GET', path, { headers: { 'stripe-context': acme } });
    expect(viaContext.status).toBe(viaAccount.status);
    expect(viaContext.body).toEqual(viaAccount.body);
    const platform = await emu.raw('GET', path);
    if (path === '/v1/issuing/cards') expect(viaContext.body.data.length).toBeGreaterThan(0);
    if (path === '/v1/issuing/cards') expect(platform.body.data).toEqual([]); // the platform's own data
  });

  it('acts on the account through the SDK’s stripeContext option: writes, reads, events and ephemeral keys', async () => {
    const holder = await stripe.issuing.cardholders.create(
      {
        name: 'Context Holder',
        type: 'individual',
        billing: {
          address: { line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
        },
      },
      { stripeContext: acme },
    );
    const card = await stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'usd', type: 'virtual' },
      { stripeContext: acme },
    );
    expect((await stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: acme })).id).toBe(card.id);
    expect((await stripeError(() => stripe.issuing.cards.retrieve(card.id))).statusCode).toBe(404);
    expect(
      (await stripeError(() => stripe.issuing.cards.retrieve(card.id, {}, { stripeContext: bolt }))).statusCode,
    ).toBe(404);

    // The event is the connected account's, listed with its context and carrying `account`.
    const events = await stripe.events.list({ type: 'issuing_card.created', limit: 100 }, { stripeContext: acme });
    const event = events.data.find((e) => (e.data.object as Stripe.Issuing.Card).id === card.id);
    expect(event?.account).toBe(acme);

    // Browser endpoint (publishable key) and ephemeral keys, as Stripe-Account.
    const nonce = await emu.raw('POST', '/v1/ephemeral_key_nonces', {
      key: 'pk_test_context',
      headers: { 'stripe-context': acme },
      body: `issuing_card=${card.id}`,
    });
    expect(nonce.status).toBe(200);
    const key = await stripe.ephemeralKeys.create(
      { issuing_card: card.id, nonce: nonce.body.nonce as string },
      { stripeContext: acme, apiVersion: STRIPE_API_VERSION },
    );
    expect(key.secret).toMatch(/^ek_test_/);
  });

  it('refuses an unknown account with the same 403 as Stripe-Account', async () => {
    const unknown = 'acct_1Unknown00000000';
    const viaAccount = await emu.raw('GET', '/v1/issuing/cards', { headers: { 'stripe-account': unknown } });
    const viaContext = await emu.raw('GET', '/v1/issuing/cards', { headers: { 'stripe-context': unknown } });
    expect(viaContext.status).toBe(403);
    expect(viaContext.body).toEqual(viaAccount.body);
    const err = await stripeError(() => stripe.issuing.cards.list({}, { stripeContext: unknown }));
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(err).toMatchObject({ code: 'account_invalid' });
    expect(err.message).toContain(`does not have access to account '${unknown}'`);
  });

  it('refuses a context path to an account the platform does not hold (no organisations or recipients here)', async () => {
    const res = await emu.raw('GET', '/v1/issuing/cards', {
      headers: { 'stripe-context': `${acme}/acct_1Recipient0000000` },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('account_invalid');
  });

  it.each([
    ['different accounts', () => bolt],
    ['the same account', () => acme],
  ])('refuses Stripe-Account and Stripe-Context together (%s) with a 400 naming both', async (_label, other) => {
    const res = await emu.raw('GET', '/v1/issuing/cards', {
      headers: { 'stripe-context': acme, 'stripe-account': other() },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('invalid_request_error');
    expect(res.body.error.message).toContain('Stripe-Account');
    expect(res.body.error.message).toContain('Stripe-Context');
  });

  it('counts a Stripe-Context request against that account under the per-account rate limit', async () => {
    const limited = await startEmulator({ rateLimits: { scope: 'account', global: 3, endpoint: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await limited.raw('GET', '/v1/issuing/cards', { headers: { 'stripe-context': acme } })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await limited.raw('GET', '/v1/issuing/cards', { headers: { 'stripe-context': bolt } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('is allowed in browser preflights, like Stripe-Account', async () => {
    const res = await fetch(`${emu.baseUrl}/v1/ephemeral_key_nonces`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,stripe-context,content-type',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('stripe-context');
  });
});
