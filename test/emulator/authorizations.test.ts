// Issuing authorizations decided as Stripe decides them: card and cardholder status, spending
// controls of card and cardholder (categories, limits per interval with Stripe's windows, earlier
// approvals counted across the replacement chain and the cardholder's cards, most restrictive
// wins, the default 500/day and the 10,000 cap), the platform's real-time webhook, and the test
// helper lifecycle (capture, reverse, expire, increment, finalize_amount).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../emulator/api/store.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { responseErrors, schemaErrors } from './openapi.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

// Wednesday 11 March 2026, 12:00 UTC.
const START = Date.UTC(2026, 2, 11, 12);
const clock = manualClock(START);
let emu: TestEmulator;
let stripe: Stripe;
let account: string;
let opts: { stripeAccount: string };

const billing = { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } };
type Limit = Stripe.Issuing.CardCreateParams.SpendingControls.SpendingLimit;

function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

async function newCardholder(
  controls?: Stripe.Issuing.CardholderCreateParams.SpendingControls,
): Promise<Stripe.Issuing.Cardholder> {
  return stripe.issuing.cardholders.create(
    { name: 'Dana Decider', billing, type: 'individual', spending_controls: controls },
    opts,
  );
}

async function newCard(
  controls?: Stripe.Issuing.CardCreateParams.SpendingControls,
  extra: Partial<Stripe.Issuing.CardCreateParams> = {},
): Promise<Stripe.Issuing.Card> {
  const cardholder = extra.cardholder ?? (await newCardholder()).id;
  return stripe.issuing.cards.create(
    { cardholder, currency: 'usd', type: 'virtual', status: 'active', spending_controls: controls, ...extra },
    opts,
  );
}

function authorize(
  card: string,
  amount: number,
  extra: Partial<Parameters<Stripe['testHelpers']['issuing']['authorizations']['create']>[0]> = {},
): Promise<Stripe.Issuing.Authorization> {
  return stripe.testHelpers.issuing.authorizations.create({ card, amount, ...extra }, opts);
}

function expectDeclined(auth: Stripe.Issuing.Authorization, reason: string, message?: RegExp | string): void {
  expect(auth.approved).toBe(false);
  expect(auth.status).toBe('closed');
  expect(auth.amount).toBe(0);
  const last = auth.request_history[auth.request_history.length - 1]!;
  expect(last.approved).toBe(false);
  expect(last.reason).toBe(reason);
  if (message instanceof RegExp) expect(last.reason_message).toMatch(message);
  else if (message !== undefined) expect(last.reason_message).toBe(message);
}

function expectApproved(auth: Stripe.Issuing.Authorization, amount?: number): void {
  const last = auth.request_history[auth.request_history.length - 1];
  expect({ approved: auth.approved, reason: last?.reason, message: last?.reason_message }).toMatchObject({
    approved: true,
  });
  expect(auth.status).toBe('pending');
  if (amount !== undefined) expect(auth.amount).toBe(amount);
}

beforeAll(async () => {
  emu = await startEmulator({ clock });
  stripe = emu.stripe();
  account = (await seededAccounts(stripe))[0]!.id;
  opts = { stripeAccount: account };
});
afterAll(() => emu.close());

describe('the authorization object', () => {
  it('has Stripe’s shape and every top-level field; list filters, retrieve and metadata update', async () => {
    clock.set(START);
    const card = await newCard();
    const auth = await authorize(card.id, 1234, {
      merchant_data: { category: 'taxicabs_limousines', name: 'Rocket Rides', city: 'San Francisco', country: 'US' },
      authorization_method: 'keyed_in',
    });
    expect(auth.id).toMatch(/^iauth_/);
    expect(auth).toMatchObject({
      object: 'issuing.authorization',
      amount: 1234,
      merchant_amount: 1234,
      currency: 'usd',
      merchant_currency: 'usd',
      approved: true,
      status: 'pending',
      authorization_method: 'keyed_in',
      card_presence: 'not_present',
      cardholder: card.cardholder.id,
      livemode: false,
      pending_request: null,
      transactions: [],
      balance_transactions: [],
      metadata: {},
      created: START / 1000,
    });
    expect(auth.merchant_data).toMatchObject({
      category: 'taxicabs_limousines',
      category_code: '4121',
      name: 'Rocket Rides',
      country: 'US',
    });
    expect(auth.card.id).toBe(card.id);
    expect(auth.request_history).toEqual([
      expect.objectContaining({
        amount: 1234,
        currency: 'usd',
        approved: true,
        reason: 'card_active',
        reason_message: null,
        created: START / 1000,
      }),
    ]);
    const fixtureKeys = [
      'amount',
      'amount_details',
      'approved',
      'authorization_method',
      'balance_transactions',
      'card',
      'card_presence',
      'cardholder',
      'created',
      'currency',
      'fleet',
      'fuel',
      'id',
      'livemode',
      'merchant_amount',
      'merchant_currency',
      'merchant_data',
      'metadata',
      'network_data',
      'object',
      'pending_request',
      'request_history',
      'status',
      'token',
      'transactions',
      'verification_data',
      'verified_by_fraud_challenge',
      'wallet',
    ];
    expect(Object.keys(auth).sort()).toEqual(fixtureKeys.sort());
    expect(schemaErrors('issuing.authorization', json(auth))).toEqual([]);
    expect(responseErrors('post', '/v1/test_helpers/issuing/authorizations', 200, json(auth))).toEqual([]);

    const retrieved = await stripe.issuing.authorizations.retrieve(auth.id, { expand: ['cardholder'] }, opts);
    expect((retrieved.cardholder as Stripe.Issuing.Cardholder).object).toBe('issuing.cardholder');
    expect(responseErrors('get', '/v1/issuing/authorizations/{authorization}', 200, json(retrieved))).toEqual([]);

    const updated = await stripe.issuing.authorizations.update(auth.id, { metadata: { order: '42' } }, opts);
    expect(updated.metadata).toEqual({ order: '42' });
    expect((await stripe.issuing.authorizations.update(auth.id, { metadata: '' as never }, opts)).metadata).toEqual({});

    const byCard = await stripe.issuing.authorizations.list({ card: card.id }, opts);
    expect(byCard.data.map((a) => a.id)).toEqual([auth.id]);
    expect(responseErrors('get', '/v1/issuing/authorizations', 200, json(byCard))).toEqual([]);
    const byHolder = await stripe.issuing.authorizations.list(
      { cardholder: card.cardholder.id, status: 'pending' },
      opts,
    );
    expect(byHolder.data.map((a) => a.id)).toEqual([auth.id]);
    expect((await stripe.issuing.authorizations.list({ card: card.id, status: 'closed' }, opts)).data).toEqual([]);
    expect(
      (await stripe.issuing.authorizations.list({ card: card.id, created: { gt: START / 1000 } }, opts)).data,
    ).toEqual([]);

    const missing = await stripeError(() => stripe.issuing.authorizations.retrieve('iauth_1Missing', {}, opts));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const noCard = await stripeError(() => authorize('ic_1Missing', 100));
    expect(noCard).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'card' });
    const noAmount = await stripeError(() => stripe.testHelpers.issuing.authorizations.create({ card: card.id }, opts));
    expect(noAmount).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'amount' });
  });
});

describe('the seed', () => {
  it('gives every account approved, captured and declined authorizations, decided by the engine', async () => {
    for (const acct of await seededAccounts(stripe)) {
      const list = await stripe.issuing.authorizations.list(
        // The seed dates its purchases in the two weeks before the emulator's today (START); the
        // tests' own authorizations come at START or later.
        { created: { gte: START / 1000 - 15 * 86_400, lt: START / 1000 - 86_400 }, limit: 100 },
        { stripeAccount: acct.id },
      );
      const summary = list.data.map((a) => [a.status, a.approved, a.request_history[0]!.reason]);
      expect(summary).toEqual(
        expect.arrayContaining([
          ['closed', true, 'card_active'],
          ['pending', true, 'card_active'],
          ['closed', false, 'spending_controls'],
          ['closed', false, 'card_canceled'],
        ]),
      );
      expect(list.data.some((a) => a.transactions.length === 1 && a.transactions[0]!.type === 'capture')).toBe(true);
    }
  });
});

describe('test helper lifecycle', () => {
  it('capture closes the authorization and creates a capture transaction', async () => {
    clock.set(START);
    const card = await newCard();
    const auth = await authorize(card.id, 2500);
    const captured = await stripe.testHelpers.issuing.authorizations.capture(auth.id, {}, opts);
    expect(captured.status).toBe('closed');
    expect(captured.amount).toBe(2500);
    expect(captured.transactions).toHaveLength(1);
    const transaction = captured.transactions[0]!;
    expect(transaction).toMatchObject({
      object: 'issuing.transaction',
      type: 'capture',
      amount: -2500,
      authorization: auth.id,
      card: card.id,
      currency: 'usd',
    });
    expect(transaction.id).toMatch(/^ipi_/);
    expect(schemaErrors('issuing.transaction', json(transaction))).toEqual([]);
    expect(schemaErrors('issuing.authorization', json(captured))).toEqual([]);
    expect((await stripe.issuing.transactions.retrieve(transaction.id, {}, opts)).amount).toBe(-2500);
    expect((await stripe.issuing.transactions.list({ card: card.id }, opts)).data.map((t) => t.id)).toEqual([
      transaction.id,
    ]);

    const again = await stripeError(() => stripe.testHelpers.issuing.authorizations.capture(auth.id, {}, opts));
    expect(again.statusCode).toBe(400);
    expect(again.message).toMatch(/pending/);
  });

  it('a partial capture without closing leaves it pending; reverse to zero makes it reversed', async () => {
    clock.set(START);
    const card = await newCard();
    const auth = await authorize(card.id, 3000);
    const partial = await stripe.testHelpers.issuing.authorizations.capture(
      auth.id,
      { capture_amount: 1000, close_authorization: false },
      opts,
    );
    expect(partial.status).toBe('pending');
    const other = await authorize(card.id, 4000);
    const reversedPart = await stripe.testHelpers.issuing.authorizations.reverse(
      other.id,
      { reverse_amount: 1500 },
      opts,
    );
    expect(reversedPart).toMatchObject({ status: 'pending', amount: 2500 });
    const tooMuch = await stripeError(() =>
      stripe.testHelpers.issuing.authorizations.reverse(other.id, { reverse_amount: 9999 }, opts),
    );
    expect(tooMuch).toMatchObject({ statusCode: 400, param: 'reverse_amount' });
    const reversed = await stripe.testHelpers.issuing.authorizations.reverse(other.id, {}, opts);
    expect(reversed).toMatchObject({ status: 'reversed', amount: 0 });
  });

  it('expire, increment and finalize_amount', async () => {
    clock.set(START);
    const card = await newCard({ spending_limits: [{ amount: 5000, interval: 'per_authorization' }] });
    const expired = await stripe.testHelpers.issuing.authorizations.expire(
      (await authorize(card.id, 100)).id,
      {},
      opts,
    );
    expect(expired.status).toBe('expired');

    const auth = await authorize(card.id, 3000, { is_amount_controllable: true });
    const incremented = await stripe.testHelpers.issuing.authorizations.increment(
      auth.id,
      { increment_amount: 1000 },
      opts,
    );
    expect(incremented.amount).toBe(4000);
    expect(incremented.request_history).toHaveLength(2);
    expect(incremented.request_history[1]).toMatchObject({ amount: 4000, approved: true });
    // Beyond the per-authorization limit the increment is declined and the hold stays.
    const declined = await stripe.testHelpers.issuing.authorizations.increment(
      auth.id,
      { increment_amount: 2000 },
      opts,
    );
    expect(declined).toMatchObject({ amount: 4000, status: 'pending', approved: true });
    expect(declined.request_history[2]).toMatchObject({ approved: false, reason: 'spending_controls' });

    const finalized = await stripe.testHelpers.issuing.authorizations.finalizeAmount(
      auth.id,
      { final_amount: 3500 },
      opts,
    );
    expect(finalized.amount).toBe(3500);
  });

  it('emits issuing_authorization.created / updated and issuing_transaction.created events', async () => {
    clock.set(START);
    const card = await newCard();
    const auth = await authorize(card.id, 700);
    await stripe.testHelpers.issuing.authorizations.capture(auth.id, {}, opts);
    const events = await stripe.events.list({ limit: 20 }, opts);
    const mine = events.data.filter(
      (e) =>
        (e.data.object as { id?: string; authorization?: string }).id === auth.id ||
        (e.data.object as { authorization?: string }).authorization === auth.id,
    );
    expect(mine.map((e) => e.type).sort()).toEqual([
      'issuing_authorization.created',
      'issuing_authorization.updated',
      'issuing_transaction.created',
    ]);
    const updated = mine.find((e) => e.type === 'issuing_authorization.updated')!;
    expect(updated.data.previous_attributes).toMatchObject({ status: 'pending' });
  });
});

describe('decisions: card and cardholder status', () => {
  it('inactive and canceled cards decline', async () => {
    clock.set(START);
    const inactive = await newCard(undefined, { status: 'inactive' });
    expectDeclined(await authorize(inactive.id, 100), 'card_inactive');
    const canceled = await newCard();
    await stripe.issuing.cards.update(canceled.id, { status: 'canceled' }, opts);
    expectDeclined(await authorize(canceled.id, 100), 'card_canceled');
  });

  it('inactive, blocked and unverified cardholders decline', async () => {
    clock.set(START);
    const inactiveHolder = await newCardholder();
    const card = await newCard(undefined, { cardholder: inactiveHolder.id });
    await stripe.issuing.cardholders.update(inactiveHolder.id, { status: 'inactive' }, opts);
    expectDeclined(await authorize(card.id, 100), 'cardholder_inactive');

    // `blocked` and requirements are Stripe's to set; the test sets them in the store.
    const data = emu.app.store.accountData(account);
    const blockedHolder = await newCardholder();
    const blockedCard = await newCard(undefined, { cardholder: blockedHolder.id });
    data.cardholders.replace({ ...data.cardholders.get(blockedHolder.id)!, status: 'blocked' });
    expectDeclined(await authorize(blockedCard.id, 100), 'cardholder_blocked');

    const unverified = await newCardholder();
    const unverifiedCard = await newCard(undefined, { cardholder: unverified.id });
    const stored = data.cardholders.get(unverified.id)!;
    data.cardholders.replace({
      ...stored,
      requirements: { disabled_reason: 'requirements.past_due', past_due: ['individual.dob.day'] },
    });
    expectDeclined(await authorize(unverifiedCard.id, 100), 'cardholder_verification_required');
  });

  it('the highest fraud risk declines as suspected_fraud', async () => {
    clock.set(START);
    const card = await newCard();
    expectDeclined(
      await authorize(card.id, 100, { risk_assessment: { fraud_risk: { level: 'highest' } } }),
      'suspected_fraud',
    );
  });
});

describe('decisions: spending controls', () => {
  it('blocked and allowed categories of the card and of the cardholder', async () => {
    clock.set(START);
    const card = await newCard({ blocked_categories: ['betting_casino_gambling'] });
    expectDeclined(
      await authorize(card.id, 100, { merchant_data: { category: 'betting_casino_gambling' } }),
      'spending_controls',
      "Merchant category betting_casino_gambling is in the card's blocked_categories.",
    );
    expectApproved(await authorize(card.id, 100, { merchant_data: { category: 'bakeries' } }));

    const holder = await newCardholder({ allowed_categories: ['bakeries'] });
    const holderCard = await newCard(undefined, { cardholder: holder.id });
    expectDeclined(
      await authorize(holderCard.id, 100, { merchant_data: { category: 'book_stores' } }),
      'spending_controls',
      "Merchant category book_stores is not in the cardholder's allowed_categories.",
    );
    expectApproved(await authorize(holderCard.id, 100, { merchant_data: { category: 'bakeries' } }));
  });

  it('merchant countries and card presence', async () => {
    clock.set(START);
    const card = await newCard({ blocked_merchant_countries: ['FR'], blocked_card_presences: ['present'] });
    expectDeclined(
      await authorize(card.id, 100, { merchant_data: { country: 'FR' } }),
      'spending_controls',
      /country FR/,
    );
    expectDeclined(
      await authorize(card.id, 100, { authorization_method: 'chip' }),
      'spending_controls',
      /presence present/,
    );
    expectApproved(await authorize(card.id, 100, { authorization_method: 'online', merchant_data: { country: 'DE' } }));
  });

  it('per_authorization limit: the reason message names the control', async () => {
    clock.set(START);
    const card = await newCard({ spending_limits: [{ amount: 5000, interval: 'per_authorization' }] });
    expectApproved(await authorize(card.id, 5000));
    const declined = await authorize(card.id, 5001);
    expectDeclined(declined, 'spending_controls', 'Spending limit of 50.00 USD per_authorization exceeded.');
    expect(declined.request_history[0]).toMatchObject({
      amount: 5001,
      currency: 'usd',
      merchant_amount: 5001,
      created: START / 1000,
    });
    expect(schemaErrors('issuing.authorization', json(declined))).toEqual([]);
  });

  // Each window: spend 6000 of a 10000 limit, then 5000 more just inside the window is declined and
  // 5000 just after the window starts again is approved.
  const windows: Array<{ interval: Limit['interval']; first: number; inside: number; next: number }> = [
    // Wed 11 Mar 12:00 -> Wed 23:59:59 (same day) -> Thu 00:00.
    {
      interval: 'daily',
      first: Date.UTC(2026, 2, 11, 12),
      inside: Date.UTC(2026, 2, 11, 23, 59, 59),
      next: Date.UTC(2026, 2, 12),
    },
    // Weeks start on Sunday at midnight UTC: Sat 14 Mar 23:59 is in the week of Wed 11, Sun 15 starts the next.
    {
      interval: 'weekly',
      first: Date.UTC(2026, 2, 8, 0, 0, 1),
      inside: Date.UTC(2026, 2, 14, 23, 59),
      next: Date.UTC(2026, 2, 15),
    },
    {
      interval: 'monthly',
      first: Date.UTC(2026, 2, 1, 0, 0, 1),
      inside: Date.UTC(2026, 2, 31, 23, 59),
      next: Date.UTC(2026, 3, 1),
    },
    {
      interval: 'yearly',
      first: Date.UTC(2026, 0, 1, 0, 0, 1),
      inside: Date.UTC(2026, 11, 31, 23, 59),
      next: Date.UTC(2027, 0, 1),
    },
  ];
  for (const w of windows) {
    it(`${w.interval} limit: earlier approvals in the window count, the next window starts afresh`, async () => {
      clock.set(Date.UTC(2025, 11, 1));
      const card = await newCard({ spending_limits: [{ amount: 10000, interval: w.interval }] });
      clock.set(w.first);
      expectApproved(await authorize(card.id, 6000));
      clock.set(w.inside);
      expectDeclined(
        await authorize(card.id, 5000),
        'spending_controls',
        `Spending limit of 100.00 USD ${w.interval} exceeded (60.00 USD already spent).`,
      );
      expectApproved(await authorize(card.id, 4000));
      clock.set(w.next);
      expectApproved(await authorize(card.id, 5000));
      clock.set(START);
    });
  }

  it('all_time limit never resets', async () => {
    clock.set(Date.UTC(2025, 11, 1));
    const card = await newCard({ spending_limits: [{ amount: 10000, interval: 'all_time' }] });
    expectApproved(await authorize(card.id, 6000));
    clock.set(Date.UTC(2027, 5, 1));
    expectDeclined(
      await authorize(card.id, 5000),
      'spending_controls',
      'Spending limit of 100.00 USD all_time exceeded (60.00 USD already spent).',
    );
    clock.set(START);
  });

  it('declined, reversed and expired authorizations do not count; captures do', async () => {
    clock.set(START);
    const card = await newCard({ spending_limits: [{ amount: 10000, interval: 'daily' }] });
    expectDeclined(await authorize(card.id, 20000), 'spending_controls');
    const reversed = await authorize(card.id, 6000);
    await stripe.testHelpers.issuing.authorizations.reverse(reversed.id, {}, opts);
    const expired = await authorize(card.id, 6000);
    await stripe.testHelpers.issuing.authorizations.expire(expired.id, {}, opts);
    const captured = await authorize(card.id, 6000);
    await stripe.testHelpers.issuing.authorizations.capture(captured.id, { capture_amount: 7000 }, opts);
    // 7000 captured (over-capture counts) + 3001 > 10000.
    expectDeclined(await authorize(card.id, 3001), 'spending_controls', /70\.00 USD already spent/);
    expectApproved(await authorize(card.id, 3000));
  });

  it('a limit with categories applies to and counts only those categories', async () => {
    clock.set(START);
    const card = await newCard({
      spending_limits: [{ amount: 1000, interval: 'daily', categories: ['eating_places_restaurants'] }],
    });
    expectDeclined(
      await authorize(card.id, 1500, { merchant_data: { category: 'eating_places_restaurants' } }),
      'spending_controls',
      'Spending limit of 10.00 USD daily for eating_places_restaurants exceeded.',
    );
    expectApproved(await authorize(card.id, 1500, { merchant_data: { category: 'grocery_stores_supermarkets' } }));
    expectApproved(await authorize(card.id, 900, { merchant_data: { category: 'eating_places_restaurants' } }));
  });

  it('the most restrictive of the card’s and the cardholder’s limits wins', async () => {
    clock.set(START);
    const holder = await newCardholder({ spending_limits: [{ amount: 5000, interval: 'per_authorization' }] });
    const card = await newCard(
      {
        spending_limits: [
          { amount: 10000, interval: 'per_authorization' },
          { amount: 8000, interval: 'daily' },
        ],
      },
      { cardholder: holder.id },
    );
    expectDeclined(
      await authorize(card.id, 6000),
      'spending_controls',
      'Cardholder spending limit of 50.00 USD per_authorization exceeded.',
    );
    expectApproved(await authorize(card.id, 5000));
    // Now the card's daily limit has 3000 left, less than the cardholder's 5000 per authorization.
    expectDeclined(
      await authorize(card.id, 4000),
      'spending_controls',
      'Spending limit of 80.00 USD daily exceeded (50.00 USD already spent).',
    );
  });

  it('cardholder limits span all their cards', async () => {
    clock.set(START);
    const holder = await newCardholder({ spending_limits: [{ amount: 10000, interval: 'daily' }] });
    const first = await newCard(undefined, { cardholder: holder.id });
    const second = await newCard(undefined, { cardholder: holder.id });
    expectApproved(await authorize(first.id, 6000));
    expectDeclined(
      await authorize(second.id, 5000),
      'spending_controls',
      'Cardholder spending limit of 100.00 USD daily exceeded (60.00 USD already spent).',
    );
  });

  it('card limits span the replacement_for chain', async () => {
    clock.set(START);
    const original = await newCard({ spending_limits: [{ amount: 10000, interval: 'daily' }] });
    expectApproved(await authorize(original.id, 6000));
    const replacement = await stripe.issuing.cards.create(
      {
        cardholder: original.cardholder.id,
        currency: 'usd',
        type: 'virtual',
        status: 'active',
        replacement_for: original.id,
        replacement_reason: 'damaged',
        spending_controls: { spending_limits: [{ amount: 10000, interval: 'daily' }] },
      },
      opts,
    );
    expectDeclined(await authorize(replacement.id, 5000), 'spending_controls', /60\.00 USD already spent/);
    expectApproved(await authorize(replacement.id, 4000));
  });

  it('a new card without limits gets 500 USD per day; every authorization is capped at 10,000 USD', async () => {
    clock.set(START);
    const card = await newCard();
    expect(card.spending_controls.spending_limits).toEqual([{ amount: 50000, categories: null, interval: 'daily' }]);
    expectDeclined(
      await authorize(card.id, 50001),
      'spending_controls',
      'Spending limit of 500.00 USD daily exceeded.',
    );
    expectApproved(await authorize(card.id, 50000));

    const big = await newCard({ spending_limits: [{ amount: 5_000_000, interval: 'daily' }] });
    expectDeclined(
      await authorize(big.id, 1_000_001),
      'spending_controls',
      'Amount exceeds the maximum of 10000.00 USD per authorization.',
    );
    expectApproved(await authorize(big.id, 1_000_000));
  });
});

describe('real-time authorization webhook (the endpoint of the Issuing settings)', () => {
  let server: Server;
  let url: string;
  const received: Array<{ body: string; signature: string }> = [];
  // Stripe requires Stripe-Version on the answer (docs.stripe.com/issuing/controls/real-time-authorizations).
  const STRIPE_VERSION = { 'stripe-version': STRIPE_API_VERSION };
  let answer: { status: number; body: string; delayMs?: number; headers?: Record<string, string> } = {
    status: 200,
    body: '{"approved":true}',
  };
  let secret: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const isRequest = (JSON.parse(body) as { type: string }).type === 'issuing_authorization.request';
        if (isRequest) received.push({ body, signature: String(request.headers['stripe-signature']) });
        const { status, body: reply, delayMs = 0 } = isRequest ? answer : { status: 200, body: '{}' };
        setTimeout(() => {
          const headers = isRequest
            ? (answer.headers ?? { 'content-type': 'application/json', ...STRIPE_VERSION })
            : { 'content-type': 'application/json' };
          if (!response.destroyed) response.writeHead(status, headers).end(reply);
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
    // Set where Stripe sets it: the platform's Issuing settings (emulator-only endpoint), not /v1/webhook_endpoints.
    const set = await fetch(`${emu.baseUrl}/_emulator/issuing/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorization_webhook: { url } }),
    });
    expect(set.status).toBe(200);
    secret = ((await set.json()) as { authorization_webhook: { secret: string } }).authorization_webhook.secret;
    expect(secret).toMatch(/^whsec_/);
  });
  afterAll(async () => {
    await fetch(`${emu.baseUrl}/_emulator/issuing/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorization_webhook: null }),
    });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks the platform, signed, with the pending request; {approved:true} approves (webhook_approved)', async () => {
    clock.set(START);
    received.length = 0;
    answer = { status: 200, body: JSON.stringify({ approved: true, metadata: { checked: 'yes' } }) };
    const card = await newCard();
    const auth = await authorize(card.id, 1200);
    expectApproved(auth, 1200);
    expect(auth.request_history[0]!.reason).toBe('webhook_approved');
    expect(auth.metadata).toEqual({ checked: 'yes' });
    expect(received).toHaveLength(1);
    const event = stripe.webhooks.constructEvent(received[0]!.body, received[0]!.signature, secret);
    expect(event.type).toBe('issuing_authorization.request');
    expect(event.account).toBe(account);
    const sent = event.data.object as Stripe.Issuing.Authorization;
    expect(sent).toMatchObject({ id: auth.id, status: 'pending', approved: false });
    expect(sent.pending_request).toMatchObject({ amount: 1200, currency: 'usd', is_amount_controllable: false });
  });

  it('{approved:false} declines (webhook_declined); an amount-controllable request may be approved for less', async () => {
    clock.set(START);
    const card = await newCard();
    answer = { status: 200, body: '{"approved":false}' };
    expectDeclined(await authorize(card.id, 1200), 'webhook_declined');
    answer = { status: 200, body: '{"approved":true,"amount":800}' };
    expectApproved(await authorize(card.id, 1200, { is_amount_controllable: true }), 800);
    // `amount` is ignored when the request is not amount-controllable.
    expectApproved(await authorize(card.id, 1200), 1200);
  });

  it('errors and bad answers decline with webhook_error and say why', async () => {
    clock.set(START);
    const card = await newCard();
    answer = { status: 500, body: 'oops' };
    expectDeclined(await authorize(card.id, 100), 'webhook_error', /HTTP 500/);
    answer = { status: 200, body: 'not json' };
    expectDeclined(await authorize(card.id, 100), 'webhook_error', /not valid JSON/);
    answer = { status: 200, body: '{"ok":true}' };
    expectDeclined(await authorize(card.id, 100), 'webhook_error', /approved/);
    // Stripe reads status 200 only, requires the Stripe-Version header and accepts JSON only.
    answer = { status: 202, body: '{"approved":true}' };
    expectDeclined(await authorize(card.id, 100), 'webhook_error', /HTTP 202/);
    answer = { status: 200, body: '{"approved":true}', headers: { 'content-type': 'application/json' } };
    expectDeclined(await authorize(card.id, 100), 'webhook_error', /Stripe-Version/);
    answer = { status: 200, body: '{"approved":true}', headers: { 'content-type': 'text/plain', ...STRIPE_VERSION } };
    expectDeclined(await authorize(card.id, 100), 'webhook_error', /application\/json/);
    // A beta suffix is a valid Stripe-Version.
    answer = {
      status: 200,
      body: '{"approved":true}',
      headers: {
        'content-type': 'application/json',
        'stripe-version': `${STRIPE_API_VERSION}; embedded_connect_beta=v2`,
      },
    };
    expectApproved(await authorize(card.id, 100));
  });

  it('an ordinary webhook endpoint listening for issuing_authorization.request is not asked; without the setting Stripe approves alone', async () => {
    clock.set(START);
    const card = await newCard();
    const settings = (await (await fetch(`${emu.baseUrl}/_emulator/issuing/settings`)).json()) as {
      authorization_webhook: { url: string } | null;
    };
    expect(settings.authorization_webhook?.url).toBe(url);
    await fetch(`${emu.baseUrl}/_emulator/issuing/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"authorization_webhook":null}',
    });
    const endpoint = await stripe.webhookEndpoints.create({
      url,
      enabled_events: ['issuing_authorization.request'],
      connect: true,
    });
    try {
      received.length = 0;
      answer = { status: 200, body: '{"approved":false}' };
      const auth = await authorize(card.id, 100);
      expectApproved(auth);
      expect(auth.request_history[0]!.reason).toBe('card_active');
      expect(received).toHaveLength(0);
    } finally {
      await stripe.webhookEndpoints.del(endpoint.id);
      await fetch(`${emu.baseUrl}/_emulator/issuing/settings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ authorization_webhook: { url, secret } }),
      });
    }
  });

  it('the settings endpoint refuses what is not a setting, naming the field', async () => {
    const post = (body: string) =>
      fetch(`${emu.baseUrl}/_emulator/issuing/settings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    for (const [body, param] of [
      ['{"authorization_webhook":{"url":"ftp://x"}}', 'authorization_webhook.url'],
      ['{"authorization_webhook":{"url":"http://x","secret":"nope"}}', 'authorization_webhook.secret'],
      ['{"authorization_webhook":{"url":"http://x","extra":1}}', 'authorization_webhook.extra'],
      ['{"other":1}', 'other'],
    ] as const) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });

  it('spending-control declines happen before the webhook, which is not called', async () => {
    clock.set(START);
    received.length = 0;
    answer = { status: 200, body: '{"approved":true}' };
    const card = await newCard({ blocked_categories: ['bakeries'] });
    expectDeclined(await authorize(card.id, 100, { merchant_data: { category: 'bakeries' } }), 'spending_controls');
    expect(received).toHaveLength(0);
  });

  it('no answer within 2 seconds declines with webhook_timeout', async () => {
    clock.set(START);
    const card = await newCard();
    answer = { status: 200, body: '{"approved":true}', delayMs: 2600 };
    const started = Date.now();
    const auth = await authorize(card.id, 100);
    const waited = Date.now() - started;
    expectDeclined(auth, 'webhook_timeout');
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(waited).toBeLessThan(2600);
    answer = { status: 200, body: '{"approved":true}', delayMs: 1000 };
    expectApproved(await authorize(card.id, 100));
  }, 15_000);
});
