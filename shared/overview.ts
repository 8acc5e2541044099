// GET /api/overview: the first screen of the people who look after many cards (issue 20, "What to
// build" 1; docs/decisions/160-overview-from-the-mirror.md). Every figure is computed from the
// app's own copy of Stripe (the mirror) and its own tables, never by asking Stripe, and each
// section is there only when the caller's role may see what it is made of. The accounts list
// gains the same figures per account (`AccountActivity`).
//
// Imports nothing outside shared/.
import { Type, type Static, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
/** Unix seconds. */
const Seconds = Type.Integer();
const Currency = Type.String({ description: 'ISO currency code, lower case (Stripe’s)' });

/** A limit counts as "near" once this share of it is spent in its current window. */
export const NEAR_LIMIT_SHARE = 0.8;

/**
 * An Issuing balance "runs low" when it would not cover this many days of the account's spend at
 * the pace of the last seven days (approved spend of the last 7 days, in the balance's currency),
 * or when nothing is left at all. A week is the time a platform needs to notice and fund it: a
 * top-up from a bank account "can take up to 5 business days to become available"
 * (docs.stripe.com/issuing/funding/balance), and every purchase beyond the balance is declined
 * with `insufficient_funds`.
 */
export const LOW_BALANCE_RUNWAY_DAYS = 7;

/** Approved spend in one currency, in this period and in the previous one of the same length. */
export const PeriodSpend = Type.Object({
  currency: Currency,
  /** What approved authorizations count (held while pending, plus captured), smallest unit. */
  amount: Type.Integer(),
  previous: Type.Integer(),
  /** (amount - previous) / previous; null when the previous period spent nothing. */
  change: Nullable(Type.Number()),
});
export type PeriodSpend = Static<typeof PeriodSpend>;

/** The headline periods: today since midnight UTC, and the last 7 and 30 UTC days (today included). */
export const OverviewPeriod = Type.Object({
  key: Type.Union([Type.Literal('today'), Type.Literal('7d'), Type.Literal('30d')]),
  /** "Today", "Last 7 days", "Last 30 days". */
  label: Type.String(),
  /** What the trend compares with: "the same hours yesterday", "the previous 7 days". */
  previous_label: Type.String(),
  /** [from, until): until is one second past the moment the overview was computed. */
  from: Seconds,
  until: Seconds,
  /** The previous period, the same span N days earlier: [previous_from, previous_until). */
  previous_from: Seconds,
  previous_until: Seconds,
  spend: Type.Array(PeriodSpend),
  approved: Type.Integer({ description: 'Approved authorizations' }),
  declined: Type.Integer({ description: 'Declined authorizations' }),
  previous_approved: Type.Integer(),
  previous_declined: Type.Integer(),
  /** declined / (approved + declined); null without authorizations. */
  decline_rate: Nullable(Type.Number()),
  previous_decline_rate: Nullable(Type.Number()),
});
export type OverviewPeriod = Static<typeof OverviewPeriod>;

/** One UTC day of one currency: what approved authorizations count, and what declined ones asked for. */
export const OverviewDay = Type.Object({
  day: Type.String({ description: 'YYYY-MM-DD (UTC)' }),
  approved: Type.Integer(),
  declined: Type.Integer(),
  approved_count: Type.Integer(),
  declined_count: Type.Integer(),
});
export type OverviewDay = Static<typeof OverviewDay>;

/** The last 30 UTC days (today included), oldest first, every day present; one entry per currency seen. */
export const OverviewDaily = Type.Object({ currency: Currency, days: Type.Array(OverviewDay) });
export type OverviewDaily = Static<typeof OverviewDaily>;

export const DeclineReasonCount = Type.Object({
  /** Stripe's `request_history[].reason` of the deciding request. */
  reason: Type.String(),
  /** The app's sentence for it (the decline explanations' words). */
  message: Type.String(),
  count: Type.Integer(),
});
export type DeclineReasonCount = Static<typeof DeclineReasonCount>;

export const OverviewDeclines = Type.Object({
  /** Since when (the 30-day period's start). */
  from: Seconds,
  total: Type.Integer(),
  /** The most frequent reasons, most frequent first (at most 5). */
  reasons: Type.Array(DeclineReasonCount),
});

export const NearLimitCard = Type.Object({
  card: Type.String(),
  account: Type.String(),
  account_name: Type.String(),
  last4: Type.String(),
  cardholder_name: Nullable(Type.String()),
  /** Whose limit: the card's own, or its cardholder's (which all their cards share). */
  scope: Type.Union([Type.Literal('card'), Type.Literal('cardholder')]),
  interval: Type.String(),
  amount: Type.Integer(),
  currency: Currency,
  categories: Nullable(Type.Array(Type.String())),
  spent: Type.Integer(),
  /** When the window resets (unix seconds); null for all_time. */
  resets_at: Nullable(Seconds),
});
export type NearLimitCard = Static<typeof NearLimitCard>;

export const OverviewNearLimit = Type.Object({
  share: Type.Number({ description: 'NEAR_LIMIT_SHARE' }),
  total: Type.Integer(),
  /** Most used first, at most 20. */
  cards: Type.Array(NearLimitCard),
});

export const LostCard = Type.Object({
  card: Type.String(),
  account: Type.String(),
  account_name: Type.String(),
  last4: Type.String(),
  cardholder_name: Nullable(Type.String()),
  reported_at: Time,
  reported_by: Nullable(Type.String()),
});
export type LostCard = Static<typeof LostCard>;

/** Cards reported lost (frozen), neither canceled nor replaced since, newest report first (at most 20). */
export const OverviewLostCards = Type.Object({ total: Type.Integer(), cards: Type.Array(LostCard) });

export const IssuingBalance = Type.Object({
  currency: Currency,
  available: Type.Integer(),
  /** When Stripe reported it (its `balance.available` event): the last known balance. */
  as_of: Time,
  /** Approved spend of the last 7 days in this currency (what LOW_BALANCE_RUNWAY_DAYS compares with). */
  spend_7d: Type.Integer(),
  low: Type.Boolean(),
});
export type IssuingBalance = Static<typeof IssuingBalance>;

export const IssuingStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('pending'),
  Type.Literal('inactive'),
  Type.Literal('not_requested'),
]);

export const AccountAttention = Type.Object({
  account: Type.String(),
  name: Type.String(),
  card_issuing: IssuingStatus,
  /** card_issuing is not active: Stripe refuses new cardholders and cards. */
  cannot_issue: Type.Boolean(),
  /** Last known Issuing balances; empty until Stripe has reported one. */
  balances: Type.Array(IssuingBalance),
});
export type AccountAttention = Static<typeof AccountAttention>;

export const OverviewAccounts = Type.Object({
  total: Type.Integer(),
  issuing_active: Type.Integer(),
  /** Accounts that cannot issue or whose balance runs low: those first that cannot issue (at most 20). */
  attention: Type.Array(AccountAttention),
  attention_total: Type.Integer(),
});

export const SensitiveEvent = Type.Object({
  id: Type.String({ description: 'The audit trail row' }),
  kind: Type.Union([Type.Literal('reveal'), Type.Literal('pin_set'), Type.Literal('role_changed')]),
  created_at: Time,
  actor_email: Nullable(Type.String()),
  account: Nullable(Type.String()),
  card: Nullable(Type.String()),
  /** The user whose role changed. */
  subject: Nullable(Type.String()),
  /** In words: "admin@example.com revealed the details of card ic_…". */
  summary: Type.String(),
});
export type SensitiveEvent = Static<typeof SensitiveEvent>;

export const UserAttention = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Type.String(),
  problem: Type.Union([Type.Literal('no_second_factor'), Type.Literal('no_recovery_codes')]),
});
export type UserAttention = Static<typeof UserAttention>;

export const OverviewUsers = Type.Object({ total: Type.Integer(), attention: Type.Array(UserAttention) });

/**
 * - `stripe_unreachable`: the app's Stripe calls fail (since `at`); pages show the last copy.
 * - `no_webhook`: no webhook event has ever been received: the endpoint is missing or refused.
 * - `webhook_gap`: an event arrived long after Stripe created it (at `at`), after the reconciler's
 *   last pass: deliveries had failed, and the reconciler is catching up.
 * - `stale`: the mirror was last in step with Stripe at `at` (null: never), longer ago than
 *   MIRROR_STALE_SECONDS.
 */
export const HealthProblem = Type.Object({
  code: Type.Union([
    Type.Literal('stripe_unreachable'),
    Type.Literal('no_webhook'),
    Type.Literal('webhook_gap'),
    Type.Literal('stale'),
  ]),
  at: Nullable(Time),
});
export type HealthProblem = Static<typeof HealthProblem>;

export const OverviewHealth = Type.Object({
  /** The last webhook event received (any type); null before the first. */
  last_webhook_at: Nullable(Time),
  /** The last time an event arrived long after Stripe created it (deliveries had failed). */
  webhook_gap_at: Nullable(Time),
  /** The mirror's freshness, as GET /api/mirror/status says it. */
  synced_at: Nullable(Time),
  stale: Type.Boolean(),
  stripe_reachable: Type.Boolean(),
  stripe_failing_since: Nullable(Time),
  /** What is wrong; empty when webhooks and the live feed are healthy. The page words each. */
  problems: Type.Array(HealthProblem),
});
export type OverviewHealth = Static<typeof OverviewHealth>;

export const OverviewResponse = Type.Object({
  generated_at: Time,
  /** `platform`: every connected account; `memberships`: the caller's accounts. */
  scope: Type.Union([Type.Literal('platform'), Type.Literal('memberships')]),
  account_count: Type.Integer(),
  periods: Type.Array(OverviewPeriod),
  daily: Type.Array(OverviewDaily),
  declines: OverviewDeclines,
  near_limit: OverviewNearLimit,
  lost_cards: OverviewLostCards,
  accounts: OverviewAccounts,
  /** Reveals, PIN changes and role changes, newest first (at most 10): roles that read the audit log. */
  sensitive_events: Type.Optional(Type.Array(SensitiveEvent)),
  /** Roles that administer users. */
  users: Type.Optional(OverviewUsers),
  health: OverviewHealth,
});
export type OverviewResponse = Static<typeof OverviewResponse>;

export const OverviewQuery = Type.Object({}, { additionalProperties: false });

/** Per account on the accounts list: from the mirror, in one query for the whole list. */
export const AccountActivity = Type.Object({
  active_cards: Type.Integer(),
  frozen_cards: Type.Integer(),
  /** Approved spend of the last 7 days per currency (only currencies with spend). */
  spend_7d: Type.Array(Type.Object({ currency: Currency, amount: Type.Integer() })),
  declines_7d: Type.Integer(),
});
export type AccountActivity = Static<typeof AccountActivity>;

/** (current - previous) / previous; null when there is nothing to compare with. */
export function relativeChange(current: number, previous: number): number | null {
  return previous === 0 ? null : (current - previous) / previous;
}
