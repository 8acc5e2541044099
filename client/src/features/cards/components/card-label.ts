import type { CardSummary } from '@shared/api.ts';
import { cardName, cardStatusName } from '@shared/card-words.ts';

// The cards feature's names for a card, from the app's one vocabulary (shared/card-words.ts:
// the mask "•••• 4242", "Frozen" for Stripe's `inactive`), so that the card page, its header,
// its actions and the lists say the same thing.

/** How a card is named everywhere: cardholder and last four digits (never more of the number). */
export function cardLabel(card: Pick<CardSummary, 'cardholder' | 'last4'>): string {
  return cardName(card.cardholder.name, card.last4);
}

/** Active, Frozen, Canceled. "Freeze" is the action. */
export function statusLabel(status: string): string {
  return cardStatusName(status);
}
