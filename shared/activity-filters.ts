// Activity you can question (docs/decisions/162-activity-filters-and-export.md): the filters of a
// card's or an account's authorizations, what the filtered set adds up to, its CSV export and the
// daily series the charts draw. TypeBox schemas and their static types, beside
// shared/authorizations-api.ts (whose list this extends), and the words for decline reasons
// that the page, the charts and the CSV share.
import { Type, type Static } from 'typebox';
import { AuthorizationRow, AuthorizationStatus } from './authorizations-api.ts';

/**
 * Stripe's `request_history[].reason` of a declined authorization, as people say it; `unknown`
 * when Stripe gave none. One vocabulary: the card page says "Frozen" for `card_inactive`.
 */
export const DECLINE_REASON_LABELS: Readonly<Record<string, string>> = {
  spending_controls: 'Spending limit or control',
  insufficient_funds: 'Insufficient funds',
  card_inactive: 'Card frozen',
  card_canceled: 'Card canceled',
  card_expired: 'Card expired',
  account_disabled: 'Account cannot issue',
  cardholder_inactive: 'Cardholder inactive',
  cardholder_blocked: 'Cardholder blocked',
  cardholder_verification_required: 'Cardholder needs verification',
  verification_failed: 'Card details did not match',
  insecure_authorization_method: 'Insecure payment method',
  pin_blocked: 'PIN blocked',
  suspected_fraud: 'Suspected fraud',
  not_allowed: 'Not allowed',
  network_fallback: 'Network fallback',
  webhook_declined: 'Declined by your authorization webhook',
  webhook_error: 'Authorization webhook error',
  webhook_timeout: 'Authorization webhook timed out',
  stripe_internal_error: 'Stripe internal error',
  unknown: 'Unknown reason',
};

/** A reason's label; a reason Stripe adds later reads as its words ("new_reason" -> "New reason"). */
export function declineReasonLabel(reason: string): string {
  const known = DECLINE_REASON_LABELS[reason];
  if (known) return known;
  const words = reason.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The filters the list, its summary and its export share. Amounts are in the currency's smallest
 * unit (cents), as every amount of the API: 1250 is $12.50. They are strings here so that the
 * server can say what is wrong with one in words (server/domain/activity-filters.ts).
 */
const FilterFields = {
  status: Type.Optional(AuthorizationStatus),
  /** ISO 8601, inclusive. */
  from: Type.Optional(Type.String({ format: 'date-time' })),
  /** ISO 8601, exclusive. */
  to: Type.Optional(Type.String({ format: 'date-time' })),
  outcome: Type.Optional(Type.Union([Type.Literal('approved'), Type.Literal('declined')])),
  /**
   * A decline reason (a key of DECLINE_REASON_LABELS, or one Stripe adds later): declined
   * authorizations only.
   */
  reason: Type.Optional(Type.String({ pattern: '^[a-z_]{1,64}$' })),
  /** Part of the merchant's name, any case. */
  merchant: Type.Optional(Type.String({ maxLength: 100 })),
  /** At least this amount (smallest unit, inclusive): what the page shows, the amount asked for when declined. */
  amount_min: Type.Optional(Type.String({ maxLength: 20 })),
  /** At most this amount (smallest unit, inclusive). */
  amount_max: Type.Optional(Type.String({ maxLength: 20 })),
};

/** `GET …/authorizations`: the filters, newest first, a page of `limit` after `starting_after`. */
export const AuthorizationListQuery = Type.Object(
  {
    ...FilterFields,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(Type.String({ pattern: '^iauth_[A-Za-z0-9_]{1,200}$' })),
  },
  { additionalProperties: false },
);
export type AuthorizationListQuery = Static<typeof AuthorizationListQuery>;

/** `GET …/authorizations.csv`: every authorization the filters keep, newest first. */
export const AuthorizationExportQuery = Type.Object(FilterFields, { additionalProperties: false });
export type AuthorizationExportQuery = Static<typeof AuthorizationExportQuery>;

export const MoneyTotal = Type.Object({ currency: Type.String(), amount: Type.Integer() });
export type MoneyTotal = Static<typeof MoneyTotal>;

const OutcomeTotal = Type.Object({
  count: Type.Integer(),
  /** Per currency, largest first: an account may issue cards in several. */
  amounts: Type.Array(MoneyTotal),
});

/** What every authorization the filters keep adds up to (all pages, not only this one). */
export const ActivitySummary = Type.Object({
  count: Type.Integer(),
  approved: OutcomeTotal,
  declined: OutcomeTotal,
});
export type ActivitySummary = Static<typeof ActivitySummary>;

export const AuthorizationListResponse = Type.Object({
  data: Type.Array(AuthorizationRow),
  has_more: Type.Boolean(),
  /** null while the account's activity is still being copied from Stripe (then only Stripe's own filters work). */
  summary: Type.Union([ActivitySummary, Type.Null()]),
});
export type AuthorizationListResponse = Static<typeof AuthorizationListResponse>;

/** `GET …/authorizations/daily`: the last `days` days, cut at midnight in `tz`. */
export const DailyActivityQuery = Type.Object(
  {
    /** An IANA time zone (the browser's); UTC when absent. */
    tz: Type.Optional(Type.String({ maxLength: 64 })),
    /** Whose amounts (an account may have several currencies): the card's, else the most used. */
    currency: Type.Optional(Type.String({ pattern: '^[a-z]{3}$' })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 30 })),
  },
  { additionalProperties: false },
);
export type DailyActivityQuery = Static<typeof DailyActivityQuery>;

const DayOutcome = Type.Object({ count: Type.Integer(), amount: Type.Integer() });

export const ActivityDay = Type.Object({
  /** The local date, YYYY-MM-DD. */
  day: Type.String(),
  /** [start, end) in unix seconds: local midnight to the next. */
  start: Type.Integer(),
  end: Type.Integer(),
  approved: DayOutcome,
  declined: DayOutcome,
  /** The declines of the day by reason (only reasons with some). */
  reasons: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer() })),
});
export type ActivityDay = Static<typeof ActivityDay>;

export const DailyActivityResponse = Type.Object({
  time_zone: Type.String(),
  /** The currency of every number below; null when nothing happened in these days. */
  currency: Type.Union([Type.String(), Type.Null()]),
  /** Oldest first, today last. */
  days: Type.Array(ActivityDay),
  /** Every reason of these days, most declines first. */
  reasons: Type.Array(Type.String()),
  /** Authorizations of these days in other currencies, left out of the numbers above. */
  other_currencies: Type.Array(Type.Object({ currency: Type.String(), count: Type.Integer() })),
});
export type DailyActivityResponse = Static<typeof DailyActivityResponse>;
