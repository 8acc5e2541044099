// Test purchases (POST /api/payments) and why one was declined.
import { Type, type Static } from 'typebox';
import { AccountId } from './common.ts';

export const PaymentBody = Type.Object(
  {
    /** The connected account taking the payment: the one that issued the card (its test cards work only there). */
    account: AccountId,
    confirmation_token: Type.String({ pattern: '^ctoken_[A-Za-z0-9_]{1,200}$' }),
    amount: Type.Integer(),
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
  },
  { additionalProperties: false },
);
export type PaymentBody = Static<typeof PaymentBody>;

/** The Issuing control that declined a purchase made with one of the platform's cards. */
export const DeclineControl = Type.Object({
  /** spending_limit | allowed_categories | blocked_categories | card_status | cardholder | other */
  type: Type.String(),
  /** Whose control: the card's or the cardholder's. */
  scope: Type.Optional(Type.Union([Type.Literal('card'), Type.Literal('cardholder')])),
  amount: Type.Optional(Type.Integer()),
  currency: Type.Optional(Type.String()),
  interval: Type.Optional(Type.String()),
  categories: Type.Optional(Type.Array(Type.String())),
  card: Type.Optional(Type.String()),
});
export type DeclineControl = Static<typeof DeclineControl>;

export const Decline = Type.Object({
  /** Stripe's decline code (or error code) of the payment. */
  code: Type.String(),
  /** What to tell the user, naming the control when one is known. */
  message: Type.String(),
  /** The Issuing authorization's reason (request_history[].reason), when the card is one of ours. */
  reason: Type.Union([Type.String(), Type.Null()]),
  control: Type.Optional(DeclineControl),
});
export type Decline = Static<typeof Decline>;

export const PaymentResponse = Type.Object({
  status: Type.String(),
  client_secret: Type.Union([Type.String(), Type.Null()]),
  payment_intent: Type.Union([Type.String(), Type.Null()]),
  decline: Type.Optional(Decline),
});
export type PaymentResponse = Static<typeof PaymentResponse>;
