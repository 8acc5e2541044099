// How Stripe decides an Issuing authorization, as a pure function of the card, its cardholder,
// the earlier approved spending, the amount, the merchant and the time
// (docs.stripe.com/issuing/purchases/authorizations, /issuing/controls/spending-controls):
//
// 1. card status: canceled -> card_canceled, inactive -> card_inactive, past expiry -> card_expired;
// 2. cardholder: blocked -> cardholder_blocked, inactive -> cardholder_inactive, a
//    requirements.disabled_reason -> cardholder_verification_required;
// 3. spending controls of the card and of the cardholder -> spending_controls: allowed/blocked
//    categories, merchant countries and card presences, then spending limits. A limit counts the
//    earlier approved spending in its window (card limits across the replacement_for chain,
//    cardholder limits across all their cards) in its categories; when several limits are
//    exceeded the most restrictive (least room left) is the one reported. Every authorization is
//    also capped at 10,000 USD (1,000,000 in the card currency's minor unit).
//
// Stripe fills `reason_message` only for webhook errors; the emulator also says which control
// declined ("Spending limit of 50.00 USD per_authorization exceeded") so that an app can show it.
import type Stripe from 'stripe';
import { formatAmount, windowStart } from '../../../shared/spending-windows.ts';

export type DeclineReason = Stripe.Issuing.Authorization.RequestHistory.Reason;

/** Stripe's fixed cap on a single authorization (10,000 USD). */
export const MAX_AUTHORIZATION_AMOUNT = 1_000_000;

type Controls = Stripe.Issuing.Card.SpendingControls | Stripe.Issuing.Cardholder.SpendingControls;

export interface DecisionCard {
  id: string;
  status: string;
  currency: string;
  exp_month: number;
  exp_year: number;
  spending_controls: Stripe.Issuing.Card.SpendingControls;
}

export interface DecisionCardholder {
  id: string;
  status: string;
  requirements: { disabled_reason: string | null } | null;
  spending_controls: Stripe.Issuing.Cardholder.SpendingControls | null;
}

/** Earlier approved spending: what an authorization holds or has captured. */
export interface SpendRecord {
  card: string;
  cardholder: string | null;
  created: number;
  category: string;
  amount: number;
}

export interface DecisionInput {
  card: DecisionCard;
  cardholder: DecisionCardholder;
  /** The card and the cards it replaces, up the replacement_for chain. */
  cardChain: readonly string[];
  earlier: readonly SpendRecord[];
  /** In the card's currency, minor unit. */
  amount: number;
  category: string;
  merchantCountry: string | null;
  cardPresence: 'present' | 'not_present' | null;
  /** Seconds since the epoch. */
  now: number;
}

export interface Decision {
  approved: boolean;
  /** For an approval without a webhook: `card_active`. */
  reason: DeclineReason;
  reasonMessage: string | null;
}

const decline = (reason: DeclineReason, reasonMessage: string): Decision => ({
  approved: false,
  reason,
  reasonMessage,
});

function statusDecision(input: DecisionInput): Decision | undefined {
  const { card, cardholder, now } = input;
  if (card.status === 'canceled') return decline('card_canceled', 'The card is canceled.');
  if (card.status === 'inactive') return decline('card_inactive', 'The card is inactive.');
  const nowDate = new Date(now * 1000);
  const year = nowDate.getUTCFullYear();
  const month = nowDate.getUTCMonth() + 1;
  if (card.exp_year < year || (card.exp_year === year && card.exp_month < month)) {
    return decline('card_expired', 'The card has expired.');
  }
  if (cardholder.status === 'blocked') return decline('cardholder_blocked', 'The cardholder is blocked.');
  if (cardholder.status === 'inactive') return decline('cardholder_inactive', 'The cardholder is inactive.');
  const disabled = cardholder.requirements?.disabled_reason;
  if (disabled) {
    return decline(
      'cardholder_verification_required',
      `The cardholder needs verification (requirements.disabled_reason: ${disabled}).`,
    );
  }
  return undefined;
}

const nonEmpty = (list: readonly string[] | null | undefined): list is readonly string[] =>
  Array.isArray(list) && list.length > 0;

type Owner = 'card' | 'cardholder';
const ownerLabel = (owner: Owner): string => (owner === 'card' ? "the card's" : "the cardholder's");

function listDecision(controls: Controls, owner: Owner, input: DecisionInput): Decision | undefined {
  const { category, merchantCountry, cardPresence } = input;
  if (nonEmpty(controls.allowed_categories) && !controls.allowed_categories.includes(category)) {
    return decline(
      'spending_controls',
      `Merchant category ${category} is not in ${ownerLabel(owner)} allowed_categories.`,
    );
  }
  if (nonEmpty(controls.blocked_categories) && controls.blocked_categories.includes(category)) {
    return decline('spending_controls', `Merchant category ${category} is in ${ownerLabel(owner)} blocked_categories.`);
  }
  const country = merchantCountry ?? 'unknown';
  if (nonEmpty(controls.allowed_merchant_countries) && !controls.allowed_merchant_countries.includes(country)) {
    return decline(
      'spending_controls',
      `Merchant country ${country} is not in ${ownerLabel(owner)} allowed_merchant_countries.`,
    );
  }
  if (nonEmpty(controls.blocked_merchant_countries) && controls.blocked_merchant_countries.includes(country)) {
    return decline(
      'spending_controls',
      `Merchant country ${country} is in ${ownerLabel(owner)} blocked_merchant_countries.`,
    );
  }
  const presence = cardPresence ?? 'not_present';
  if (nonEmpty(controls.allowed_card_presences) && !controls.allowed_card_presences.includes(presence)) {
    return decline(
      'spending_controls',
      `Card presence ${presence} is not in ${ownerLabel(owner)} allowed_card_presences.`,
    );
  }
  if (nonEmpty(controls.blocked_card_presences) && controls.blocked_card_presences.includes(presence)) {
    return decline('spending_controls', `Card presence ${presence} is in ${ownerLabel(owner)} blocked_card_presences.`);
  }
  return undefined;
}

interface Violation {
  /** How much of the limit was left before this authorization; the smallest is the most restrictive. */
  room: number;
  message: string;
}

function limitViolations(controls: Controls, owner: Owner, input: DecisionInput): Violation[] {
  const { amount, category, now, card } = input;
  const currency = (controls.spending_limits_currency ?? card.currency).toLowerCase();
  const inScope = (record: SpendRecord): boolean =>
    owner === 'card' ? input.cardChain.includes(record.card) : record.cardholder === input.cardholder.id;
  const out: Violation[] = [];
  for (const limit of controls.spending_limits ?? []) {
    const categories = limit.categories;
    if (nonEmpty(categories) && !categories.includes(category)) continue;
    const start = windowStart(limit.interval, now);
    const spent =
      start === undefined
        ? 0
        : input.earlier
            .filter(
              (r) =>
                inScope(r) && r.created >= start && (!nonEmpty(categories) || categories.includes(r.category as never)),
            )
            .reduce((sum, r) => sum + r.amount, 0);
    if (spent + amount <= limit.amount) continue;
    const prefix = owner === 'card' ? 'Spending limit' : 'Cardholder spending limit';
    const scope = nonEmpty(categories) ? ` for ${categories.join(', ')}` : '';
    const already = spent > 0 ? ` (${formatAmount(spent, currency)} already spent)` : '';
    out.push({
      room: limit.amount - spent,
      message: `${prefix} of ${formatAmount(limit.amount, currency)} ${limit.interval}${scope} exceeded${already}.`,
    });
  }
  return out;
}

export function decide(input: DecisionInput): Decision {
  const status = statusDecision(input);
  if (status) return status;

  const cardControls = input.card.spending_controls;
  const holderControls = input.cardholder.spending_controls;
  const listed =
    listDecision(cardControls, 'card', input) ??
    (holderControls ? listDecision(holderControls, 'cardholder', input) : undefined);
  if (listed) return listed;

  const violations = [
    ...limitViolations(cardControls, 'card', input),
    ...(holderControls ? limitViolations(holderControls, 'cardholder', input) : []),
  ];
  if (input.amount > MAX_AUTHORIZATION_AMOUNT) {
    violations.push({
      room: MAX_AUTHORIZATION_AMOUNT,
      message: `Amount exceeds the maximum of ${formatAmount(MAX_AUTHORIZATION_AMOUNT, input.card.currency)} per authorization.`,
    });
  }
  if (violations.length > 0) {
    // Stable sort: on a tie the card's limit (listed first) is reported.
    const [worst] = [...violations].sort((a, b) => a.room - b.room);
    return decline('spending_controls', worst!.message);
  }
  return { approved: true, reason: 'card_active', reasonMessage: null };
}
