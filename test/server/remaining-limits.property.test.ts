// The remaining-limit view is exact: over randomized sequences of authorizations, captures,
// refunds, reversals, expiries and clock moves across window boundaries (midnight, Sunday, the
// 1st, January 1st), what the server computes as "remaining" for a merchant category is exactly
// what the emulator (standing in for Stripe) then approves: an authorization for that amount is
// approved and one cent more is declined for spending_controls. The two sides are separate code:
// the emulator decides (emulator/api/issuing/decide.ts), the server adds up the authorizations
// (server/domain/spending-usage.ts) as its pages do: from the mirror (docs/decisions/148,
// 151), fed by Stripe's events through the app's own webhook processing (processEvent), with the
// card and its cardholder read from the mirror too. The same sums over Stripe's list endpoint
// must agree to the cent. Prints the run count.
import fc from 'fast-check';
import type Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { manualClock } from '../../emulator/api/store.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { mirroredCard } from '../../server/db/mirror-reads.ts';
import { cardFromMirror, mirrorSpendSource } from '../../server/domain/mirror/read.ts';
import { StripeSpendSource, limitCovers, remainingLimits } from '../../server/domain/spending-usage.ts';
import { processEvent } from '../../server/domain/webhooks.ts';
import { seededAccounts, startEmulator, type TestEmulator } from '../emulator/helpers.ts';

const RUNS = Number(process.env.REMAINING_LIMIT_RUNS ?? 100);
const CATEGORIES = ['computer_software_stores', 'taxicabs_limousines'] as const;
const INTERVALS = ['per_authorization', 'daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const;
// Friday 2026-11-27 22:00 UTC: two hours before a day, two days before a week, four days before a month ends.
const START = Date.UTC(2026, 10, 27, 22);

const clock = manualClock(START);
let emulator: TestEmulator;
let stripe: Stripe;
let account: string;
let db: Database;
const counts = { runs: 0, steps: 0, exactApproved: 0, oneMoreDeclined: 0, crossings: 0, events: 0 };

beforeAll(async () => {
  emulator = await startEmulator({ clock });
  stripe = emulator.stripe();
  account = (await seededAccounts(stripe))[0]!.id;
  db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
  await migrate(db);
  // Events from before this test (the seed) are not the mirror's business here.
  for await (const event of stripe.events.list({ limit: 100 }, opts())) seen.add(event.id);
});

afterAll(async () => {
  console.log(
    `[property] remaining limits (from the mirror): runs=${counts.runs} steps=${counts.steps} window_crossings=${counts.crossings} ` +
      `exact_remaining_approved=${counts.exactApproved} one_cent_more_declined=${counts.oneMoreDeclined} events_mirrored=${counts.events}`,
  );
  await db?.close();
  await emulator?.close();
});

const seen = new Set<string>();

/**
 * Stripe's events on the account not yet applied, oldest first, through the app's webhook
 * processing: what the verified webhook route does with each delivery.
 */
async function deliverEvents(): Promise<void> {
  const fresh: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 }, opts())) {
    if (seen.has(event.id)) break;
    fresh.push(event);
  }
  for (const event of fresh.reverse()) {
    seen.add(event.id);
    await processEvent(db, event);
    counts.events += 1;
  }
}

const limitArb = fc.record({
  amount: fc.integer({ min: 500, max: 60_000 }),
  interval: fc.constantFrom(...INTERVALS),
  categories: fc.option(fc.subarray([...CATEGORIES], { minLength: 1 }), { nil: undefined }),
});

type Step =
  | { kind: 'authorize'; amount: number; category: number }
  | { kind: 'capture'; pick: number; part: number }
  | { kind: 'refund'; pick: number; part: number }
  | { kind: 'reverse'; pick: number; part: number }
  | { kind: 'expire'; pick: number }
  | { kind: 'advance'; hours: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('authorize' as const),
      amount: fc.integer({ min: 1, max: 30_000 }),
      category: fc.nat(1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('capture' as const),
      pick: fc.nat(),
      part: fc.double({ min: 0.1, max: 1.5, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      pick: fc.nat(),
      part: fc.double({ min: 0.1, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reverse' as const),
      pick: fc.nat(),
      part: fc.double({ min: 0.1, max: 1, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 * 40 }) }),
  },
);

const opts = () => ({ stripeAccount: account });

type LimitInput = { amount: number; interval: string; categories?: string[] | undefined };

async function newCard(cardLimits: LimitInput[], holderLimits: LimitInput[]) {
  const holder = await stripe.issuing.cardholders.create(
    {
      name: 'Property Holder',
      type: 'individual',
      status: 'active',
      billing: { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
      ...(holderLimits.length
        ? { spending_controls: { spending_limits: holderLimits, spending_limits_currency: 'usd' } }
        : {}),
    },
    opts(),
  );
  return stripe.issuing.cards.create(
    {
      cardholder: holder.id,
      type: 'virtual',
      currency: 'usd',
      status: 'active',
      spending_controls: { spending_limits: cardLimits },
    },
    opts(),
  );
}

/** Applies one step; steps that do not apply to the current state (nothing to capture) do nothing. */
async function apply(card: Stripe.Issuing.Card, step: Step): Promise<void> {
  const pending = async () =>
    (await stripe.issuing.authorizations.list({ card: card.id, status: 'pending', limit: 100 }, opts())).data;
  switch (step.kind) {
    case 'authorize':
      await stripe.testHelpers.issuing.authorizations.create(
        { card: card.id, amount: step.amount, merchant_data: { category: CATEGORIES[step.category] as never } },
        opts(),
      );
      return;
    case 'capture': {
      const list = await pending();
      const auth = list[step.pick % Math.max(list.length, 1)];
      // Captures may exceed the authorized amount (tips): Stripe always accepts them.
      if (auth)
        await stripe.testHelpers.issuing.authorizations.capture(
          auth.id,
          { capture_amount: Math.max(1, Math.round(auth.amount * step.part)) },
          opts(),
        );
      return;
    }
    case 'refund': {
      const captures = (await stripe.issuing.transactions.list({ card: card.id, type: 'capture', limit: 100 }, opts()))
        .data;
      const capture = captures[step.pick % Math.max(captures.length, 1)];
      if (!capture) return;
      const amount = Math.max(1, Math.floor(-capture.amount * step.part));
      await stripe.testHelpers.issuing.transactions
        .refund(capture.id, { refund_amount: amount }, opts())
        .catch((error: { param?: string }) => {
          // Already refunded in full by an earlier step.
          if (error.param !== 'refund_amount') throw error;
        });
      return;
    }
    case 'reverse': {
      const list = await pending();
      const auth = list[step.pick % Math.max(list.length, 1)];
      if (auth && auth.amount > 0)
        await stripe.testHelpers.issuing.authorizations.reverse(
          auth.id,
          { reverse_amount: Math.max(1, Math.floor(auth.amount * step.part)) },
          opts(),
        );
      return;
    }
    case 'expire': {
      const list = await pending();
      const auth = list[step.pick % Math.max(list.length, 1)];
      if (auth) await stripe.testHelpers.issuing.authorizations.expire(auth.id, {}, opts());
      return;
    }
    case 'advance': {
      const before = new Date(clock.now());
      clock.advance(step.hours * 3_600_000);
      if (new Date(clock.now()).getUTCDate() !== before.getUTCDate()) counts.crossings += 1;
      return;
    }
  }
}

test('an authorization for exactly the remaining amount is approved; one cent more is declined', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(limitArb, { minLength: 1, maxLength: 3 }),
      fc.array(limitArb, { minLength: 0, maxLength: 2 }),
      fc.array(stepArb, { minLength: 0, maxLength: 10 }),
      fc.nat(1),
      async (cardLimits, holderLimits, steps, probeCategory) => {
        counts.runs += 1;
        const card = await newCard(cardLimits, holderLimits);
        for (const step of steps) {
          counts.steps += 1;
          await apply(card, step);
        }
        // A category the first card limit covers, so that some limit bounds the probe.
        const category = cardLimits[0]!.categories?.[0] ?? CATEGORIES[probeCategory]!;
        const now = Math.floor(clock.now() / 1000);
        await deliverEvents();
        const row = await mirroredCard(db, card.id, null);
        const mirrored = row && cardFromMirror(row);
        expect(mirrored, 'the card and its cardholder are mirrored whole').toBeDefined();
        const limits = await remainingLimits(mirrorSpendSource(db, account), mirrored!, now);
        // The same sums over Stripe's list endpoint (the path for accounts not backfilled yet).
        const fresh = await stripe.issuing.cards.retrieve(card.id, {}, opts());
        expect(limits).toEqual(await remainingLimits(new StripeSpendSource(stripe, account), fresh, now));
        const applicable = limits.filter((l) => limitCovers(l, category));
        expect(applicable.length).toBeGreaterThan(0);
        const remaining = Math.min(...applicable.map((l) => l.remaining));

        const over = await stripe.testHelpers.issuing.authorizations.create(
          { card: card.id, amount: remaining + 1, merchant_data: { category: category as never } },
          opts(),
        );
        expect(over.approved, `remaining ${remaining} + 1 cent: ${JSON.stringify(limits)}`).toBe(false);
        expect(over.request_history.at(-1)?.reason).toBe('spending_controls');
        counts.oneMoreDeclined += 1;
        if (remaining > 0) {
          const exact = await stripe.testHelpers.issuing.authorizations.create(
            { card: card.id, amount: remaining, merchant_data: { category: category as never } },
            opts(),
          );
          expect(exact.approved, `exactly the remaining ${remaining}: ${JSON.stringify(limits)}`).toBe(true);
          counts.exactApproved += 1;
        }
      },
    ),
    { numRuns: RUNS, seed: Number(process.env.REMAINING_LIMIT_SEED ?? 20261127), endOnFailure: true },
  );
  expect(counts.runs).toBe(RUNS);
}, 600_000);
