import type { CardSummary } from '@shared/api.ts';

/** How a card is named everywhere: cardholder and last four digits (never more of the number). */
export function cardLabel(card: Pick<CardSummary, 'cardholder' | 'last4'>): string {
  return `${card.cardholder.name || 'Unnamed cardholder'} ···· ${card.last4}`;
}

// Stripe's words for the statuses, as its card components show them (docs.stripe.com/api/issuing/cards/object#issuing_card_object-status):
// the page and the embedded component beside it say the same thing. "Freeze" is the action.
const statusLabels: Record<string, string> = { active: 'Active', inactive: 'Inactive', canceled: 'Canceled' };

export function statusLabel(status: string): string {
  return statusLabels[status] ?? status;
}
