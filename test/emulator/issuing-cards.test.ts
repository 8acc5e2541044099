// Issuing cards and cardholders: creation defaults, status rules, spending-control validation,
// replacements, list filters, and conformance of the objects to Stripe's schemas.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseErrors, schemaErrors } from './openapi.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let opts: { stripeAccount: string };
let cardholder: Stripe.Issuing.Cardholder;

const billing = { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } };

function newCard(params: Partial<Stripe.Issuing.CardCreateParams> = {}): Promise<Stripe.Issuing.Card> {
  return stripe.issuing.cards.create({ cardholder: cardholder.id, currency: 'usd', type: 'virtual', ...params }, opts);
}

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  const [acme] = await seededAccounts(stripe);
  opts = { stripeAccount: acme!.id };
  cardholder = await stripe.issuing.cardholders.create(
    { name: 'Casey Card', email: 'casey@example.com', phone_number: '+15125550100', billing, type: 'individual' },
    opts,
  );
});
afterAll(() => emu.close());

describe('cardholders', () => {
  it('creates, retrieves, updates and filters cardholders', async () => {
    expect(cardholder).toMatchObject({
      object: 'issuing.cardholder',
      status: 'active',
      type: 'individual',
      livemode: false,
    });
    expect(cardholder.id).toMatch(/^ich_/);
    expect(schemaErrors('issuing.cardholder', JSON.parse(JSON.stringify(cardholder)))).toEqual([]);

    const updated = await stripe.issuing.cardholders.update(
      cardholder.id,
      { metadata: { team: 'ops' }, email: 'casey2@example.com' },
      opts,
    );
    expect(updated.metadata).toEqual({ team: 'ops' });
    const cleared = await stripe.issuing.cardholders.update(
      cardholder.id,
      { metadata: { team: '' }, email: 'casey@example.com' },
      opts,
    );
    expect(cleared.metadata).toEqual({});

    const byEmail = await stripe.issuing.cardholders.list({ email: 'casey@example.com' }, opts);
    expect(byEmail.data.map((c) => c.id)).toEqual([cardholder.id]);
    const inactive = await stripe.issuing.cardholders.list({ status: 'inactive' }, opts);
    expect(inactive.data.every((c) => c.status === 'inactive')).toBe(true);
    expect(responseErrors('get', '/v1/issuing/cardholders', 200, JSON.parse(JSON.stringify(byEmail)))).toEqual([]);
  });

  it('requires a name and a billing address', async () => {
    const err = await stripeError(() =>
      stripe.issuing.cardholders.create({ name: 'X' } as Stripe.Issuing.CardholderCreateParams, opts),
    );
    expect(err).toMatchObject({ code: 'parameter_missing', param: 'billing' });
    const nested = await stripeError(() =>
      stripe.issuing.cardholders.create(
        { name: 'X', billing: { address: { line1: 'a', city: 'b', country: 'US' } } } as never,
        opts,
      ),
    );
    expect(nested.param).toBe('billing[address][postal_code]');
  });
});

describe('card creation', () => {
  it('creates an inactive virtual card with Stripe’s default daily limit', async () => {
    const card = await newCard();
    expect(card).toMatchObject({
      object: 'issuing.card',
      brand: 'Visa',
      status: 'inactive',
      type: 'virtual',
      currency: 'usd',
      cancellation_reason: null,
      replacement_for: null,
      livemode: false,
    });
    expect(card.id).toMatch(/^ic_/);
    expect(card.last4).toMatch(/^\d{4}$/);
    expect(card.cardholder.id).toBe(cardholder.id);
    expect(card.spending_controls.spending_limits).toEqual([{ amount: 50000, categories: null, interval: 'daily' }]);
    expect(card.spending_controls.spending_limits_currency).toBe('usd');
    expect(card.number).toBeUndefined();
    expect(schemaErrors('issuing.card', JSON.parse(JSON.stringify(card)))).toEqual([]);
  });

  it('needs shipping for a physical card', async () => {
    const err = await stripeError(() => newCard({ type: 'physical' }));
    expect(err).toMatchObject({ code: 'parameter_missing', param: 'shipping' });
    const card = await newCard({
      type: 'physical',
      shipping: { name: 'Casey Card', address: billing.address },
    });
    expect(card.shipping).toMatchObject({ name: 'Casey Card', status: 'pending', service: 'standard' });
  });

  it('refuses an unknown cardholder and an unsupported currency', async () => {
    const err = await stripeError(() => newCard({ cardholder: 'ich_1Missing' }));
    expect(err).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'cardholder' });
    const currency = await stripeError(() => newCard({ currency: 'jpy' }));
    expect(currency.param).toBe('currency');
  });
});

describe('card status', () => {
  it('activates, freezes and cancels; canceled is final', async () => {
    const card = await newCard();
    expect((await stripe.issuing.cards.update(card.id, { status: 'active' }, opts)).status).toBe('active');
    expect((await stripe.issuing.cards.update(card.id, { status: 'inactive' }, opts)).status).toBe('inactive');
    const canceled = await stripe.issuing.cards.update(
      card.id,
      { status: 'canceled', cancellation_reason: 'stolen' },
      opts,
    );
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'stolen' });

    const err = await stripeError(() => stripe.issuing.cards.update(card.id, { status: 'active' }, opts));
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('status');
    expect((await stripe.issuing.cards.retrieve(card.id, {}, opts)).status).toBe('canceled');
    // Metadata may still change.
    expect((await stripe.issuing.cards.update(card.id, { metadata: { note: 'kept' } }, opts)).metadata).toEqual({
      note: 'kept',
    });
  });

  it('takes a cancellation_reason only with status=canceled', async () => {
    const card = await newCard({ status: 'active' });
    const err = await stripeError(() => stripe.issuing.cards.update(card.id, { cancellation_reason: 'lost' }, opts));
    expect(err.param).toBe('cancellation_reason');
  });
});

describe('spending controls', () => {
  it('replaces the sub-fields sent and keeps the others', async () => {
    const card = await newCard({
      spending_controls: {
        blocked_categories: ['betting_casino_gambling'],
        spending_limits: [{ amount: 1000, interval: 'per_authorization' }],
      },
    });
    expect(card.spending_controls.spending_limits).toEqual([
      { amount: 1000, categories: null, interval: 'per_authorization' },
    ]);
    const updated = await stripe.issuing.cards.update(
      card.id,
      { spending_controls: { spending_limits: [{ amount: 2500, interval: 'weekly', categories: ['bakeries'] }] } },
      opts,
    );
    expect(updated.spending_controls.blocked_categories).toEqual(['betting_casino_gambling']);
    expect(updated.spending_controls.spending_limits).toEqual([
      { amount: 2500, categories: ['bakeries'], interval: 'weekly' },
    ]);

    const cleared = await stripe.issuing.cards.update(
      card.id,
      { spending_controls: { blocked_categories: '' as never } },
      opts,
    );
    expect(cleared.spending_controls.blocked_categories).toBeNull();
    const allowed = await stripe.issuing.cards.update(
      card.id,
      { spending_controls: { allowed_categories: ['bakeries'] } },
      opts,
    );
    expect(allowed.spending_controls.allowed_categories).toEqual(['bakeries']);
  });

  it.each([
    [
      'both allowed and blocked categories',
      { allowed_categories: ['bakeries'], blocked_categories: ['florists'] },
      'spending_controls[blocked_categories]',
    ],
    [
      'an unknown interval',
      { spending_limits: [{ amount: 100, interval: 'hourly' }] },
      'spending_controls[spending_limits][0][interval]',
    ],
    [
      'a zero amount',
      { spending_limits: [{ amount: 0, interval: 'daily' }] },
      'spending_controls[spending_limits][0][amount]',
    ],
    [
      'a fractional amount',
      { spending_limits: [{ amount: 10.5, interval: 'daily' }] },
      'spending_controls[spending_limits][0][amount]',
    ],
    ['a missing interval', { spending_limits: [{ amount: 100 }] }, 'spending_controls[spending_limits][0][interval]'],
    ['an unknown category', { blocked_categories: ['casinos'] }, 'spending_controls[blocked_categories][0]'],
    ['a bad country', { blocked_merchant_countries: ['usa'] }, 'spending_controls[blocked_merchant_countries][0]'],
  ])('refuses %s', async (_label, controls, param) => {
    const card = await newCard();
    const err = await stripeError(() =>
      stripe.issuing.cards.update(
        card.id,
        { spending_controls: controls as Stripe.Issuing.CardUpdateParams.SpendingControls },
        opts,
      ),
    );
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe(param);
    // Nothing changed.
    expect((await stripe.issuing.cards.retrieve(card.id, {}, opts)).spending_controls).toEqual(card.spending_controls);
  });
});

describe('replacements', () => {
  it('keeps the number for an expired card and cancels the original when the replacement is activated', async () => {
    const original = await newCard({ status: 'active' });
    const replacement = await newCard({ replacement_for: original.id, replacement_reason: 'expired' });
    expect(replacement.last4).toBe(original.last4);
    expect((await stripe.issuing.cards.retrieve(original.id, {}, opts)).status).toBe('active');
    await stripe.issuing.cards.update(replacement.id, { status: 'active' }, opts);
    const after = await stripe.issuing.cards.retrieve(original.id, {}, opts);
    expect(after.status).toBe('canceled');
    expect(after.replaced_by).toBe(replacement.id);
  });

  it('needs a lost card canceled before replacing it, then issues a new number', async () => {
    const original = await newCard({ status: 'active' });
    const err = await stripeError(() => newCard({ replacement_for: original.id, replacement_reason: 'lost' }));
    expect(err.param).toBe('replacement_for');
    await stripe.issuing.cards.update(original.id, { status: 'canceled', cancellation_reason: 'lost' }, opts);
    const replacement = await newCard({ replacement_for: original.id, replacement_reason: 'lost' });
    expect(replacement.replacement_reason).toBe('lost');
    const missingReason = await stripeError(() => newCard({ replacement_for: original.id }));
    expect(missingReason.code).toBe('parameter_missing');
  });
});

describe('card lists', () => {
  it('filters by cardholder, status, type, last4 and created', async () => {
    const listed = await stripe.issuing.cards.list({ cardholder: cardholder.id, limit: 100 }, opts);
    expect(listed.data.length).toBeGreaterThan(3);
    expect(listed.data.every((c) => c.cardholder.id === cardholder.id)).toBe(true);

    for (const status of ['active', 'inactive', 'canceled'] as const) {
      const list = await stripe.issuing.cards.list({ status, limit: 100 }, opts);
      expect(list.data.length).toBeGreaterThan(0);
      expect(list.data.every((c) => c.status === status)).toBe(true);
    }
    const physical = await stripe.issuing.cards.list({ type: 'physical', limit: 100 }, opts);
    expect(physical.data.every((c) => c.type === 'physical')).toBe(true);

    const one = listed.data[0]!;
    const byLast4 = await stripe.issuing.cards.list({ last4: one.last4, limit: 100 }, opts);
    expect(byLast4.data.map((c) => c.id)).toContain(one.id);
    expect(byLast4.data.every((c) => c.last4 === one.last4)).toBe(true);

    const recent = await stripe.issuing.cards.list({ created: { gte: one.created }, limit: 100 }, opts);
    expect(recent.data.every((c) => c.created >= one.created)).toBe(true);
    const old = await stripe.issuing.cards.list({ created: { lt: 1_700_000_000 }, limit: 100 }, opts);
    expect(old.data).toEqual([]);

    const byExpiry = await stripe.issuing.cards.list(
      { exp_month: one.exp_month, exp_year: one.exp_year, limit: 100 },
      opts,
    );
    expect(byExpiry.data.map((c) => c.id)).toContain(one.id);
  });
});
