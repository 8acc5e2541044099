// POST /api/cards/:id/replace: a card reported lost is canceled (`cancellation_reason: lost`) and
// a new card issued in its place with Stripe's `replacement_for` (docs/decisions/164).
import { Type, type Static } from 'typebox';
import { CardSummary } from './cards.ts';

export const ReplaceCardBody = Type.Object(
  {
    /** Optional words for the audit trail (a ticket, who asked). */
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type ReplaceCardBody = Static<typeof ReplaceCardBody>;

/** The lost card, now canceled, and the card that replaces it. */
export const ReplaceCardResponse = Type.Object({ canceled: CardSummary, replacement: CardSummary });
export type ReplaceCardResponse = Static<typeof ReplaceCardResponse>;
