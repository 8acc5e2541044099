// Connected accounts' capabilities and requirements as Stripe has them: card_issuing and transfers
// start inactive with requirements.currently_due until the platform provides what Stripe requires
// (POST /v1/accounts/:id), with Stripe's documented test values; Issuing objects are refused until
// card_issuing is active. Each capability has its own requirements (card_payments needs a bank
// account, card_issuing does not), and what a person gives depends on the country (a GB individual
// no id number).
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorOptionsFromEnv } from '../../emulator/app.ts';
import { describeRequirements } from '../../shared/account-requirements.ts';
import { testOnboardingParams } from '../../shared/stripe-test-onboarding.ts';
import { schemaErrors } from './openapi.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
});
afterAll(() => emu.close());

const billing = { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } };
const onboarding = testOnboardingParams({
  businessName: 'Delta Deliveries',
  url: 'https://delta.example',
  person: { first_name: 'Dee', last_name: 'Delta', email: 'dee@delta.example', phone: '+14155550199' },
  address: { city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
  acceptedAt: 1_760_000_000,
  acceptedFromIp: '192.0.2.1',
});

function newAccount(): Promise<Stripe.Account> {
  return stripe.accounts.create({
    type: 'custom',
    country: 'US',
    email: 'ops@delta.example',
    capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
  });
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('a new connected account', () => {
  it('has card_issuing and transfers inactive with everything due, shaped as Stripe’s schema says', async () => {
    const account = await newAccount();
    expect(account.capabilities).toEqual({ card_issuing: 'inactive', transfers: 'inactive' });
    expect(account.requirements?.currently_due).toEqual(
      expect.arrayContaining([
        'business_profile.mcc',
        'business_type',
        'settings.card_issuing.tos_acceptance.date',
        'tos_acceptance.ip',
      ]),
    );
    expect(account.requirements?.past_due).toEqual(account.requirements?.currently_due);
    expect(account.requirements?.disabled_reason).toBe('requirements.past_due');
    expect(account).toMatchObject({ charges_enabled: false, payouts_enabled: false, details_submitted: false });
    expect(account.tos_acceptance).toMatchObject({ date: null, ip: null });
    expect(schemaErrors('account', json(account))).toEqual([]);
  });

  it('refuses cardholders and cards until card_issuing is active, naming the capability', async () => {
    const account = await newAccount();
    const holderError = await stripeError(() =>
      stripe.issuing.cardholders.create({ name: 'Too Early', billing }, { stripeAccount: account.id }),
    );
    expect(holderError.statusCode).toBe(400);
    expect(holderError.type).toBe('StripeInvalidRequestError');
    expect(holderError.message).toMatch(/without the `card_issuing` capability enabled/);
    const cardError = await stripeError(() =>
      stripe.issuing.cards.create(
        { cardholder: 'ich_unknown', currency: 'usd', type: 'virtual' },
        { stripeAccount: account.id },
      ),
    );
    expect(cardError.statusCode).toBe(400);
    expect(cardError.message).toMatch(/card_issuing/);
    expect((await stripe.issuing.cardholders.list({}, { stripeAccount: account.id })).data).toEqual([]);
  });
});

describe('POST /v1/accounts/:id', () => {
  it('activates transfers first and card_issuing once the Issuing terms are accepted too', async () => {
    const account = await newAccount();
    const { settings: _issuingTerms, ...withoutIssuingTerms } = onboarding;
    const partly = await stripe.accounts.update(account.id, withoutIssuingTerms);
    // Stripe's own example: card_issuing inactive next to transfers active (docs.stripe.com/issuing/connect).
    expect(partly.capabilities).toEqual({ card_issuing: 'inactive', transfers: 'active' });
    expect(partly.requirements?.currently_due).toEqual([
      'settings.card_issuing.tos_acceptance.date',
      'settings.card_issuing.tos_acceptance.ip',
    ]);

    const done = await stripe.accounts.update(account.id, { settings: onboarding.settings });
    expect(done.capabilities).toEqual({ card_issuing: 'active', transfers: 'active' });
    expect(done.requirements).toMatchObject({ currently_due: [], past_due: [], disabled_reason: null, errors: [] });
    expect(done.individual).toMatchObject({
      first_name: 'Dee',
      id_number_provided: true,
      verification: { status: 'verified' },
    });
    // The id number is kept by Stripe, never returned.
    expect(JSON.stringify(done)).not.toContain(onboarding.individual.id_number);
    expect(schemaErrors('account', json(done))).toEqual([]);
    expect((await stripe.accounts.retrieve(account.id)).capabilities?.card_issuing).toBe('active');

    // Each change is an account.updated event of the connected account, with what changed.
    const events = await stripe.events.list({ type: 'account.updated' }, { stripeAccount: account.id });
    expect(events.data).toHaveLength(2);
    expect(events.data[0]!.account).toBe(account.id);
    expect((events.data[0]!.data.previous_attributes as { capabilities?: unknown }).capabilities).toEqual({
      card_issuing: 'inactive',
      transfers: 'active',
    });

    const holder = await stripe.issuing.cardholders.create(
      { name: 'Now Allowed', billing },
      { stripeAccount: account.id },
    );
    const card = await stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'usd', type: 'virtual' },
      { stripeAccount: account.id },
    );
    expect(card.cardholder.id).toBe(holder.id);
  });

  it('fails verification for a date of birth other than Stripe’s test values, and passes once corrected', async () => {
    const account = await newAccount();
    const wrong = await stripe.accounts.update(account.id, {
      ...onboarding,
      individual: { ...onboarding.individual, dob: { day: 5, month: 5, year: 1990 } },
    });
    expect(wrong.capabilities?.card_issuing).toBe('inactive');
    expect(wrong.requirements?.currently_due).toEqual(['individual.verification.document']);
    expect(wrong.requirements?.errors).toEqual([
      expect.objectContaining({
        code: 'verification_failed_keyed_identity',
        requirement: 'individual.verification.document',
      }),
    ]);
    const fixed = await stripe.accounts.update(account.id, { individual: { dob: { day: 1, month: 1, year: 1901 } } });
    expect(fixed.capabilities?.card_issuing).toBe('active');
  });

  it('keeps a requested capability inactive while the id number is not a verifying test value', async () => {
    const account = await newAccount();
    const updated = await stripe.accounts.update(account.id, {
      ...onboarding,
      individual: { ...onboarding.individual, id_number: '123456789' },
    });
    expect(updated.capabilities?.card_issuing).toBe('inactive');
    expect(updated.requirements?.errors?.[0]?.code).toBe('verification_failed_keyed_identity');
  });

  it('lists a company’s own requirements (tax id, phone, workers, revenue, representative)', async () => {
    const account = await newAccount();
    const updated = await stripe.accounts.update(account.id, {
      business_type: 'company',
      company: { name: 'Delta Ltd' },
    });
    expect(updated.requirements?.currently_due).toEqual(
      expect.arrayContaining([
        'company.tax_id',
        'company.phone',
        'business_profile.estimated_worker_count',
        'business_profile.annual_revenue',
        'representative.first_name',
      ]),
    );
    expect(updated.requirements?.currently_due).not.toContain('company.name');
  });

  it('is the platform’s: a connected account cannot update itself, an unknown id is a 404, a bad field a 400', async () => {
    const account = await newAccount();
    const self = await stripeError(() =>
      stripe.accounts.update(account.id, { email: 'x@example.com' }, { stripeAccount: account.id }),
    );
    expect(self.statusCode).toBe(403);
    const missing = await stripeError(() => stripe.accounts.update('acct_doesnotexist', { email: 'x@example.com' }));
    expect(missing.statusCode).toBe(404);
    const bad = await stripeError(() =>
      stripe.accounts.update(account.id, { individual: { dob: { day: 40, month: 1, year: 1901 } } }),
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.param).toBe('individual[dob][day]');
    const unknown = await stripeError(() => stripe.accounts.update(account.id, { type: 'express' } as never));
    expect(unknown.statusCode).toBe(400);
  });
});

describe('requirements per capability', () => {
  const everything = {
    card_issuing: { requested: true },
    card_payments: { requested: true },
    transfers: { requested: true },
  };

  it('keeps card_payments inactive with external_account due until a bank account is added; card_issuing does not wait', async () => {
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      capabilities: everything,
      ...onboarding,
    });
    expect(account.capabilities).toEqual({ card_issuing: 'active', card_payments: 'inactive', transfers: 'active' });
    // The account's list is the union over its capabilities; each capability has its own.
    expect(account.requirements?.currently_due).toEqual(['external_account']);
    expect(describeRequirements(account.requirements!.currently_due!)).toEqual([
      'A bank account for payouts and card payments',
    ]);
    expect(account).toMatchObject({ charges_enabled: false, payouts_enabled: false, details_submitted: false });
    const payments = await stripe.accounts.retrieveCapability(account.id, 'card_payments');
    expect(payments).toMatchObject({
      id: 'card_payments',
      object: 'capability',
      account: account.id,
      requested: true,
      status: 'inactive',
      requirements: { currently_due: ['external_account'], disabled_reason: 'requirements.fields_needed' },
    });
    const issuing = await stripe.accounts.retrieveCapability(account.id, 'card_issuing');
    expect(issuing).toMatchObject({ status: 'active', requirements: { currently_due: [], disabled_reason: null } });
    expect(issuing.requested_at).toEqual(expect.any(Number));

    await stripe.accounts.createExternalAccount(account.id, {
      external_account: {
        object: 'bank_account',
        country: 'US',
        currency: 'usd',
        routing_number: '110000000',
        account_number: '000123456789',
      },
    });
    const done = await stripe.accounts.retrieve(account.id);
    expect(done.capabilities).toEqual({ card_issuing: 'active', card_payments: 'active', transfers: 'active' });
    expect(done).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true });
    expect(done.requirements?.currently_due).toEqual([]);
    expect((await stripe.accounts.retrieveCapability(account.id, 'card_payments')).requirements?.currently_due).toEqual(
      [],
    );
    expect(schemaErrors('account', json(done))).toEqual([]);
  });

  it('lists, requests and removes capabilities as objects with their own requirements', async () => {
    const account = await newAccount();
    const listed = await stripe.accounts.listCapabilities(account.id);
    expect(listed.data.map((c) => c.id).sort()).toEqual(['card_issuing', 'transfers']);
    const requested = await stripe.accounts.updateCapability(account.id, 'card_payments', { requested: true });
    expect(requested).toMatchObject({ id: 'card_payments', requested: true, status: 'inactive' });
    expect(requested.requirements?.currently_due).toEqual(
      expect.arrayContaining(['external_account', 'business_type']),
    );
    expect(requested.requirements?.currently_due).not.toContain('settings.card_issuing.tos_acceptance.date');
    expect((await stripe.accounts.retrieve(account.id)).capabilities?.card_payments).toBe('inactive');
    const removed = await stripe.accounts.updateCapability(account.id, 'card_payments', { requested: false });
    expect(removed).toMatchObject({ requested: false, requested_at: null, status: 'unrequested' });
    expect((await stripe.accounts.retrieve(account.id)).capabilities).toEqual({
      card_issuing: 'inactive',
      transfers: 'inactive',
    });
    const unknown = await stripeError(() => stripe.accounts.retrieveCapability(account.id, 'klarna_payments'));
    expect(unknown.statusCode).toBe(404);
    const self = await stripeError(() =>
      stripe.accounts.updateCapability(account.id, 'card_payments', { requested: true }, { stripeAccount: account.id }),
    );
    expect(self.statusCode).toBe(403);
  });
});

describe('requirements per country', () => {
  // stripe-samples/issuing-treasury `_base/src/pages/api/onboard.ts`, demo mode, country GB: no
  // id_number, no state, London address, Stripe's verifying DOB and address line.
  const gbDemo = {
    business_type: 'individual' as const,
    business_profile: {
      name: 'Demo Ltd',
      mcc: '5734',
      product_description: 'Some demo product',
      url: 'https://some-company.com',
    },
    individual: {
      address: { line1: 'address_full_match', city: 'London', postal_code: 'WC32 4AP', country: 'GB' },
      dob: { day: 1, month: 1, year: 1901 },
      email: 'demo@example.com',
      first_name: 'John',
      last_name: 'Smith',
      phone: '2015550123',
    },
    tos_acceptance: { date: 1_691_518_261, ip: '127.0.0.1' },
    settings: { card_issuing: { tos_acceptance: { date: 1_691_518_261, ip: '127.0.0.1' } } },
  };

  it('activates a GB individual onboarded with issuing-treasury’s demo values, without an id number or state', async () => {
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'GB',
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
      ...gbDemo,
    });
    expect(account.requirements?.currently_due).toEqual([]);
    expect(account.capabilities).toEqual({ card_issuing: 'active', transfers: 'active' });
    expect(account.individual?.verification?.status).toBe('verified');
    const holder = await stripe.issuing.cardholders.create(
      {
        name: 'John Smith',
        phone_number: '+447700900123',
        billing: { address: { line1: '1 Strand', city: 'London', postal_code: 'WC2N 5DN', country: 'GB' } },
      },
      { stripeAccount: account.id },
    );
    const card = await stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'gbp', type: 'virtual' },
      { stripeAccount: account.id },
    );
    expect(card.currency).toBe('gbp');
  });

  it('still fails a GB individual whose date of birth is not a test value', async () => {
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'GB',
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
      ...gbDemo,
      individual: { ...gbDemo.individual, dob: { day: 5, month: 5, year: 1990 } },
    });
    expect(account.capabilities?.card_issuing).toBe('inactive');
    expect(account.requirements?.currently_due).toEqual(['individual.verification.document']);
  });

  it('keeps asking a US individual for an id number and a state', async () => {
    const { id_number: _id, address, ...individual } = onboarding.individual;
    const { state: _state, ...noState } = address;
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
      ...onboarding,
      individual: { ...individual, address: noState },
    });
    expect(account.requirements?.currently_due).toEqual(['individual.address.state', 'individual.id_number']);
  });
});

describe('activation time', () => {
  it('keeps card_issuing pending for the configured time once nothing is due, refusing cards until then', async () => {
    const slow = await startEmulator({ seed: false, capabilityActivationMs: 1500 });
    try {
      const sdk = slow.stripe();
      const created = await sdk.accounts.create({
        type: 'custom',
        country: 'US',
        capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
        ...onboarding,
      });
      expect(created.capabilities).toEqual({ card_issuing: 'pending', transfers: 'pending' });
      expect(created.requirements?.currently_due).toEqual([]);
      const early = await stripeError(() =>
        sdk.issuing.cardholders.create({ name: 'Too Early', billing }, { stripeAccount: created.id }),
      );
      expect(early.message).toMatch(/capability of acct_\w+ is pending/);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect((await sdk.accounts.retrieve(created.id)).capabilities?.card_issuing).toBe('active');
      await sdk.issuing.cardholders.create({ name: 'On Time', billing }, { stripeAccount: created.id });
    } finally {
      await slow.close();
    }
  });

  it('is set from EMULATOR_CAPABILITY_ACTIVATION_MS; a bad value names the variable', () => {
    expect(emulatorOptionsFromEnv({ EMULATOR_CAPABILITY_ACTIVATION_MS: '120000' }).capabilityActivationMs).toBe(
      120_000,
    );
    expect(() => emulatorOptionsFromEnv({ EMULATOR_CAPABILITY_ACTIVATION_MS: 'soon' })).toThrow(
      /EMULATOR_CAPABILITY_ACTIVATION_MS/,
    );
  });
});

describe('the seed', () => {
  it('provides what Stripe requires, so its accounts have nothing due', async () => {
    const seeded = (await seededAccounts(stripe)).slice(0, 3); // oldest first: the three seeded accounts
    expect(seeded.map((a) => a.business_profile?.name)).toEqual(['Acme Logistics', 'Bolt Couriers', 'Cobalt Studio']);
    for (const account of seeded) {
      expect(account.capabilities).toEqual({ card_issuing: 'active', card_payments: 'active', transfers: 'active' });
      expect(account).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true });
      expect(account.external_accounts?.data).toEqual([
        expect.objectContaining({ object: 'bank_account', country: 'US', currency: 'usd', last4: '6789' }),
      ]);
      expect(account.requirements?.currently_due).toEqual([]);
      expect(account.settings?.card_issuing?.tos_acceptance?.date).toEqual(expect.any(Number));
      expect(account.individual?.verification?.status).toBe('verified');
    }
  });
});
