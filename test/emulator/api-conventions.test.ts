// The conventions every endpoint shares, through the official SDK over HTTP: authentication,
// Stripe-Account, parameter errors, 404s, pagination, expand, idempotency.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { responseErrors, schemaErrors } from './openapi.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let acme: Stripe.Account;
let cobalt: Stripe.Account;

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  [acme, , cobalt] = (await seededAccounts(stripe)) as [Stripe.Account, Stripe.Account, Stripe.Account];
});
afterAll(() => emu.close());

describe('authentication', () => {
  it('asks for an API key when none is sent', async () => {
    const res = await emu.raw('GET', '/v1/accounts', { key: null });
    expect(res.status).toBe(401);
    expect(res.body.error.type).toBe('invalid_request_error');
    expect(res.body.error.message).toMatch(/^You did not provide an API key/);
    expect(schemaErrors('error', res.body)).toEqual([]);
  });

  it.each([
    ['a live key', 'sk_live_fakekey'],
    ['a malformed key', 'not-a-key'],
    ['an unknown ephemeral key', 'ek_test_doesnotexist1234'],
  ])('refuses %s with 401 and shows only its last four characters', async (_label, key) => {
    const err = await stripeError(() => emu.stripe(key).accounts.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    expect(err.message).toMatch(/^Invalid API Key provided: /);
    expect(err.message).not.toContain(key.slice(0, -4) + key.slice(-4)); // never echoed whole
  });

  it('accepts the key as the user of basic auth, as Stripe does', async () => {
    const basic = Buffer.from('sk_test_basic:').toString('base64');
    const res = await emu.raw('GET', '/v1/accounts', { key: null, headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('list');
  });

  it('refuses a publishable key on a secret-key endpoint with Stripe’s message', async () => {
    const err = await stripeError(() => emu.stripe('pk_test_browser').issuing.cards.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.message).toMatch(/^This API call cannot be made with a publishable API key/);
  });

  it('acts on a connected account with Stripe-Account and refuses an unknown one', async () => {
    const cards = await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: acme.id });
    expect(cards.data.length).toBeGreaterThan(0);
    const platformCards = await stripe.issuing.cards.list({ limit: 100 });
    expect(platformCards.data).toEqual([]); // data is kept per account

    const err = await stripeError(() => stripe.issuing.cards.list({}, { stripeAccount: 'acct_1Unknown00000000' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(err.code).toBe('account_invalid');
    expect(err.message).toContain("does not have access to account 'acct_1Unknown00000000'");
  });

  it('rejects a malformed Stripe-Version and echoes the version used', async () => {
    const bad = await emu.raw('GET', '/v1/accounts', { headers: { 'stripe-version': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('Invalid Stripe API version');
    const ok = await emu.raw('GET', '/v1/accounts');
    expect(ok.headers.get('stripe-version')).toBe(STRIPE_API_VERSION);
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
  });

  // Stripe's samples and stripe-node's README send betas after the version, with or without a
  // space (facts-2 §6; emulator/api/stripe-version.ts).
  it.each([
    [`${STRIPE_API_VERSION}; embedded_connect_beta=v2`, `${STRIPE_API_VERSION}; embedded_connect_beta=v2`],
    ['2023-10-16;embedded_connect_beta=v2', '2023-10-16; embedded_connect_beta=v2'],
    [
      '2026-06-24.preview; embedded_connect_beta=v2; feature_beta=v3',
      '2026-06-24.preview; embedded_connect_beta=v2; feature_beta=v3',
    ],
    // Stripe's component pages end the header with `;` (docs.stripe.com/connect/supported-embedded-components/app-viewport).
    ['2026-03-25.preview; embedded_connect_beta=v2;', '2026-03-25.preview; embedded_connect_beta=v2'],
  ])('accepts Stripe-Version %j with beta flags and echoes it', async (sent, echoed) => {
    const res = await emu.raw('GET', '/v1/accounts', { headers: { 'stripe-version': sent } });
    expect(res.status).toBe(200);
    expect(res.headers.get('stripe-version')).toBe(echoed);
  });

  it('takes a beta version through the SDK, per client and per request, where a version is required too', async () => {
    const beta = new Stripe('sk_test_beta', {
      host: '127.0.0.1',
      port: emu.port,
      protocol: 'http',
      apiVersion: `${STRIPE_API_VERSION}; embedded_connect_beta=v2` as Stripe.LatestApiVersion,
    });
    const session = await beta.accountSessions.create({
      account: acme.id,
      components: { issuing_card: { enabled: true } },
    });
    expect(session.lastResponse.headers['stripe-version']).toBe(`${STRIPE_API_VERSION}; embedded_connect_beta=v2`);
    const [card] = (await stripe.issuing.cards.list({ limit: 1, type: 'virtual' }, { stripeAccount: acme.id })).data;
    const nonce = (
      await emu.raw('POST', '/v1/ephemeral_key_nonces', {
        key: 'pk_test_beta',
        account: acme.id,
        body: `issuing_card=${card!.id}`,
      })
    ).body.nonce as string;
    // Ephemeral keys check the version's date (>= 2020-03-02); the beta suffix does not hide it.
    const key = await stripe.ephemeralKeys.create(
      { issuing_card: card!.id, nonce },
      { stripeAccount: acme.id, apiVersion: `${STRIPE_API_VERSION}; feature_beta=v3` },
    );
    expect(key.secret).toMatch(/^ek_test_/);
  });

  it.each([
    `${STRIPE_API_VERSION}; embedded_connect_beta`,
    `${STRIPE_API_VERSION}; =v2`,
    `${STRIPE_API_VERSION};;`,
    `${STRIPE_API_VERSION};`,
    `${STRIPE_API_VERSION}; embedded_connect_beta=v2;;`,
    'embedded_connect_beta=v2',
  ])('refuses the malformed Stripe-Version %j', async (sent) => {
    const res = await emu.raw('GET', '/v1/accounts', { headers: { 'stripe-version': sent } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(`Invalid Stripe API version: ${sent}`);
  });
});

describe('errors', () => {
  it('names an unknown parameter, including nested ones', async () => {
    const top = await stripeError(() =>
      stripe.issuing.cardholders.list({ colour: 'blue' } as Stripe.Issuing.CardholderListParams, {
        stripeAccount: acme.id,
      }),
    );
    expect(top).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(top.code).toBe('parameter_unknown');
    expect(top.param).toBe('colour');
    expect(top.message).toBe('Received unknown parameter: colour');

    const cards = await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: acme.id });
    const nested = await stripeError(() =>
      stripe.issuing.cards.update(
        cards.data[0]!.id,
        { spending_controls: { blocked_colours: ['red'] } as Stripe.Issuing.CardUpdateParams.SpendingControls },
        { stripeAccount: acme.id },
      ),
    );
    expect(nested.param).toBe('spending_controls[blocked_colours]');
    expect(nested.code).toBe('parameter_unknown');
  });

  it('reports a missing required parameter', async () => {
    const err = await stripeError(() =>
      stripe.issuing.cards.create({ type: 'virtual' } as Stripe.Issuing.CardCreateParams, { stripeAccount: acme.id }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('parameter_missing');
    expect(err.param).toBe('currency');
    expect(err.message).toBe('Missing required param: currency.');
  });

  it('lists the allowed values of an enum', async () => {
    const err = await stripeError(() =>
      stripe.issuing.cards.list({ status: 'frozen' as 'active' }, { stripeAccount: acme.id }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('status');
    expect(err.message).toBe('Invalid status: must be one of active, inactive, or canceled');
  });

  it('rejects a non-integer where an integer is expected', async () => {
    const res = await emu.raw('GET', '/v1/issuing/cards?limit=ten', { account: acme.id });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'limit' });
  });

  it('answers 404 resource_missing for an unknown id, worded as Stripe words it', async () => {
    const err = await stripeError(() =>
      stripe.issuing.cards.retrieve('ic_1DoesNotExist', {}, { stripeAccount: acme.id }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
    expect(err.message).toBe("No such issuing card: 'ic_1DoesNotExist'");
    expect(err.doc_url).toBe('https://stripe.com/docs/error-codes/resource-missing');
  });

  it('does not find another account’s card', async () => {
    const acmeCard = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: acme.id })).data[0]!;
    const err = await stripeError(() => stripe.issuing.cards.retrieve(acmeCard.id, {}, { stripeAccount: cobalt.id }));
    expect(err.statusCode).toBe(404);
  });

  it('answers an unknown URL with Stripe’s "Unrecognized request URL"', async () => {
    const res = await emu.raw('GET', '/v1/issuing/widgets?x=1');
    expect(res.status).toBe(404);
    expect(res.body.error.type).toBe('invalid_request_error');
    expect(res.body.error.message).toBe(
      'Unrecognized request URL (GET: /v1/issuing/widgets). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
    );
    const wrongMethod = await emu.raw('DELETE', '/v1/issuing/cards');
    expect(wrongMethod.status).toBe(404);
  });

  it('refuses a JSON body on /v1 (Stripe takes form encoding)', async () => {
    const res = await emu.raw('POST', '/v1/issuing/cardholders', {
      account: acme.id,
      body: JSON.stringify({ name: 'x' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('application/x-www-form-urlencoded');
  });
});

describe('lists and pagination', () => {
  it('pages through all cards newest first with starting_after and back with ending_before', async () => {
    const all = await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: acme.id });
    expect(all.object).toBe('list');
    expect(all.url).toBe('/v1/issuing/cards');
    expect(all.has_more).toBe(false);
    const created = all.data.map((c) => c.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);

    const first = await stripe.issuing.cards.list({ limit: 2 }, { stripeAccount: acme.id });
    expect(first.has_more).toBe(true);
    expect(first.data.map((c) => c.id)).toEqual(all.data.slice(0, 2).map((c) => c.id));
    const second = await stripe.issuing.cards.list(
      { limit: 2, starting_after: first.data[1]!.id },
      { stripeAccount: acme.id },
    );
    expect(second.data.map((c) => c.id)).toEqual(all.data.slice(2, 4).map((c) => c.id));
    const back = await stripe.issuing.cards.list(
      { limit: 2, ending_before: second.data[0]!.id },
      { stripeAccount: acme.id },
    );
    expect(back.data.map((c) => c.id)).toEqual(first.data.map((c) => c.id));
    expect(back.has_more).toBe(false);

    // The SDK's auto-pagination walks the same list.
    const walked: string[] = [];
    for await (const card of stripe.issuing.cards.list({ limit: 2 }, { stripeAccount: acme.id })) walked.push(card.id);
    expect(walked).toEqual(all.data.map((c) => c.id));
    expect(responseErrors('get', '/v1/issuing/cards', 200, JSON.parse(JSON.stringify(all)))).toEqual([]);
  });

  it('defaults to 10 items and bounds limit to 1–100', async () => {
    const res = await emu.raw('GET', '/v1/accounts?limit=101');
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('limit');
    const zero = await emu.raw('GET', '/v1/accounts?limit=0');
    expect(zero.status).toBe(400);
  });

  it('refuses an unknown cursor', async () => {
    const err = await stripeError(() =>
      stripe.issuing.cards.list({ starting_after: 'ic_1Nope' }, { stripeAccount: acme.id }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('starting_after');
  });
});

describe('expand', () => {
  it('expands an id into its object and refuses what cannot be expanded', async () => {
    const cardholder = (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: cobalt.id })).data[0]!;
    const original = await stripe.issuing.cards.create(
      { cardholder: cardholder.id, currency: 'usd', type: 'virtual', status: 'active' },
      { stripeAccount: cobalt.id },
    );
    const replacement = await stripe.issuing.cards.create(
      { replacement_for: original.id, replacement_reason: 'damaged', currency: 'usd', type: 'virtual' },
      { stripeAccount: cobalt.id },
    );
    expect(replacement.replacement_for).toBe(original.id);
    const expanded = await stripe.issuing.cards.retrieve(
      replacement.id,
      { expand: ['replacement_for'] },
      { stripeAccount: cobalt.id },
    );
    expect((expanded.replacement_for as Stripe.Issuing.Card).id).toBe(original.id);
    expect((expanded.replacement_for as Stripe.Issuing.Card).replaced_by).toBe(replacement.id);

    const inList = await stripe.issuing.cards.list(
      { limit: 1, expand: ['data.replacement_for'] },
      { stripeAccount: cobalt.id },
    );
    expect((inList.data[0]!.replacement_for as Stripe.Issuing.Card).object).toBe('issuing.card');

    const err = await stripeError(() =>
      stripe.issuing.cards.retrieve(replacement.id, { expand: ['currency'] }, { stripeAccount: cobalt.id }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('This property cannot be expanded (currency).');
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and parameters', async () => {
    const cardholder = (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: acme.id })).data[0]!;
    const params = { cardholder: cardholder.id, currency: 'usd', type: 'virtual' as const };
    const options = { stripeAccount: acme.id, idempotencyKey: 'create-card-once' };
    const first = await stripe.issuing.cards.create(params, options);
    const again = await stripe.issuing.cards.create(params, options);
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();

    const count = (
      await stripe.issuing.cards.list({ limit: 100, cardholder: cardholder.id }, { stripeAccount: acme.id })
    ).data.filter((c) => c.id === first.id).length;
    expect(count).toBe(1);
  });

  it('refuses the same key with different parameters', async () => {
    const cardholder = (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: acme.id })).data[0]!;
    const options = { stripeAccount: acme.id, idempotencyKey: 'mismatch-key' };
    await stripe.issuing.cards.create({ cardholder: cardholder.id, currency: 'usd', type: 'virtual' }, options);
    const err = await stripeError(() =>
      stripe.issuing.cards.create(
        { cardholder: cardholder.id, currency: 'usd', type: 'virtual', status: 'active' },
        options,
      ),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
    expect(err.type).toBe('StripeIdempotencyError');
    expect(err.message).toContain("Try using a key other than 'mismatch-key'");
  });

  it('does not save a validation error under the idempotency key', async () => {
    const options = { stripeAccount: acme.id, idempotencyKey: 'validation-first' };
    const invalid = await stripeError(() =>
      stripe.issuing.cardholders.create({ name: 'No Billing' } as Stripe.Issuing.CardholderCreateParams, options),
    );
    expect(invalid.code).toBe('parameter_missing');
    // Stripe saves nothing for a request that failed validation: the corrected request may reuse the key.
    const fixed = await stripe.issuing.cardholders.create(
      {
        name: 'No Billing',
        billing: { address: { line1: '1 Main St', city: 'Austin', postal_code: '78701', country: 'US' } },
      },
      { stripeAccount: acme.id, idempotencyKey: 'validation-first' },
    );
    expect(fixed.object).toBe('issuing.cardholder');
  });

  it('keeps keys apart per account', async () => {
    const key = 'same-key-two-accounts';
    const a = await stripe.issuing.cardholders.create(
      {
        name: 'Key Test',
        billing: { address: { line1: '1 Main St', city: 'Austin', postal_code: '78701', country: 'US' } },
      },
      { stripeAccount: acme.id, idempotencyKey: key },
    );
    const b = await stripe.issuing.cardholders.create(
      {
        name: 'Key Test',
        billing: { address: { line1: '1 Main St', city: 'Austin', postal_code: '78701', country: 'US' } },
      },
      { stripeAccount: cobalt.id, idempotencyKey: key },
    );
    expect(a.id).not.toBe(b.id);
  });
});
