// A card reported lost, as the app marks it (docs/decisions/164-risky-actions-confirmed.md): the
// report is a row of the audit trail (POST /api/cards/:id/report-lost freezes the card and writes
// `card.status_changed` with reason `reported_lost`), and it stands until the card is activated
// again. The server answers `lost_reported_at` while it stands; these two read it, on the server
// (POST /api/cards/:id/replace) and in the client (the card's actions and links).
//
// Imports nothing: shared/ is imported by server/ and client/.

export interface LostCardFacts {
  status: string;
  cancellation_reason?: string | null;
  lost_reported_at?: string | null;
  replaced_by?: string | null;
}

/** Frozen because it was reported lost: it declines everything; its details and PIN are not offered. */
export function frozenAsLost(card: LostCardFacts): boolean {
  return card.status === 'inactive' && Boolean(card.lost_reported_at);
}

/**
 * Reported lost and not replaced yet: frozen, or already canceled as lost (an admin's cancel, or a
 * replacement whose second step failed). Stripe replaces a lost card only once it is canceled
 * (docs.stripe.com/issuing/cards/replacements, "Replacements for lost or stolen cards").
 */
export function awaitingReplacement(card: LostCardFacts): boolean {
  if (!card.lost_reported_at || card.replaced_by) return false;
  return card.status === 'inactive' || (card.status === 'canceled' && card.cancellation_reason === 'lost');
}
