// What one card's page needs beyond its summary (docs/decisions/164-risky-actions-confirmed.md):
// Stripe's replacement chain and the card's standing lost report. Only on one card's answers (GET
// and POST /api/cards/:id, report-lost, replace): lists keep the plain summary.
import type Stripe from 'stripe';
import type { Queryable } from '../db/database.ts';
import { lostReportedAt } from '../db/lost-reports.ts';
import type { FoundCard } from './cards.ts';

const idOf = (ref: string | Stripe.Issuing.Card | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;

export async function cardExtras(
  db: Queryable,
  { card }: FoundCard,
): Promise<{ replacement_for: string | null; replaced_by: string | null; lost_reported_at: string | null }> {
  return {
    replacement_for: idOf(card.replacement_for),
    replaced_by: idOf(card.replaced_by),
    lost_reported_at: await lostReportedAt(db, card.id),
  };
}
