// Account Sessions for the Issuing components, the emulator's single-use claim of a client secret,
// and what the resulting Connect session token may do.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../emulator/api/store.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { responseErrors } from './openapi.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

const clock = manualClock(Date.UTC(2026, 5, 1, 12));
let emu: TestEmulator;
let stripe: Stripe;
let account: string;
let otherAccount: string;

type Features = Stripe.AccountSessionCreateParams.Components.IssuingCardsList.Features;

async function session(features: Features = {}, enabled = true): Promise<Stripe.AccountSession> {
  return stripe.accountSessions.create({
    account,
    components: { issuing_cards_list: { enabled, features } },
  });
}

async function claim(clientSecret: string) {
  return emu.raw('POST', '/_emulator/connect/claim', {
    key: null,
    body: JSON.stringify({ client_secret: clientSecret }),
    headers: { 'content-type': 'application/json' },
  });
}

beforeAll(async () => {
  emu = await startEmulator({ clock });
  stripe = emu.stripe();
  const accounts = await seededAccounts(stripe);
  account = accounts[0]!.id;
  otherAccount = accounts[1]!.id;
});
afterAll(() => emu.close());

describe('account sessions', () => {
  it('echoes the requested components with Stripe’s defaults for omitted features', async () => {
    const created = await stripe.accountSessions.create({
      account,
      components: {
        issuing_card: { enabled: true, features: { card_management: true } },
        issuing_cards_list: { enabled: true, features: { spend_control_management: true } },
      },
    });
    expect(created).toMatchObject({ object: 'account_session', account, livemode: false });
    expect(created.client_secret).toMatch(/^accs_secret__/);
    expect(created.expires_at).toBe(Math.floor(clock.now() / 1000) + 30 * 60);
    expect(created.components.issuing_card).toEqual({
      enabled: true,
      features: {
        card_management: true,
        card_spend_dispute_management: false,
        cardholder_management: false,
        spend_control_management: false,
      },
    });
    expect(created.components.issuing_cards_list.features).toEqual({
      card_management: false,
      card_spend_dispute_management: false,
      cardholder_management: false,
      disable_stripe_user_authentication: false,
      spend_control_management: true,
    });
    expect(created.components.payments.enabled).toBe(false);
    expect(responseErrors('post', '/v1/account_sessions', 200, JSON.parse(JSON.stringify(created)))).toEqual([]);
  });

  it('validates account and components', async () => {
    const noAccount = await stripeError(() =>
      stripe.accountSessions.create({
        account: 'acct_1Nobody000000000',
        components: { issuing_card: { enabled: true } },
      }),
    );
    expect(noAccount).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'account' });
    const noEnabled = await stripeError(() =>
      stripe.accountSessions.create({
        account,
        components: { issuing_card: { features: { card_management: true } } as never },
      }),
    );
    expect(noEnabled).toMatchObject({ code: 'parameter_missing', param: 'components[issuing_card][enabled]' });
    const badFeature = await stripeError(() =>
      stripe.accountSessions.create({
        account,
        components: { issuing_card: { enabled: true, features: { teleport: true } as never } },
      }),
    );
    expect(badFeature).toMatchObject({
      code: 'parameter_unknown',
      param: 'components[issuing_card][features][teleport]',
    });
    const noComponents = await stripeError(() => stripe.accountSessions.create({ account } as never));
    expect(noComponents.param).toBe('components');
  });
});

// Preview components (emulator/api/preview-components.ts): Stripe accepts them only under
// `Stripe-Version: …; embedded_connect_beta=v2` (docs.stripe.com/connect/supported-embedded-components,
// "Preview components"); Stripe's furever demo sends these with NEXT_PUBLIC_ENABLE_PREVIEW_COMPONENTS.
describe('preview components under the embedded_connect_beta=v2 Stripe-Version', () => {
  const BETA = `${STRIPE_API_VERSION}; embedded_connect_beta=v2`;
  const furever = {
    payments: { enabled: true },
    documents: { enabled: true },
    payment_method_settings: { enabled: true },
    capital_financing_promotion: { enabled: true },
    capital_financing_application: { enabled: true },
    capital_financing: { enabled: true },
    tax_threshold_monitoring: { enabled: true },
    export_tax_transactions: { enabled: true },
  };

  it('accepts and echoes the components furever sends under the beta, the others disabled', async () => {
    const created = await stripe.accountSessions.create({ account, components: furever }, { apiVersion: BETA });
    expect(created.lastResponse.headers['stripe-version']).toBe(BETA);
    const components = created.components as unknown as Record<string, { enabled: boolean; features: object }>;
    for (const name of [
      'capital_financing_promotion',
      'capital_financing_application',
      'capital_financing',
      'tax_threshold_monitoring',
      'export_tax_transactions',
    ]) {
      expect(components[name]).toEqual({ enabled: true, features: {} });
    }
    expect(components.payments?.enabled).toBe(true);
    // Not requested: echoed disabled, as Stripe echoes every component.
    expect(components.app_install).toEqual({ enabled: false, features: { allowed_apps: [] } });
    expect(components.product_tax_code_selector).toEqual({ enabled: false, features: {} });
    expect(components.issuing_card?.enabled).toBe(false);
  });

  it('takes the header as Stripe’s pages write it, with a trailing semicolon, and app lists', async () => {
    const res = await emu.raw('POST', '/v1/account_sessions', {
      headers: { 'stripe-version': `${BETA};` },
      body: new URLSearchParams({
        account,
        'components[app_viewport][enabled]': 'true',
        'components[app_viewport][features][allowed_apps][]': 'com.xero.stripeapp',
      }).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('stripe-version')).toBe(BETA);
    expect(res.body.components.app_viewport).toEqual({
      enabled: true,
      features: { allowed_apps: ['com.xero.stripeapp'] },
    });
  });

  it('refuses a feature the component does not have, as for every component', async () => {
    const err = await stripeError(() =>
      stripe.accountSessions.create(
        { account, components: { capital_financing: { enabled: true, features: { teleport: true } } } as never },
        { apiVersion: BETA },
      ),
    );
    expect(err).toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'components[capital_financing][features][teleport]',
    });
  });

  it.each([
    ['no beta', STRIPE_API_VERSION],
    ['another beta', `${STRIPE_API_VERSION}; feature_beta=v3`],
    ['the v1 beta Stripe says to move off', `${STRIPE_API_VERSION}; embedded_connect_beta=v1`],
  ])('keeps them unknown parameters with %s', async (_label, apiVersion) => {
    const err = await stripeError(() =>
      stripe.accountSessions.create(
        { account, components: { capital_financing_promotion: { enabled: true } } as never },
        { apiVersion },
      ),
    );
    expect(err).toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'components[capital_financing_promotion]',
      message: 'Received unknown parameter: components[capital_financing_promotion]',
    });
    const plain = await stripe.accountSessions.create(
      { account, components: { issuing_card: { enabled: true } } },
      { apiVersion },
    );
    expect(Object.keys(plain.components)).not.toContain('capital_financing_promotion');
  });
});

describe('claiming a client secret', () => {
  it('exchanges it once for a token bound to the account and components', async () => {
    const created = await session({ card_management: true });
    const first = await claim(created.client_secret);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ account, expires_at: created.expires_at });
    expect(first.body.token).toMatch(/^emcs_/);
    expect(first.body.components.issuing_cards_list.features.card_management).toBe(true);

    const second = await claim(created.client_secret);
    expect(second.status).toBe(400);
    expect(second.body.error.message).toContain('already been used');
    expect((await claim('accs_secret__unknown')).status).toBe(400);
  });

  it('refuses an expired session and expires the token with the session', async () => {
    const created = await session();
    clock.advance(30 * 60 * 1000);
    expect((await claim(created.client_secret)).body.error.message).toContain('expired');

    const fresh = await session();
    const { token } = (await claim(fresh.client_secret)).body as { token: string };
    expect((await emu.stripe(token).issuing.cards.list({ limit: 1 })).data).toHaveLength(1);
    clock.advance(30 * 60 * 1000);
    const err = await stripeError(() => emu.stripe(token).issuing.cards.list({ limit: 1 }));
    expect(err.statusCode).toBe(401);
  });
});

describe('the Connect session token', () => {
  async function token(features: Features, enabled = true): Promise<Stripe> {
    const { body } = await claim((await session(features, enabled)).client_secret);
    return emu.stripe(body.token as string);
  }

  it('reads the session account’s cards and cardholders only', async () => {
    const connect = await token({});
    const cards = await connect.issuing.cards.list({ limit: 100 });
    const direct = await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account });
    expect(cards.data.map((c) => c.id)).toEqual(direct.data.map((c) => c.id));
    expect((await connect.issuing.cardholders.list()).data.length).toBeGreaterThan(0);
    const other = await stripeError(() => connect.issuing.cards.list({}, { stripeAccount: otherAccount }));
    expect(other.statusCode).toBe(403);
    // Stripe-Context (docs.stripe.com/context) is held to the session's account the same way.
    const viaContext = await stripeError(() => connect.issuing.cards.list({}, { stripeContext: otherAccount }));
    expect(viaContext).toMatchObject({ statusCode: 403, code: 'account_invalid' });
    const own = await connect.issuing.cards.list({ limit: 100 }, { stripeContext: account });
    expect(own.data.map((c) => c.id)).toEqual(direct.data.map((c) => c.id));
  });

  it('changes status only with card_management and spending controls only with spend_control_management', async () => {
    const card = (await stripe.issuing.cards.list({ status: 'active', limit: 1 }, { stripeAccount: account })).data[0]!;
    const readOnly = await token({});
    const noStatus = await stripeError(() => readOnly.issuing.cards.update(card.id, { status: 'inactive' }));
    expect(noStatus).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(noStatus.message).toContain('card_management');

    const manager = await token({ card_management: true });
    expect((await manager.issuing.cards.update(card.id, { status: 'inactive' })).status).toBe('inactive');
    expect((await manager.issuing.cards.update(card.id, { status: 'active' })).status).toBe('active');
    const noSpend = await stripeError(() =>
      manager.issuing.cards.update(card.id, {
        spending_controls: { spending_limits: [{ amount: 100, interval: 'daily' }] },
      }),
    );
    expect(noSpend.message).toContain('spend_control_management');
    const noMetadata = await stripeError(() => manager.issuing.cards.update(card.id, { metadata: { a: 'b' } }));
    expect(noMetadata.statusCode).toBe(403);

    const spender = await token({ spend_control_management: true });
    const updated = await spender.issuing.cards.update(card.id, {
      spending_controls: { spending_limits: [{ amount: 12_300, interval: 'daily' }] },
    });
    expect(updated.spending_controls.spending_limits?.[0]?.amount).toBe(12_300);
  });

  it('can make nonces but not call secret-key endpoints', async () => {
    const connect = await token({});
    const card = (await connect.issuing.cards.list({ limit: 1 })).data[0]!;
    const nonce = await connect.rawRequest('POST', '/v1/ephemeral_key_nonces', { issuing_card: card.id });
    expect((nonce as unknown as { nonce: string }).nonce).toMatch(/^ephkn_/);
    const create = await stripeError(() =>
      connect.issuing.cards.create({ cardholder: card.cardholder.id, currency: 'usd', type: 'virtual' }),
    );
    expect(create.statusCode).toBe(403);
    const sessions = await stripeError(() => connect.accountSessions.create({ account, components: {} }));
    expect(sessions.statusCode).toBe(403);
  });

  it('cannot read anything when no Issuing component is enabled, and stops working after logout', async () => {
    const disabled = await token({}, false);
    expect((await stripeError(() => disabled.issuing.cards.list())).statusCode).toBe(403);

    const created = await session();
    const { body } = await claim(created.client_secret);
    const out = await emu.raw('POST', '/_emulator/connect/logout', { key: body.token as string });
    expect(out.status).toBe(200);
    expect((await stripeError(() => emu.stripe(body.token as string).issuing.cards.list())).statusCode).toBe(401);
  });
});
