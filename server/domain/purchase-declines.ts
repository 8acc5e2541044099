// Why a test purchase paid with one of the platform's own Issuing cards was declined, in words a
// user understands ("Declined by the spending limit 50.00 USD per authorization").
//
// Stripe's payment error says only `card_declined`. The Issuing side knows more: the card's
// authorization carries the reason (`request_history[].reason`, e.g. `spending_controls`), but
// not which control. So this module finds the card (by the ConfirmationToken's last4 and expiry,
// among the accounts the user reaches), reads its latest authorization, and replays the
// documented rules against the card's and cardholder's controls to name the one that declined
// (docs.stripe.com/issuing/controls/spending-controls: categories first, then limits, the most
// restrictive limit wins). Only public API calls: it works the same against Stripe.
import type Stripe from 'stripe';
import type { Decline, DeclineControl } from '../../shared/api.ts';
import { formatAmount, windowStart } from '../../shared/spending-windows.ts';

type Controls = Stripe.Issuing.Card.SpendingControls | Stripe.Issuing.Cardholder.SpendingControls;
type Limit = { amount: number; interval: string; categories?: string[] | null };

const INTERVAL_WORDS: Record<string, string> = {
  per_authorization: 'per authorization',
  daily: 'per day',
  weekly: 'per week',
  monthly: 'per month',
  yearly: 'per year',
  all_time: 'in total',
};

function humanize(value: string): string {
  return value.replaceAll('_', ' ');
}

const REASON_MESSAGES: Record<string, string> = {
  account_disabled: 'Declined because the card’s account is disabled.',
  card_inactive: 'Declined because the card is frozen (inactive).',
  card_canceled: 'Declined because the card is canceled.',
  card_expired: 'Declined because the card has expired.',
  cardholder_blocked: 'Declined because the cardholder is blocked.',
  cardholder_inactive: 'Declined because the cardholder is inactive.',
  cardholder_verification_required: 'Declined because the cardholder still needs to be verified.',
  insufficient_funds: 'Declined because the Issuing balance has insufficient funds.',
  not_allowed: 'Declined: this kind of transaction is not allowed on the card.',
  suspected_fraud: 'Declined as suspected fraud.',
  verification_failed: 'Declined because the card’s CVC, expiry or address did not match.',
  webhook_declined: 'Declined by the platform’s real-time authorization.',
  webhook_timeout: 'Declined because the platform’s real-time authorization did not answer in time.',
  webhook_error: 'Declined because the platform’s real-time authorization answered with an error.',
  spending_controls: 'Declined by the card’s spending controls.',
};

function appliesTo(limit: Limit, category: string | null): boolean {
  return !limit.categories?.length || (category !== null && limit.categories.includes(category));
}

function describeLimit(limit: Limit, currency: string): string {
  const base = `${formatAmount(limit.amount, currency)} ${INTERVAL_WORDS[limit.interval] ?? humanize(limit.interval)}`;
  return limit.categories?.length ? `${base} on ${limit.categories.map(humanize).join(', ')}` : base;
}

export interface DeclineContext {
  card: Stripe.Issuing.Card;
  account: string;
  authorization: Stripe.Issuing.Authorization;
  /**
   * Approved spend so far in a window starting at `since` (unix seconds), excluding this
   * authorization: of the card, or of all the cardholder's cards (cardholder limits span them).
   */
  spentSince: (since: number, scope: 'card' | 'cardholder') => Promise<number>;
  now: Date;
}

function cardholderControls(card: Stripe.Issuing.Card): Controls | null {
  const holder = card.cardholder as Stripe.Issuing.Cardholder | string;
  return typeof holder === 'object' && holder ? holder.spending_controls ?? null : null;
}

/** The control that explains a `spending_controls` decline, or undefined if none does. */
async function controlThatDeclined(ctx: DeclineContext, amount: number): Promise<{ control: DeclineControl; message: string } | undefined> {
  const category = ctx.authorization.merchant_data?.category ?? null;
  const owners: Array<['card' | 'cardholder', Controls | null]> = [
    ['card', ctx.card.spending_controls],
    ['cardholder', cardholderControls(ctx.card)],
  ];

  const country = ctx.authorization.merchant_data?.country ?? null;
  for (const [scope, controls] of owners) {
    if (!controls || !country) continue;
    const allowed = (controls.allowed_merchant_countries ?? []) as string[];
    const blocked = (controls.blocked_merchant_countries ?? []) as string[];
    if ((allowed.length && !allowed.includes(country)) || blocked.includes(country)) {
      return {
        control: { type: allowed.length ? 'allowed_merchant_countries' : 'blocked_merchant_countries', scope, card: ctx.card.id },
        message: `Declined because purchases from merchants in ${country} are not allowed on this ${scope}.`,
      };
    }
  }
  for (const [scope, controls] of owners) {
    if (!controls || !category) continue;
    const allowed = (controls.allowed_categories ?? []) as string[];
    const blocked = (controls.blocked_categories ?? []) as string[];
    if (allowed.length && !allowed.includes(category)) {
      return {
        control: { type: 'allowed_categories', scope, categories: allowed, card: ctx.card.id },
        message: `Declined because the merchant category “${humanize(category)}” is not among the ${scope}’s allowed categories.`,
      };
    }
    if (blocked.includes(category)) {
      return {
        control: { type: 'blocked_categories', scope, categories: blocked, card: ctx.card.id },
        message: `Declined because the merchant category “${humanize(category)}” is blocked on this ${scope}.`,
      };
    }
  }

  // Every limit this purchase would exceed; the most restrictive (least room left) is named.
  const exceeded: Array<{ scope: 'card' | 'cardholder'; limit: Limit; currency: string; room: number }> = [];
  for (const [scope, controls] of owners) {
    if (!controls) continue;
    const currency = (controls.spending_limits_currency ?? ctx.card.currency) as string;
    for (const limit of (controls.spending_limits ?? []) as Limit[]) {
      if (!appliesTo(limit, category)) continue;
      if (limit.interval === 'per_authorization') {
        if (amount > limit.amount) exceeded.push({ scope, limit, currency, room: limit.amount });
        continue;
      }
      const since = windowStart(limit.interval, Math.floor(ctx.now.getTime() / 1000));
      if (since === undefined) continue;
      const room = limit.amount - (await ctx.spentSince(since, scope));
      if (amount > room) exceeded.push({ scope, limit, currency, room });
    }
  }
  exceeded.sort((a, b) => a.room - b.room);
  const first = exceeded[0];
  if (!first) return undefined;
  const { scope, limit, currency } = first;
  return {
    control: {
      type: 'spending_limit',
      scope,
      amount: limit.amount,
      currency,
      interval: limit.interval,
      ...(limit.categories?.length ? { categories: [...limit.categories] } : {}),
      card: ctx.card.id,
    },
    message: `Declined by the ${scope === 'cardholder' ? 'cardholder’s ' : ''}spending limit ${describeLimit(limit, currency)}.`,
  };
}

/** The decline, explained from the Issuing authorization of one of the platform's cards. */
export async function explainIssuingDecline(code: string, ctx: DeclineContext): Promise<Decline> {
  const history = ctx.authorization.request_history ?? [];
  const last = history.at(-1);
  const reason = last?.reason ?? null;
  const amount = last?.amount ?? ctx.authorization.pending_request?.amount ?? ctx.authorization.amount;

  if (reason === 'spending_controls') {
    const found = await controlThatDeclined(ctx, amount);
    if (found) return { code, reason, message: found.message, control: found.control };
  }
  if (reason === 'card_inactive' || reason === 'card_canceled' || reason === 'card_expired') {
    return { code, reason, message: REASON_MESSAGES[reason]!, control: { type: 'card_status', scope: 'card', card: ctx.card.id } };
  }
  if (reason?.startsWith('cardholder_')) {
    return { code, reason, message: REASON_MESSAGES[reason] ?? 'Declined because of the cardholder.', control: { type: 'cardholder', scope: 'cardholder', card: ctx.card.id } };
  }
  const message = (reason && REASON_MESSAGES[reason]) ?? `Declined by the card’s issuer${reason ? ` (${humanize(reason)})` : ''}.`;
  return { code, reason, message };
}
