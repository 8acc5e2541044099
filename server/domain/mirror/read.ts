// The mirror as the pages read it (docs/decisions/148-mirror.md): Stripe's objects rebuilt from
// the rows of ../../db/mirror-reads.ts in the shape Stripe's API returns them, so the code that
// shows them (cards.ts, authorization-views.ts, spending-usage.ts) does not care where they came
// from. A card comes with its cardholder embedded, as Stripe returns it; an authorization with
// its transactions.
import type Stripe from 'stripe';
import type { Queryable } from '../../db/database.ts';
import {
  mirroredCards,
  mirroredSpend,
  mirroredSpendTotals,
  replacedCards,
  type MirroredCardRow,
} from '../../db/mirror-reads.ts';
import { spendOf, type SpendRecord, type SpendSource } from '../spending-usage.ts';
import { idOf } from './objects.ts';

/**
 * The card as Stripe would return it: the mirrored card with its mirrored cardholder embedded.
 * Undefined when the mirror does not hold both whole (a row indexed before the mirror kept
 * objects, until its account's backfill reads it again).
 */
export function cardFromMirror(row: Pick<MirroredCardRow, 'card' | 'holder'>): Stripe.Issuing.Card | undefined {
  if (!row.card || !row.holder) return undefined;
  return { ...row.card, cardholder: row.holder } as unknown as Stripe.Issuing.Card;
}

/** Mirrored cards by id (those the mirror holds whole). */
export async function cardsFromMirror(
  db: Queryable,
  cardIds: readonly string[],
): Promise<Map<string, { card: Stripe.Issuing.Card; account: string }>> {
  const out = new Map<string, { card: Stripe.Issuing.Card; account: string }>();
  for (const row of await mirroredCards(db, [...new Set(cardIds)])) {
    const card = cardFromMirror(row);
    if (card) out.set(row.card_id, { card, account: row.account_id });
  }
  return out;
}

/** A spending history from the mirror: no Stripe call (../spending-usage.ts). */
export function mirrorSpendSource(db: Queryable, account: string): SpendSource {
  return {
    async records(filter, since): Promise<SpendRecord[]> {
      const rows = await mirroredSpend(db, account, filter, since);
      const out: SpendRecord[] = [];
      for (const r of rows) {
        // The same rule as for Stripe's objects: held while pending, plus what was captured.
        const spend = spendOf({
          approved: r.approved,
          status: r.status,
          amount: r.amount,
          transactions: [{ type: 'capture', amount: r.captured }] as Stripe.Issuing.Transaction[],
        });
        if (spend > 0) out.push({ id: r.id, created: r.created, category: r.category ?? 'unknown', spend });
      }
      return out;
    },
    // What the pages use: PostgreSQL adds each window up (one row back, not one per authorization).
    totals: (filter, windows) => mirroredSpendTotals(db, account, filter, windows),
    async chain(card) {
      const ids = [card.id];
      const first = idOf(card.replacement_for);
      if (first) for (const id of await replacedCards(db, first)) if (!ids.includes(id)) ids.push(id);
      return ids;
    },
  };
}
