// The SDK-types oracle: the installed `stripe` SDK's type definitions (generated from Stripe's spec
// for the API version it pins, node_modules/stripe/esm/resources/**/*.d.ts, read through
// TypeScript's own checker by scripts/stripe-sdk/sdk-types.ts) against the emulator.
//
// - Every /v1 route the emulator serves is an endpoint of the SDK (or an exception below, with the
//   reason and a Stripe source).
// - Parameters: every parameter path and enum value the SDK declares for the endpoint is accepted
//   by the route's parameter spec (checked statically against what the router validates with).
// - Fields: every served endpoint is called through the SDK, with inputs that fill the optional
//   parts (a physical card with shipping, a capture with every purchase_details kind, an Account
//   Session with every component), and every field the SDK's types mark present must be in the
//   response at every depth it reaches.
//
// A served route without a call here fails the coverage test: add one line to CALLS.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAuthorizationRequestSender } from '../../emulator/api/issuing/realtime.ts';
import { resources } from '../../emulator/api/resources.ts';
import { routeParams } from '../../emulator/api/router.ts';
import { loadSdk, resolve, type Sdk, type Shape } from '../../scripts/stripe-sdk/sdk-types.ts';
import { testOnboardingParams } from '../../shared/stripe-test-onboarding.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { seededAccounts, startEmulator, type TestEmulator } from './helpers.ts';
import { missingFields, missingParams, newFieldReport } from './sdk-types/oracle.ts';

/** Served routes that are not SDK endpoints: Stripe.js calls them from the browser. */
const NOT_IN_SDK: Record<string, { reason: string; source: string }> = {
  'POST /v1/ephemeral_key_nonces': {
    reason: 'Stripe.js calls it for stripe.createEphemeralKeyNonce(); no server SDK method exists',
    source: 'https://docs.stripe.com/js/issuing/create_ephemeral_key_nonce',
  },
  'POST /v1/test_helpers/issuing/fund_balance': {
    reason:
      'a test-mode helper Stripe serves but stripe-node does not wrap ("not supported in the Node.js library"); called over HTTP',
    source: 'https://github.com/stripe-samples/issuing-treasury/blob/main/_base/src/pages/api/create_issuingtopup.tsx',
  },
  'POST /v1/issuing/funding_instructions': {
    reason:
      'Issuing funding instructions: in Stripe’s API reference, not wrapped by stripe-node; called with rawRequest',
    source: 'https://docs.stripe.com/api/issuing/funding_instructions/create',
  },
  'GET /v1/issuing/funding_instructions': {
    reason:
      'Issuing funding instructions: in Stripe’s API reference, not wrapped by stripe-node; called with rawRequest',
    source: 'https://docs.stripe.com/api/issuing/funding_instructions/list',
  },
  'POST /v1/confirmation_tokens': {
    reason:
      'Stripe.js calls it for stripe.createConfirmationToken() with a publishable key; servers use the test helper',
    source: 'https://docs.stripe.com/js/confirmation_tokens/create_confirmation_token',
  },
};

/** Parameters the emulator refuses on purpose: the part of Stripe it does not model. */
const REFUSED: Record<string, { missing: RegExp; reason: string; source: string }> = {
  'POST /v1/accounts/:account': {
    missing: /^external_account\[object\]=card$/,
    reason:
      'external accounts (payouts) are not modelled; of the SDK union bank-account | debit-card object the params union takes the bank account shape, so a debit card object is a 400 naming external_account[object]',
    source: 'https://docs.stripe.com/api/accounts/update#update_account-external_account',
  },
  'POST /v1/accounts/:account/external_accounts': {
    missing: /^external_account\[object\]=card$/,
    reason:
      'debit cards as external accounts are not modelled (emulator/api/external-accounts.ts): a card object is a 400 naming external_account[object]',
    source: 'https://docs.stripe.com/api/external_account_cards/create',
  },
  'POST /v1/test_helpers/confirmation_tokens': {
    missing: /^payment_method_data\[type\]=(?!card$)/,
    reason:
      'the emulator models card payments only (emulator/README.md, Known differences); another payment method type is a 400 naming payment_method_data[type]',
    source: 'https://docs.stripe.com/api/confirmation_tokens/test_create',
  },
};

interface State {
  stripe: Stripe;
  acme: string;
  opts: Stripe.RequestOptions;
  ids: Record<string, string>;
}

const address = {
  line1: '510 Townsend St',
  line2: 'Floor 2',
  city: 'San Francisco',
  state: 'CA',
  postal_code: '94103',
  country: 'US',
};

/** Every kind of purchase details the capture test helper takes (TestHelpers.Issuing.AuthorizationCaptureParams.PurchaseDetails). */
type CaptureParams = NonNullable<Parameters<Stripe['testHelpers']['issuing']['authorizations']['capture']>[1]>;
const purchaseDetails: NonNullable<CaptureParams['purchase_details']> = {
  fleet: {
    cardholder_prompt_data: {
      driver_id: 'D-1',
      odometer: 120_000,
      unspecified_id: 'U-1',
      user_id: 'U-2',
      vehicle_number: 'V-9',
    },
    purchase_type: 'fuel_and_non_fuel_purchase',
    reported_breakdown: {
      fuel: { gross_amount_decimal: Stripe.Decimal.from('40.00') },
      non_fuel: { gross_amount_decimal: Stripe.Decimal.from('12.50') },
      tax: { local_amount_decimal: Stripe.Decimal.from('1.20'), national_amount_decimal: Stripe.Decimal.from('2.30') },
    },
    service_type: 'self_service',
  },
  flight: {
    departure_at: 1_780_000_000,
    passenger_name: 'Ada Lovelace',
    refundable: true,
    segments: [
      {
        arrival_airport_code: 'SFO',
        carrier: 'UA',
        departure_airport_code: 'JFK',
        flight_number: 'UA15',
        service_class: 'economy',
        stopover_allowed: false,
      },
    ],
    travel_agency: 'Example Travel',
  },
  fuel: {
    industry_product_code: '001',
    quantity_decimal: Stripe.Decimal.from('10.5'),
    type: 'unleaded_regular',
    unit: 'us_gallon',
    unit_cost_decimal: Stripe.Decimal.from('380.95'),
  },
  lodging: { check_in_at: 1_780_000_000, nights: 2 },
  receipt: [{ description: 'Coffee', quantity: Stripe.Decimal.from('2'), total: 700, unit_cost: 350 }],
  reference: 'order-42',
};

/** Every component of Stripe.AccountSessionCreateParams.Components, enabled with every feature on (filled in beforeAll from the SDK's types). */
let allComponents: Record<string, { enabled: boolean; features?: Record<string, boolean> }> = {};

/** A UK connected account (made once): Issuing funding instructions are for UK and euro-area accounts. */
async function ukAccount(s: State): Promise<string> {
  s.ids.uk ??= (await s.stripe.accounts.create({ type: 'custom', country: 'GB' })).id;
  return s.ids.uk;
}

const auth = (s: State, amount: number) =>
  s.stripe.testHelpers.issuing.authorizations.create(
    { card: s.ids.card!, amount, merchant_data: { category: 'taxicabs_limousines' } },
    s.opts,
  );

/** Creates an authorization whose real-time request `decide` decides by API; returns what `decide` got. */
async function withinWindow(s: State, decide: (id: string) => Promise<unknown>): Promise<unknown> {
  let answer: unknown;
  setAuthorizationRequestSender(emu.app.store, async ({ authorization }) => {
    answer = await decide(authorization.id);
    return { status: 200, body: '{}' };
  });
  try {
    await auth(s, 600);
  } finally {
    setAuthorizationRequestSender(emu.app.store, undefined);
  }
  return answer;
}

/** One call per served route; the response (without the SDK's `lastResponse`) is checked against the SDK's type. */
const CALLS: Record<string, (s: State) => Promise<unknown>> = {
  'GET /v1/accounts': (s) => s.stripe.accounts.list({ limit: 3 }),
  'POST /v1/accounts': async (s) => {
    const account = await s.stripe.accounts.create({
      type: 'custom',
      country: 'US',
      email: 'oracle@example.com',
      business_type: 'company',
      business_profile: {
        name: 'Oracle Co',
        mcc: '5734',
        url: 'https://example.com',
        annual_revenue: { amount: 100_000_00, currency: 'usd', fiscal_year_end: '2025-12-31' },
        estimated_worker_count: 3,
      },
      company: { name: 'Oracle Co', address, phone: '0000000000', tax_id: '000000000' },
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
      controller: {
        fees: { payer: 'application' },
        losses: { payments: 'application' },
        requirement_collection: 'application',
        stripe_dashboard: { type: 'none' },
      },
      settings: { card_issuing: { tos_acceptance: { date: 1_700_000_000, ip: '127.0.0.1' } } },
      tos_acceptance: { date: 1_700_000_000, ip: '127.0.0.1' },
      metadata: { oracle: 'yes' },
    });
    s.ids.account = account.id;
    return account;
  },
  'GET /v1/accounts/:account': (s) => s.stripe.accounts.retrieve(s.ids.account!),
  'GET /v1/account': (s) => s.stripe.accounts.retrieveCurrent(),
  // Onboarded with Stripe's test values, so that the Person (`individual`) and company parts are filled.
  'POST /v1/accounts/:account': (s) =>
    s.stripe.accounts.update(s.ids.account!, {
      ...testOnboardingParams({
        businessName: 'Oracle Co',
        url: 'https://oracle.example',
        person: { first_name: 'Oracle', last_name: 'Person', email: 'oracle@example.com', phone: '+14155550100' },
        address: { city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'US' },
        acceptedAt: 1_700_000_000,
        acceptedFromIp: '192.0.2.1',
      }),
      company: { name: 'Oracle Co', phone: '+14155550100', tax_id: '000000000', address },
    }),
  'GET /v1/accounts/:account/capabilities': (s) => s.stripe.accounts.listCapabilities(s.acme),
  'GET /v1/accounts/:account/capabilities/:capability': (s) =>
    s.stripe.accounts.retrieveCapability(s.acme, 'card_issuing'),
  'POST /v1/accounts/:account/capabilities/:capability': (s) =>
    s.stripe.accounts.updateCapability(s.ids.account!, 'card_payments', { requested: true }),
  'POST /v1/accounts/:account/external_accounts': async (s) => {
    const bank = await s.stripe.accounts.createExternalAccount(s.ids.account!, {
      external_account: {
        object: 'bank_account',
        country: 'US',
        currency: 'usd',
        routing_number: '110000000',
        account_number: '000123456789',
        account_holder_name: 'Oracle Co',
        account_holder_type: 'company',
      },
      default_for_currency: true,
      metadata: { oracle: 'yes' },
    });
    s.ids.externalAccount = bank.id;
    return bank;
  },
  'GET /v1/accounts/:account/external_accounts': (s) =>
    s.stripe.accounts.listExternalAccounts(s.ids.account!, { object: 'bank_account', limit: 3 }),
  'GET /v1/accounts/:account/external_accounts/:id': (s) =>
    s.stripe.accounts.retrieveExternalAccount(s.ids.account!, s.ids.externalAccount!),
  'DELETE /v1/accounts/:account/external_accounts/:id': async (s) => {
    const second = await s.stripe.accounts.createExternalAccount(s.ids.account!, {
      external_account: 'btok_us_verified',
    });
    return s.stripe.accounts.deleteExternalAccount(s.ids.account!, second.id);
  },
  'GET /v1/balance': (s) => s.stripe.balance.retrieve({}, s.opts),
  // Push funding is for UK and euro-area accounts (a US account is refused, as on Stripe).
  'POST /v1/issuing/funding_instructions': async (s) =>
    s.stripe.rawRequest(
      'POST',
      '/v1/issuing/funding_instructions',
      { bank_transfer: { type: 'gb_bank_transfer' }, currency: 'gbp', funding_type: 'bank_transfer' },
      { stripeAccount: await ukAccount(s) },
    ),
  'GET /v1/issuing/funding_instructions': async (s) =>
    s.stripe.rawRequest('GET', '/v1/issuing/funding_instructions?limit=3', {}, { stripeAccount: await ukAccount(s) }),
  'POST /v1/test_helpers/issuing/fund_balance': async (s) =>
    s.stripe.rawRequest(
      'POST',
      '/v1/test_helpers/issuing/fund_balance',
      { amount: 1000, currency: 'gbp' },
      { stripeAccount: await ukAccount(s) },
    ),
  // `destination_balance` is documented (docs.stripe.com/issuing/funding/balance), not in the SDK's types.
  'POST /v1/topups': async (s) => {
    const params: Stripe.TopupCreateParams & { destination_balance: string } = {
      amount: 2500,
      currency: 'usd',
      destination_balance: 'issuing',
      source: 'btok_us_verified',
      description: 'Oracle funds',
      statement_descriptor: 'Oracle',
      transfer_group: 'oracle',
      metadata: { oracle: 'yes' },
    };
    const topup = await s.stripe.topups.create(params, s.opts);
    s.ids.topup = topup.id;
    s.ids.balanceTransaction = topup.balance_transaction as string;
    return topup;
  },
  'GET /v1/topups': (s) => s.stripe.topups.list({ limit: 3, status: 'succeeded' }, s.opts),
  'GET /v1/topups/:topup': (s) => s.stripe.topups.retrieve(s.ids.topup!, {}, s.opts),
  'POST /v1/topups/:topup': (s) => s.stripe.topups.update(s.ids.topup!, { metadata: { oracle: 'updated' } }, s.opts),
  'POST /v1/topups/:topup/cancel': async (s) =>
    s.stripe.topups.cancel((await s.stripe.topups.create({ amount: 100, currency: 'usd' }, s.opts)).id, {}, s.opts),
  'GET /v1/balance_transactions': (s) => s.stripe.balanceTransactions.list({ limit: 3, type: 'topup' }, s.opts),
  'GET /v1/balance_transactions/:id': (s) =>
    s.stripe.balanceTransactions.retrieve(s.ids.balanceTransaction!, { expand: ['source'] }, s.opts),
  'POST /v1/account_sessions': (s) => s.stripe.accountSessions.create({ account: s.acme, components: allComponents }),
  'POST /v1/account_links': (s) =>
    s.stripe.accountLinks.create({
      account: s.acme,
      type: 'account_onboarding',
      refresh_url: 'https://example.com/reauth',
      return_url: 'https://example.com/return',
      collection_options: { fields: 'eventually_due', future_requirements: 'include' },
    }),
  'POST /v1/issuing/cardholders': async (s) => {
    const holder = await s.stripe.issuing.cardholders.create(
      {
        name: 'Oracle Person',
        email: 'oracle@example.com',
        phone_number: '+14155550100',
        type: 'individual',
        billing: { address },
        individual: {
          first_name: 'Oracle',
          last_name: 'Person',
          dob: { day: 1, month: 1, year: 1901 },
          card_issuing: { user_terms_acceptance: { date: 1_700_000_000, ip: '127.0.0.1' } },
        },
        preferred_locales: ['en'],
        spending_controls: {
          spending_limits: [{ amount: 50_000, interval: 'daily', categories: ['taxicabs_limousines'] }],
          spending_limits_currency: 'usd',
        },
        metadata: { oracle: 'yes' },
      },
      s.opts,
    );
    s.ids.cardholder = holder.id;
    return holder;
  },
  'GET /v1/issuing/cardholders': (s) => s.stripe.issuing.cardholders.list({ limit: 3 }, s.opts),
  'GET /v1/issuing/cardholders/:cardholder': (s) =>
    s.stripe.issuing.cardholders.retrieve(s.ids.cardholder!, {}, s.opts),
  'POST /v1/issuing/cardholders/:cardholder': (s) =>
    s.stripe.issuing.cardholders.update(s.ids.cardholder!, { metadata: { oracle: 'updated' } }, s.opts),
  'POST /v1/issuing/cards': async (s) => {
    const physical = await s.stripe.issuing.cards.create(
      {
        cardholder: s.ids.cardholder!,
        currency: 'usd',
        type: 'physical',
        shipping: {
          name: 'Oracle Person',
          business_name: 'Oracle Co',
          address,
          service: 'express',
          type: 'individual',
          phone_number: '+14155550100',
          require_signature: true,
          customs: { eori_number: 'GB123' },
          address_validation: { mode: 'normalization_only' },
        },
      },
      s.opts,
    );
    s.ids.physicalCard = physical.id;
    const card = await s.stripe.issuing.cards.create(
      { cardholder: s.ids.cardholder!, currency: 'usd', type: 'virtual', status: 'active' },
      s.opts,
    );
    s.ids.card = card.id;
    return physical;
  },
  'GET /v1/issuing/cards': (s) => s.stripe.issuing.cards.list({ limit: 5, cardholder: s.ids.cardholder! }, s.opts),
  'GET /v1/issuing/cards/:card': (s) =>
    s.stripe.issuing.cards.retrieve(s.ids.physicalCard!, { expand: ['cardholder'] }, s.opts),
  'POST /v1/issuing/cards/:card': (s) =>
    s.stripe.issuing.cards.update(s.ids.card!, { metadata: { oracle: 'yes' } }, s.opts),
  'POST /v1/ephemeral_key_nonces': async (s) => {
    const browser = new Stripe('pk_test_oracle', { host: '127.0.0.1', port: emu.port, protocol: 'http' });
    const response = (await browser.rawRequest(
      'POST',
      '/v1/ephemeral_key_nonces',
      { issuing_card: s.ids.card! },
      { stripeAccount: s.acme },
    )) as unknown as { nonce: string };
    s.ids.nonce = response.nonce;
    return response;
  },
  'POST /v1/ephemeral_keys': async (s) => {
    const key = await s.stripe.ephemeralKeys.create(
      { issuing_card: s.ids.card!, nonce: s.ids.nonce! },
      { ...s.opts, apiVersion: STRIPE_API_VERSION },
    );
    s.ids.ephemeralKey = key.id;
    return key;
  },
  'DELETE /v1/ephemeral_keys/:key': (s) => s.stripe.ephemeralKeys.del(s.ids.ephemeralKey!, {}, s.opts),
  'POST /v1/test_helpers/issuing/authorizations': async (s) => {
    const authorization = await auth(s, 2500);
    s.ids.authorization = authorization.id;
    return authorization;
  },
  'GET /v1/issuing/authorizations': (s) =>
    s.stripe.issuing.authorizations.list({ card: s.ids.card!, limit: 5 }, s.opts),
  'GET /v1/issuing/authorizations/:authorization': (s) =>
    s.stripe.issuing.authorizations.retrieve(s.ids.authorization!, {}, s.opts),
  'POST /v1/issuing/authorizations/:authorization': (s) =>
    s.stripe.issuing.authorizations.update(s.ids.authorization!, { metadata: { oracle: 'yes' } }, s.opts),
  'POST /v1/test_helpers/issuing/authorizations/:authorization/increment': (s) =>
    s.stripe.testHelpers.issuing.authorizations.increment(s.ids.authorization!, { increment_amount: 500 }, s.opts),
  'POST /v1/test_helpers/issuing/authorizations/:authorization/finalize_amount': (s) =>
    s.stripe.testHelpers.issuing.authorizations.finalizeAmount(s.ids.authorization!, { final_amount: 3000 }, s.opts),
  'POST /v1/test_helpers/issuing/authorizations/:authorization/capture': (s) =>
    s.stripe.testHelpers.issuing.authorizations.capture(
      s.ids.authorization!,
      { capture_amount: 3000, purchase_details: purchaseDetails },
      s.opts,
    ),
  'GET /v1/issuing/transactions': async (s) => {
    const list = await s.stripe.issuing.transactions.list({ card: s.ids.card!, limit: 5 }, s.opts);
    s.ids.transaction = list.data[0]!.id;
    return list;
  },
  'GET /v1/issuing/transactions/:transaction': (s) =>
    s.stripe.issuing.transactions.retrieve(s.ids.transaction!, {}, s.opts),
  'POST /v1/issuing/transactions/:transaction': (s) =>
    s.stripe.issuing.transactions.update(s.ids.transaction!, { metadata: { oracle: 'yes' } }, s.opts),
  'POST /v1/test_helpers/issuing/transactions/:transaction/refund': (s) =>
    s.stripe.testHelpers.issuing.transactions.refund(s.ids.transaction!, { refund_amount: 100 }, s.opts),
  'POST /v1/issuing/authorizations/:authorization/approve': (s) =>
    withinWindow(s, (id) => s.stripe.issuing.authorizations.approve(id, {}, s.opts)),
  'POST /v1/issuing/authorizations/:authorization/decline': (s) =>
    withinWindow(s, (id) => s.stripe.issuing.authorizations.decline(id, {}, s.opts)),
  'POST /v1/test_helpers/issuing/authorizations/:authorization/reverse': async (s) =>
    s.stripe.testHelpers.issuing.authorizations.reverse((await auth(s, 500)).id, { reverse_amount: 200 }, s.opts),
  'POST /v1/test_helpers/issuing/authorizations/:authorization/expire': async (s) =>
    s.stripe.testHelpers.issuing.authorizations.expire((await auth(s, 700)).id, {}, s.opts),
  'GET /v1/events': async (s) => {
    const list = await s.stripe.events.list({ limit: 3 }, s.opts);
    s.ids.event = list.data[0]!.id;
    return list;
  },
  'GET /v1/events/:id': (s) => s.stripe.events.retrieve(s.ids.event!, {}, s.opts),
  'POST /v1/webhook_endpoints': async (s) => {
    const endpoint = await s.stripe.webhookEndpoints.create({
      url: 'https://example.com/oracle',
      enabled_events: ['issuing_card.updated'],
      connect: true,
      description: 'oracle',
      metadata: { a: '1' },
    });
    s.ids.webhookEndpoint = endpoint.id;
    return endpoint;
  },
  'GET /v1/webhook_endpoints': (s) => s.stripe.webhookEndpoints.list({ limit: 3 }),
  'GET /v1/webhook_endpoints/:webhook_endpoint': (s) => s.stripe.webhookEndpoints.retrieve(s.ids.webhookEndpoint!),
  'POST /v1/webhook_endpoints/:webhook_endpoint': (s) =>
    s.stripe.webhookEndpoints.update(s.ids.webhookEndpoint!, { description: 'oracle 2' }),
  'DELETE /v1/webhook_endpoints/:webhook_endpoint': (s) => s.stripe.webhookEndpoints.del(s.ids.webhookEndpoint!),
  'POST /v1/test_helpers/confirmation_tokens': async (s) => {
    const token = await s.stripe.testHelpers.confirmationTokens.create({ payment_method: 'pm_card_visa' });
    s.ids.confirmationToken = token.id;
    return token;
  },
  'GET /v1/confirmation_tokens/:confirmation_token': (s) =>
    s.stripe.confirmationTokens.retrieve(s.ids.confirmationToken!),
  'POST /v1/confirmation_tokens': async () => {
    const browser = new Stripe('pk_test_oracle', { host: '127.0.0.1', port: emu.port, protocol: 'http' });
    return browser.rawRequest('POST', '/v1/confirmation_tokens', {
      payment_method_data: {
        type: 'card',
        card: { number: '4242424242424242', exp_month: '12', exp_year: '2034', cvc: '123' },
      },
    });
  },
  'POST /v1/payment_intents': async (s) => {
    const intent = await s.stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    s.ids.paymentIntent = intent.id;
    return intent;
  },
  'GET /v1/payment_intents': (s) => s.stripe.paymentIntents.list({ limit: 3 }),
  'GET /v1/payment_intents/:intent': (s) => s.stripe.paymentIntents.retrieve(s.ids.paymentIntent!),
  'POST /v1/payment_intents/:intent': (s) =>
    s.stripe.paymentIntents.update(s.ids.paymentIntent!, { description: 'Oracle' }),
  'POST /v1/payment_intents/:intent/confirm': (s) =>
    s.stripe.paymentIntents.confirm(s.ids.paymentIntent!, { payment_method: 'pm_card_visa' }),
  'POST /v1/payment_intents/:intent/capture': async (s) => {
    const held = await s.stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      capture_method: 'manual',
      confirm: true,
      payment_method: 'pm_card_visa',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    return s.stripe.paymentIntents.capture(held.id);
  },
  'POST /v1/payment_intents/:intent/cancel': async (s) => {
    const open = await s.stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    return s.stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' });
  },
};

const served = resources.flatMap((r) => r.routes).filter((route) => route.path.startsWith('/v1/'));
const routeName = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

let sdk: Sdk;
let emu: TestEmulator;
let state: State;
const tally = {
  endpoints: new Set<string>(),
  parameters: 0,
  fields: new Set<string>(),
  missingParameters: 0,
  missingFields: 0,
};

beforeAll(async () => {
  sdk = loadSdk();
  emu = await startEmulator();
  const stripe = emu.stripe();
  const [acme] = await seededAccounts(stripe);
  state = { stripe, acme: acme!.id, opts: { stripeAccount: acme!.id }, ids: {} };
  allComponents = everyComponent(sdk);
}, 120_000);

afterAll(async () => {
  sdk?.close();
  await emu?.close();
  console.log(
    `SDK-types oracle (stripe ${sdk?.apiVersion}): ${tally.endpoints.size} endpoints, ${tally.parameters} parameters, ` +
      `${tally.fields.size} fields; ${tally.missingParameters} missing parameters, ${tally.missingFields} missing fields.`,
  );
});

/** `{enabled: true, features: {every feature: true}}` for every component the SDK's types list. */
function everyComponent(types: Sdk): Record<string, { enabled: boolean; features?: Record<string, boolean> }> {
  const endpoint = types.find('POST', '/v1/account_sessions')!;
  const components = resolve(types, types.params(endpoint).fields.components!.shape);
  if (components.kind !== 'object') throw new Error('AccountSessionCreateParams.components is not an object');
  const out: Record<string, { enabled: boolean; features?: Record<string, boolean> }> = {};
  for (const [name, field] of Object.entries(components.fields)) {
    const component = resolve(types, field.shape);
    const features =
      component.kind === 'object' ? resolve(types, component.fields.features?.shape ?? { kind: 'unknown' }) : undefined;
    out[name] = { enabled: true };
    if (features?.kind === 'object') {
      // disable_stripe_user_authentication is allowed here: the seeded accounts' platform collects requirements.
      out[name].features = Object.fromEntries(Object.keys(features.fields).map((f) => [f, true]));
    }
  }
  return out;
}

describe('parameters: every one the SDK declares for a served endpoint is accepted', () => {
  it('every served /v1 route is an SDK endpoint, or an exception with a reason and a source', () => {
    const unknown = served
      .map(routeName)
      .filter((name) => !NOT_IN_SDK[name] && !sdk.find(...(name.split(' ') as [string, string])));
    expect(unknown).toEqual([]);
    for (const name of Object.keys(NOT_IN_SDK)) expect(served.map(routeName), name).toContain(name);
  });

  for (const route of served) {
    const name = routeName(route);
    if (NOT_IN_SDK[name]) continue;
    it(name, () => {
      const endpoint = sdk.find(route.method, route.path)!;
      const report = missingParams(sdk, sdk.params(endpoint), { kind: 'object', fields: routeParams(route) });
      tally.endpoints.add(name);
      const refused = REFUSED[name];
      report.missing = report.missing.filter((path) => !refused?.missing.test(path));
      tally.parameters += report.declared.length;
      tally.missingParameters += report.missing.length;
      // A route added since api/sdk-params.json was generated: run `npm run sdk-params`.
      expect(
        report.missing,
        `${endpoint.sdkMethod}: parameters the emulator refuses: ${report.missing.join(', ')}`,
      ).toEqual([]);
    });
  }
});

function stripSdk(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { lastResponse: _ignored, ...rest } = value as Record<string, unknown>;
    return JSON.parse(JSON.stringify(rest));
  }
  return value;
}

describe('fields: every one the SDK marks present is returned', () => {
  it('has a call for every served /v1 route', () => {
    expect(served.map(routeName).filter((name) => !CALLS[name])).toEqual([]);
  });

  for (const [name, call] of Object.entries(CALLS)) {
    it(name, async () => {
      const body = stripSdk(await call(state)) as Record<string, unknown>;
      const [method, path] = name.split(' ') as [string, string];
      const endpoint = sdk.find(method, path);
      if (!endpoint)
        return expect(NOT_IN_SDK[name], `${name} is neither an SDK endpoint nor an exception`).toBeDefined();
      const shape: Shape = sdk.response(endpoint);
      const report = newFieldReport();
      if (endpoint.returns === 'list' || endpoint.returns === 'search') {
        expect(body.object).toBe(endpoint.returns === 'list' ? 'list' : 'search_result');
        expect(
          (body.data as unknown[]).length,
          `${name}: the list is empty, so nothing would be checked`,
        ).toBeGreaterThan(0);
        for (const item of body.data as unknown[]) missingFields(sdk, shape, item, 'data[]', report);
      } else {
        missingFields(sdk, shape, body, '', report);
      }
      for (const field of report.checked) tally.fields.add(`${endpoint.sdkMethod}:${field}`);
      tally.missingFields += report.missing.length;
      expect(report.missing, `${name}: fields the SDK's type marks present: ${report.missing.join(', ')}`).toEqual([]);
    });
  }
});

describe('Account Sessions: every component and feature of the SDK types', () => {
  it('accepts them all and echoes each as requested', async () => {
    const session = await state.stripe.accountSessions.create({ account: state.acme, components: allComponents });
    expect(Object.keys(allComponents).length).toBeGreaterThan(15);
    for (const [name, requested] of Object.entries(allComponents)) {
      const echoed = (
        session.components as unknown as Record<string, { enabled: boolean; features: Record<string, boolean> }>
      )[name];
      expect(echoed?.enabled, name).toBe(true);
      for (const [feature, value] of Object.entries(requested.features ?? {}))
        expect(echoed?.features[feature], `${name}.features.${feature}`).toBe(value);
    }
  });
});

describe('capture: every purchase_details kind is accepted and kept on the transaction', () => {
  it('returns fleet, flight, fuel, lodging, receipt and reference as sent', async () => {
    const authorization = await auth(state, 1800);
    await state.stripe.testHelpers.issuing.authorizations.capture(
      authorization.id,
      { purchase_details: purchaseDetails },
      state.opts,
    );
    const [transaction] = (
      await state.stripe.issuing.transactions.list({ card: state.ids.card!, limit: 1 }, state.opts)
    ).data;
    expect(transaction!.authorization).toBe(authorization.id);
    expect(transaction!.purchase_details).toMatchObject({
      fleet: {
        purchase_type: 'fuel_and_non_fuel_purchase',
        service_type: 'self_service',
        cardholder_prompt_data: { odometer: 120_000 },
      },
      flight: { passenger_name: 'Ada Lovelace', segments: [{ carrier: 'UA', flight_number: 'UA15' }] },
      fuel: { type: 'unleaded_regular', unit: 'us_gallon' },
      lodging: { nights: 2 },
      receipt: [{ description: 'Coffee', total: 700 }],
      reference: 'order-42',
    });
    // The SDK turns decimal strings into its Decimal type.
    expect(String(transaction!.purchase_details!.fuel!.quantity_decimal)).toBe('10.5');
    expect(String(transaction!.purchase_details!.fleet!.reported_breakdown!.tax!.national_amount_decimal)).toBe('2.3');
  });
});
