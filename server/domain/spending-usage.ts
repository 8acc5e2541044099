// What a card (and its cardholder) has spent against each spending limit, read from Stripe's own
// authorizations: the remaining-limit view, and the "already spent in that window" of a decline
// explanation. The server decides nothing here; it adds up what Stripe reported: the
// authorizations as mirrored (docs/decisions/148-mirror.md), or Stripe's list endpoint for an
// account the mirror has not backfilled yet.
//
// - Windows: Stripe's interval definitions (shared/spending-windows.ts; docs.stripe.com/api/
//   issuing/cards/object#issuing_card_object-spending_controls-spending_limits-interval).
// - What counts: approved authorizations in the limit's categories ("Omitting this field will
//   apply the limit to all categories"), each for what it holds while pending plus what was
//   captured from it; declined, reversed and expired holds count nothing. Refunds do not give the
//   room back: Stripe documents no such rule (searched: docs.stripe.com/issuing/controls/
//   spending-controls, /issuing/purchases/transactions), so a refund is shown, not subtracted.
// - Scope: card limits "apply across any cards this card replaced (its replacement_for card and
//   that card's replacement_for card, up the chain)"; cardholder limits "apply across this
//   cardholder's cards" (API reference, spending_controls.spending_limits).
import type Stripe from 'stripe';
import type { LimitUsage } from '../../shared/authorizations-api.ts';
import { windowEnd, windowStart } from '../../shared/spending-windows.ts';
import type { SpendWindow } from '../db/mirror-reads.ts';

export type { SpendWindow };

type Controls = Stripe.Issuing.Card.SpendingControls | Stripe.Issuing.Cardholder.SpendingControls;
type Limit = { amount: number; interval: string; categories?: readonly string[] | null };
export type Scope = 'card' | 'cardholder';

/** What an approved authorization counts against a limit: held while pending, plus captured. */
export function spendOf(
  auth: Pick<Stripe.Issuing.Authorization, 'approved' | 'status' | 'amount' | 'transactions'>,
): number {
  if (!auth.approved) return 0;
  // Stripe's captures are negative transactions (money leaving the balance).
  const captured = (auth.transactions ?? []).reduce((sum, t) => sum + (t.type === 'capture' ? -t.amount : 0), 0);
  return captured + (auth.status === 'pending' ? Math.max(auth.amount - captured, 0) : 0);
}

export function limitCovers(limit: Limit, category: string | null | undefined): boolean {
  return !limit.categories?.length || (category != null && limit.categories.includes(category));
}

/** One authorization as it counts: when, in which category, how much. */
export interface SpendRecord {
  id: string;
  created: number;
  category: string;
  spend: number;
}

export function cardholderOf(card: Stripe.Issuing.Card): Stripe.Issuing.Cardholder | null {
  const holder = card.cardholder as Stripe.Issuing.Cardholder | string;
  return typeof holder === 'object' && holder ? holder : null;
}

function cardholderId(card: Stripe.Issuing.Card): string {
  const holder = card.cardholder as Stripe.Issuing.Cardholder | string;
  return typeof holder === 'string' ? holder : holder.id;
}

/** Counts the Stripe calls a view costs (the benchmark prints them). */
export interface CallCounter {
  calls: number;
}

/**
 * Where a spending history comes from: the mirror (./mirror/read.ts, no Stripe call: what the
 * pages use) or Stripe's list endpoint (StripeSpendSource: an account the mirror has not
 * backfilled yet, and the remaining-limit property test's second opinion).
 */
export interface SpendSource {
  /** What counts of the authorizations of these cards, or of this cardholder, created since `since`. */
  records(filter: { cards: readonly string[] } | { cardholder: string }, since: number): Promise<SpendRecord[]>;
  /**
   * Optional: what each window spent, added up where the history is (the mirror: PostgreSQL sums
   * it, so a busy cardholder's year is one row, not ~10,000). The same rule as `records` summed.
   */
  totals?(
    filter: { cards: readonly string[] } | { cardholder: string },
    windows: readonly SpendWindow[],
  ): Promise<number[]>;
  /** The card and the cards it replaced (card limits span them). */
  chain(card: Stripe.Issuing.Card): Promise<string[]>;
}

/** Stripe's list endpoint on the card's account (100 a page, newest first). */
export class StripeSpendSource implements SpendSource {
  constructor(
    private readonly stripe: Stripe,
    private readonly account: string,
    private readonly counter: CallCounter = { calls: 0 },
  ) {}

  async records(filter: { cards: readonly string[] } | { cardholder: string }, since: number): Promise<SpendRecord[]> {
    const filters = 'cards' in filter ? filter.cards.map((card) => ({ card })) : [{ cardholder: filter.cardholder }];
    return (await Promise.all(filters.map((f) => this.fetch(f, since)))).flat();
  }

  private async fetch(filter: { card: string } | { cardholder: string }, since: number): Promise<SpendRecord[]> {
    const out: SpendRecord[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      this.counter.calls += 1;
      const page = await this.stripe.issuing.authorizations.list(
        { ...filter, created: { gte: since }, limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) },
        { stripeContext: this.account },
      );
      for (const auth of page.data) {
        const spend = spendOf(auth);
        if (spend > 0) out.push({ id: auth.id, created: auth.created, category: auth.merchant_data.category, spend });
      }
      if (!page.has_more || page.data.length === 0) return out;
      startingAfter = page.data.at(-1)!.id;
    }
  }

  async chain(card: Stripe.Issuing.Card): Promise<string[]> {
    const ids = [card.id];
    let next = card.replacement_for;
    while (next && ids.length < 20) {
      const id = typeof next === 'string' ? next : next.id;
      if (ids.includes(id)) break;
      ids.push(id);
      this.counter.calls += 1;
      const replaced = await this.stripe.issuing.cards
        .retrieve(id, {}, { stripeContext: this.account })
        .catch(() => undefined);
      next = replaced?.replacement_for ?? null;
    }
    return ids;
  }
}

interface QueuedWindow {
  window: SpendWindow;
  resolve(spent: number): void;
  reject(error: unknown): void;
}

/**
 * The spending history of a card (and its cardholder) since some moment, read once per scope
 * from its source and then asked as often as needed. A source that adds windows up itself
 * (`totals`) is asked instead, once for all the windows asked in the same turn of the event
 * loop (the limits of a card, the declines of a page, asked together with Promise.all).
 */
export class SpendHistory {
  private readonly records = new Map<Scope, Promise<SpendRecord[]>>();
  private chainOf: Promise<string[]> | undefined;
  private readonly batches = new Map<Scope, QueuedWindow[]>();

  constructor(
    private readonly source: SpendSource,
    private readonly card: Stripe.Issuing.Card,
    /** The earliest moment anyone will ask about (unix seconds). */
    private readonly since: number,
  ) {}

  private filterOf(scope: Scope): Promise<{ cards: readonly string[] } | { cardholder: string }> {
    if (scope === 'cardholder') return Promise.resolve({ cardholder: cardholderId(this.card) });
    this.chainOf ??= this.source.chain(this.card);
    return this.chainOf.then((cards) => ({ cards }));
  }

  private recordsOf(scope: Scope): Promise<SpendRecord[]> {
    let pending = this.records.get(scope);
    if (!pending) {
      pending = this.filterOf(scope).then((filter) => this.source.records(filter, this.since));
      this.records.set(scope, pending);
    }
    return pending;
  }

  /** Queues a window; the scope's queue goes to the source as one question once this turn ends. */
  private total(scope: Scope, window: SpendWindow): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let batch = this.batches.get(scope);
      if (!batch) {
        const queued: QueuedWindow[] = [];
        batch = queued;
        this.batches.set(scope, queued);
        setImmediate(() => {
          this.batches.delete(scope);
          this.filterOf(scope)
            .then((filter) =>
              this.source.totals!(
                filter,
                queued.map((q) => q.window),
              ),
            )
            .then(
              (sums) => queued.forEach((q, i) => q.resolve(sums[i] ?? 0)),
              (error: unknown) => queued.forEach((q) => q.reject(error)),
            );
        });
      }
      batch.push({ window, resolve, reject });
    });
  }

  /**
   * Spent in `scope` within [from, until] on the limit's categories, leaving out `except` (the
   * authorization being explained).
   */
  async spent(scope: Scope, limit: Limit, from: number, until: number, except?: string): Promise<number> {
    if (this.source.totals) {
      // Nothing before `since` counts, as with the records read from there.
      const categories = limit.categories?.length ? limit.categories : null;
      return this.total(scope, { from: Math.max(from, this.since), until, categories, except });
    }
    let total = 0;
    for (const r of await this.recordsOf(scope)) {
      if (r.id === except || r.created < from || r.created > until || !limitCovers(limit, r.category)) continue;
      total += r.spend;
    }
    return total;
  }
}

export function limitsOf(card: Stripe.Issuing.Card): Array<{ scope: Scope; limit: Limit; currency: string }> {
  const out: Array<{ scope: Scope; limit: Limit; currency: string }> = [];
  const owners: Array<[Scope, Controls | null | undefined]> = [
    ['card', card.spending_controls],
    ['cardholder', cardholderOf(card)?.spending_controls],
  ];
  for (const [scope, controls] of owners) {
    const currency = (controls?.spending_limits_currency ?? card.currency).toLowerCase();
    for (const limit of (controls?.spending_limits ?? []) as Limit[]) out.push({ scope, limit, currency });
  }
  return out;
}

/** The earliest window start among the card's limits at `at` (what a history must reach back to). */
export function earliestWindow(card: Stripe.Issuing.Card, at: number): number {
  let earliest = at;
  for (const { limit } of limitsOf(card)) {
    const start = windowStart(limit.interval, at);
    if (start !== undefined && start < earliest) earliest = start;
  }
  return earliest;
}

/** Every spending limit of the card and its cardholder: spent in the current window, remaining, reset. */
export async function remainingLimits(
  source: SpendSource,
  card: Stripe.Issuing.Card,
  now: number,
): Promise<LimitUsage[]> {
  const history = new SpendHistory(source, card, earliestWindow(card, now));
  return Promise.all(
    limitsOf(card).map(async ({ scope, limit, currency }): Promise<LimitUsage> => {
      const start = windowStart(limit.interval, now);
      const spent = start === undefined ? null : await history.spent(scope, limit, start, now);
      return {
        scope,
        amount: limit.amount,
        currency,
        interval: limit.interval,
        categories: limit.categories?.length ? [...limit.categories] : null,
        spent,
        remaining: Math.max(limit.amount - (spent ?? 0), 0),
        window_start: start ?? null,
        resets_at: windowEnd(limit.interval, now) ?? null,
      };
    }),
  );
}
