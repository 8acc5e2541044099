// Cards: the list and one card (GET /api/cards, /api/cards/:id), issuing one (POST /api/cards),
// changing one (POST /api/cards/:id) and reporting it lost (POST /api/cards/:id/report-lost).
import { Type, type Static } from 'typebox';
import { AccountId, CardId } from './common.ts';
import { CardType } from './fields.ts';
import { SpendingControlsInput } from './spending-controls.ts';

export const CardStatus = Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('canceled')]);

export const CardsQuery = Type.Object(
  {
    account: Type.Optional(AccountId),
    last4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    /** A cardholder id (ich_…), or part of a cardholder's name or email. */
    cardholder: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    status: Type.Optional(CardStatus),
    type: Type.Optional(CardType),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(CardId),
    /** Free lookup: a card id, last4, or part of a cardholder's name or email. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type CardsQuery = Static<typeof CardsQuery>;

export const CardParams = Type.Object({ id: CardId });
export type CardParams = Static<typeof CardParams>;

/**
 * GET /api/cards/:id: `account`, the account the client believes holds the card (its URL), lets
 * a card the card index does not know yet be found with one Stripe call on that account.
 */
export const CardQuery = Type.Object({ account: Type.Optional(AccountId) }, { additionalProperties: false });
export type CardQuery = Static<typeof CardQuery>;

/** A card as the app shows it: never a number, CVC, PIN or expiry. */
export const CardSummary = Type.Object({
  id: Type.String(),
  account: Type.String(),
  last4: Type.String(),
  brand: Type.String(),
  type: Type.String(),
  status: Type.String(),
  currency: Type.String(),
  created: Type.Integer(),
  cardholder: Type.Object({
    id: Type.String(),
    name: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
  }),
  // Stripe's spending_controls object, passed through as Stripe returns it. Left out for roles
  // that only look cards up: verifying a caller does not need them (decision 030).
  spending_controls: Type.Optional(Type.Object({}, { additionalProperties: true })),
  cancellation_reason: Type.Union([Type.String(), Type.Null()]),
  /** The connected account's name, where the list answers carry it (lookups, lists). */
  account_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Stripe's replacement chain: the card this one replaces, and the card that replaced it (ids). */
  replacement_for: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  replaced_by: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /**
   * When the card was reported lost (POST /api/cards/:id/report-lost), while that report stands:
   * until the card is activated again. Set on one card's answers (GET and POST /api/cards/:id,
   * report-lost), not in lists. See shared/lost-cards.ts.
   */
  lost_reported_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type CardSummary = Static<typeof CardSummary>;

export const CardsResponse = Type.Object({ data: Type.Array(CardSummary), has_more: Type.Boolean() });
export type CardsResponse = Static<typeof CardsResponse>;

export const CreateCardBody = Type.Object(
  {
    account: AccountId,
    cardholder: Type.String({ pattern: '^ich_[A-Za-z0-9_]{1,200}$' }),
    type: CardType,
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
    spending_controls: Type.Optional(SpendingControlsInput),
    /**
     * Chosen by the browser once per filled-in form; the server derives Stripe's Idempotency-Key
     * from it, so a double submit issues one card.
     */
    request_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,100}$' })),
  },
  { additionalProperties: false },
);
export type CreateCardBody = Static<typeof CreateCardBody>;

export const UpdateCardBody = Type.Object(
  {
    status: Type.Optional(CardStatus),
    cancellation_reason: Type.Optional(Type.Union([Type.Literal('lost'), Type.Literal('stolen')])),
    spending_controls: Type.Optional(SpendingControlsInput),
  },
  { additionalProperties: false },
);
export type UpdateCardBody = Static<typeof UpdateCardBody>;

/** A card reported lost (POST /api/cards/:id/report-lost): frozen, the report audited. */
export const ReportLostBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 500, description: 'e.g. the ticket, how the caller was verified' })) },
  { additionalProperties: false },
);
export type ReportLostBody = Static<typeof ReportLostBody>;
