// The app's API for the questions cardholders' people ask: what was bought with a card, why a
// purchase was declined, and how much can still be spent. TypeBox schemas and their static types,
// beside shared/api.ts (kept apart so that this feature's shapes sit in one file).
// Shapes: docs/architecture.md, "The app server's HTTP API".
import { Type, type Static } from 'typebox';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);

export const AuthorizationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('closed'),
  Type.Literal('reversed'),
  Type.Literal('expired'),
]);

/** `?status&from&to&limit&starting_after`: Stripe's list filters, newest first. */
export const AuthorizationsQuery = Type.Object(
  {
    status: Type.Optional(AuthorizationStatus),
    /** ISO 8601, inclusive. */
    from: Type.Optional(Type.String({ format: 'date-time' })),
    /** ISO 8601, exclusive. */
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(Type.String({ pattern: '^iauth_[A-Za-z0-9_]{1,200}$' })),
  },
  { additionalProperties: false },
);
export type AuthorizationsQuery = Static<typeof AuthorizationsQuery>;

export const AccountAuthorizationsParams = Type.Object({
  account: Type.String({ pattern: '^acct_[A-Za-z0-9_]{1,200}$' }),
});
export type AccountAuthorizationsParams = Static<typeof AccountAuthorizationsParams>;

/** A spending control of the card or of its cardholder that a declined authorization ran into. */
export const MatchedControl = Type.Object({
  type: Type.Union([
    Type.Literal('spending_limit'),
    Type.Literal('allowed_categories'),
    Type.Literal('blocked_categories'),
    Type.Literal('allowed_merchant_countries'),
    Type.Literal('blocked_merchant_countries'),
    Type.Literal('allowed_card_presences'),
    Type.Literal('blocked_card_presences'),
    Type.Literal('maximum_per_authorization'),
  ]),
  scope: Type.Union([Type.Literal('card'), Type.Literal('cardholder'), Type.Literal('stripe')]),
  /** spending_limit: the limit, its interval and categories (null: every category). */
  amount: Type.Optional(Type.Integer()),
  currency: Type.Optional(Type.String()),
  interval: Type.Optional(Type.String()),
  categories: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  /** spending_limit with a window: what was already spent in that window when the purchase came. */
  spent: Type.Optional(Type.Integer()),
  /** The list control's values (allowed or blocked categories, countries, presences). */
  values: Type.Optional(Type.Array(Type.String())),
  /** Why it matched, in words: "32.00 USD already spent today; 25.00 USD more would exceed 50.00 USD per day". */
  detail: Type.String(),
});
export type MatchedControl = Static<typeof MatchedControl>;

/** Why Stripe declined an authorization (from its request_history reason), and what to do about it. */
export const Explanation = Type.Object({
  /** Stripe's `request_history[].reason` of the deciding request. */
  reason: Type.String(),
  /** One plain sentence. */
  message: Type.String(),
  /** What a user can do next. */
  next_step: Type.String(),
  /** For `spending_controls`: the controls this purchase ran into (empty when none of today's controls explains it). */
  controls: Type.Optional(Type.Array(MatchedControl)),
});
export type Explanation = Static<typeof Explanation>;

export const TransactionRow = Type.Object({
  id: Type.String(),
  /** capture or refund (Stripe's transaction `type`). */
  type: Type.String(),
  /** Stripe's sign: a capture is negative (money out), a refund positive. */
  amount: Type.Integer(),
  currency: Type.String(),
  created: Type.Integer(),
});
export type TransactionRow = Static<typeof TransactionRow>;

export const AuthorizationRow = Type.Object({
  id: Type.String(),
  card: Type.String(),
  /** How people name the card: its last four digits and its cardholder (null when Stripe did not expand the card). */
  card_last4: NullableString,
  cardholder_name: NullableString,
  account: Type.String(),
  created: Type.Integer(),
  /** The amount asked for (request_history), in the card's currency: also for a declined purchase, whose `amount` Stripe sets to 0. */
  amount: Type.Integer(),
  currency: Type.String(),
  merchant_amount: Type.Integer(),
  merchant_currency: Type.String(),
  merchant: Type.Object({
    name: NullableString,
    category: Type.String(),
    city: NullableString,
    country: NullableString,
  }),
  status: Type.String(),
  approved: Type.Boolean(),
  reason: NullableString,
  /** Every declined authorization has one. */
  explanation: Type.Optional(Explanation),
  /** The captures and refunds that followed. */
  transactions: Type.Array(TransactionRow),
});
export type AuthorizationRow = Static<typeof AuthorizationRow>;

export const AuthorizationsResponse = Type.Object({ data: Type.Array(AuthorizationRow), has_more: Type.Boolean() });
export type AuthorizationsResponse = Static<typeof AuthorizationsResponse>;

/** One spending limit of the card or its cardholder, as it stands now. */
export const LimitUsage = Type.Object({
  scope: Type.Union([Type.Literal('card'), Type.Literal('cardholder')]),
  amount: Type.Integer(),
  currency: Type.String(),
  interval: Type.String(),
  /** null: every category. */
  categories: Type.Union([Type.Array(Type.String()), Type.Null()]),
  /** Spent in the current window (null for per_authorization, which has none). */
  spent: NullableInteger,
  /** What one more purchase may still be (per_authorization: the limit itself); never below 0. */
  remaining: Type.Integer(),
  /** Start of the current window (unix seconds); 0 for all_time; null for per_authorization. */
  window_start: NullableInteger,
  /** When the window resets (unix seconds); null for all_time and per_authorization. */
  resets_at: NullableInteger,
});
export type LimitUsage = Static<typeof LimitUsage>;

export const LimitsResponse = Type.Object({
  card: Type.String(),
  account: Type.String(),
  currency: Type.String(),
  cardholder: Type.Object({ id: Type.String(), name: Type.String() }),
  /** When this was computed (unix seconds). */
  as_of: Type.Integer(),
  limits: Type.Array(LimitUsage),
});
export type LimitsResponse = Static<typeof LimitsResponse>;

/** "Simulate a purchase": Stripe's Issuing test helper creates an authorization on the card. */
export const SimulatePurchaseBody = Type.Object(
  {
    /** In the card currency's smallest unit. */
    amount: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
    /** A Stripe merchant category (e.g. `computer_software_stores`). */
    category: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{1,100}$' })),
    /** ISO 3166-1 alpha-2. */
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    merchant_name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type SimulatePurchaseBody = Static<typeof SimulatePurchaseBody>;

/** `GET /api/events?card|account`: server-sent events; `max_seconds` bounds one connection (EventSource reconnects). */
export const EventsQuery = Type.Object(
  {
    card: Type.Optional(Type.String({ pattern: '^ic_[A-Za-z0-9_]{1,200}$' })),
    account: Type.Optional(Type.String({ pattern: '^acct_[A-Za-z0-9_]{1,200}$' })),
    max_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 300, default: 55 })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

/** The data of an `activity` server-sent event: something happened to a card's authorizations. */
export interface ActivityEvent {
  type: string;
  account: string | null;
  card: string;
  authorization: string | null;
}
