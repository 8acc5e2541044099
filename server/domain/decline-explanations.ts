// Why Stripe declined an authorization, in words a user understands, with a next step. The
// decision is Stripe's: the explanation starts from the reason Stripe recorded on the deciding
// request (`request_history[].reason`), never from the app deciding again. For
// `spending_controls` Stripe does not say which control it was (its `reason_message` is only
// filled for webhook errors: API reference, issuing authorization object), so the explanation
// lists the card's and cardholder's controls this purchase ran into, with what was already spent
// in the limit's window at that moment (./spending-usage.ts, the same sums as the remaining-limit
// view). When none of today's controls explains it (they changed since), it says so instead of
// guessing. docs/decisions/080-decline-explanations.md.
import type Stripe from 'stripe';
import type { Explanation, MatchedControl } from '../../shared/authorizations-api.ts';
import { INTERVAL_WORDS, formatMoney as formatAmount, windowStart } from '../../shared/spending-windows.ts';
import { cardholderOf, limitCovers, limitsOf, type SpendHistory } from './spending-usage.ts';

type Reason = Stripe.Issuing.Authorization.RequestHistory.Reason;

/**
 * Every `request_history[].reason` Stripe documents (stripe-node `Issuing/Authorizations.d.ts`,
 * `RequestHistory.Reason`; OpenAPI spec 2026-07-29) with a sentence and a next step. Meanings:
 * docs.stripe.com/issuing/purchases/authorizations, /issuing/controls/spending-controls,
 * /issuing/controls/real-time-authorizations, /issuing/cards/pin-management,
 * /issuing/cards/virtual (card status), /issuing/cardholders (status, requirements).
 */
export const REASONS: Readonly<Record<string, { message: string; next_step: string }>> = {
  account_disabled: {
    message: 'Declined because the connected account that issued this card cannot use Issuing right now.',
    next_step:
      'Check the account’s card_issuing capability and its open requirements in Stripe; the card works again once the account is enabled.',
  },
  card_active: {
    message: 'Decided by Stripe with the card active and no real-time authorization asked.',
    next_step: 'Nothing to change on the card.',
  },
  card_canceled: {
    message: 'Declined because the card is canceled.',
    next_step: 'A canceled card cannot be used again: issue the cardholder a new card.',
  },
  card_expired: {
    message: 'Declined because the card has expired.',
    next_step: 'Issue a replacement card (replacement_reason expired keeps the number).',
  },
  card_inactive: {
    message: 'Declined because the card is frozen (inactive).',
    next_step: 'Activate the card if the cardholder should be able to pay with it.',
  },
  cardholder_blocked: {
    message: 'Declined because the cardholder is blocked.',
    next_step: 'Stripe does not let a blocked cardholder be unblocked; contact Stripe support if this is a mistake.',
  },
  cardholder_inactive: {
    message: 'Declined because the cardholder is inactive.',
    next_step: 'Set the cardholder to active to let their cards be used.',
  },
  cardholder_verification_required: {
    message: 'Declined because Stripe needs more information about the cardholder before their cards can be used.',
    next_step: 'Provide the cardholder’s missing requirements (requirements.past_due) in Stripe.',
  },
  insecure_authorization_method: {
    message: 'Declined because the purchase used an authorization method Stripe considers insecure.',
    next_step: 'Ask the cardholder to pay another way: chip, contactless or online.',
  },
  insufficient_funds: {
    message: 'Declined because the account’s Issuing balance did not cover the amount.',
    next_step: 'Add funds to the connected account’s Issuing balance, then try again.',
  },
  network_fallback: {
    message:
      'Decided by the card network on Stripe’s behalf (stand-in processing) because Stripe could not be reached.',
    next_step: 'Nothing to change; the cardholder can try again.',
  },
  not_allowed: {
    message: 'Declined because this kind of transaction is not allowed on this card.',
    next_step: 'Check with Stripe which transaction types the card program allows.',
  },
  pin_blocked: {
    message: 'Declined because the card’s PIN is blocked after three wrong PIN entries.',
    next_step: 'Activate the card again (online PIN) or set the PIN again (offline PIN).',
  },
  spending_controls: {
    message: 'Declined by the spending controls of the card or its cardholder.',
    next_step: 'Change the control that stopped it, or wait until the limit’s window resets.',
  },
  stripe_internal_error: {
    message: 'Declined because of an error at Stripe.',
    next_step: 'Ask the cardholder to try again; if it keeps happening, contact Stripe support.',
  },
  suspected_fraud: {
    message: 'Declined by Stripe as suspected fraud.',
    next_step: 'Confirm the purchase with the cardholder; if it was theirs they can try again.',
  },
  verification_failed: {
    message: 'Declined because the CVC, expiry date or address given did not match the card.',
    next_step: 'Ask the cardholder to enter the card details again exactly as on the card.',
  },
  webhook_approved: {
    message: 'Approved by the platform’s real-time authorization.',
    next_step: 'Nothing to change.',
  },
  webhook_declined: {
    message: 'Declined by the platform’s real-time authorization.',
    next_step: 'Check the platform’s real-time authorization rules for this card.',
  },
  webhook_error: {
    message: 'Declined because the platform’s real-time authorization answered with something Stripe could not read.',
    next_step: 'Check the webhook endpoint: it must answer 200 with JSON {"approved": …} and a Stripe-Version header.',
  },
  webhook_timeout: {
    message: 'Declined because the platform’s real-time authorization did not answer within 2 seconds.',
    next_step: 'Check that the webhook endpoint is up and fast, and the timeout setting in Stripe’s Issuing settings.',
  },
};

const WINDOW_WORDS: Record<string, string> = {
  daily: 'that day',
  weekly: 'that week',
  monthly: 'that month',
  yearly: 'that year',
  all_time: 'in total',
};

const words = (value: string) => value.replaceAll('_', ' ');
const owner = (scope: 'card' | 'cardholder') => (scope === 'card' ? 'card' : 'cardholder');

/** Stripe's default cap on one authorization: 10,000 USD (docs.stripe.com/issuing/controls/spending-controls). */
const STRIPE_MAXIMUM = 1_000_000;

/** The deciding request: the last of request_history (an increment adds one). */
export function decidingRequest(
  auth: Stripe.Issuing.Authorization,
): Stripe.Issuing.Authorization.RequestHistory | undefined {
  return auth.request_history?.at(-1);
}

/** The amount asked for: a declined authorization's `amount` is 0, its request keeps it. */
export function requestedAmount(auth: Stripe.Issuing.Authorization): number {
  return decidingRequest(auth)?.amount ?? auth.amount;
}

type ListControls = Pick<
  Stripe.Issuing.Card.SpendingControls,
  'allowed_categories' | 'blocked_categories' | 'allowed_merchant_countries' | 'blocked_merchant_countries'
> & {
  allowed_card_presences?: string[] | null;
  blocked_card_presences?: string[] | null;
};

function listMatches(
  controls: ListControls | null | undefined,
  scope: 'card' | 'cardholder',
  auth: Stripe.Issuing.Authorization,
): MatchedControl[] {
  if (!controls) return [];
  const out: MatchedControl[] = [];
  const category = auth.merchant_data?.category;
  const country = auth.merchant_data?.country ?? null;
  const presence = auth.card_presence ?? null;
  const check = (
    type: MatchedControl['type'],
    values: readonly string[] | null | undefined,
    value: string | null | undefined,
    allowed: boolean,
    what: string,
  ) => {
    if (!values?.length || value == null) return;
    if (allowed ? !values.includes(value) : values.includes(value)) {
      out.push({
        type,
        scope,
        values: [...values],
        detail: allowed
          ? `${what} ${words(value)} is not among the ${owner(scope)}’s allowed ${words(type.replace('allowed_', ''))}.`
          : `${what} ${words(value)} is blocked on the ${owner(scope)}.`,
      });
    }
  };
  check('allowed_categories', controls.allowed_categories, category, true, 'Merchant category');
  check('blocked_categories', controls.blocked_categories, category, false, 'Merchant category');
  check('allowed_merchant_countries', controls.allowed_merchant_countries, country, true, 'Merchant country');
  check('blocked_merchant_countries', controls.blocked_merchant_countries, country, false, 'Merchant country');
  check('allowed_card_presences', controls.allowed_card_presences, presence, true, 'Card presence');
  check('blocked_card_presences', controls.blocked_card_presences, presence, false, 'Card presence');
  return out;
}

/** The card's and cardholder's controls this declined purchase ran into, with the spend at that moment. */
async function matchedControls(
  card: Stripe.Issuing.Card,
  auth: Stripe.Issuing.Authorization,
  history: SpendHistory,
): Promise<MatchedControl[]> {
  const amount = requestedAmount(auth);
  const category = auth.merchant_data?.category;
  const matched = [
    ...listMatches(card.spending_controls, 'card', auth),
    ...listMatches(cardholderOf(card)?.spending_controls, 'cardholder', auth),
  ];
  const limits = limitsOf(card);
  // Every window's spend asked at once: a history that adds up in the database answers them in
  // one question (./spending-usage.ts SpendHistory).
  const spends = await Promise.all(
    limits.map(({ scope, limit }) => {
      const start =
        limit.interval === 'per_authorization' || !limitCovers(limit, category)
          ? undefined
          : windowStart(limit.interval, auth.created);
      return start === undefined
        ? Promise.resolve(undefined)
        : history.spent(scope, limit, start, auth.created, auth.id);
    }),
  );
  for (const [i, { scope, limit, currency }] of limits.entries()) {
    if (!limitCovers(limit, category)) continue;
    const base = {
      type: 'spending_limit' as const,
      scope,
      amount: limit.amount,
      currency,
      interval: limit.interval,
      categories: limit.categories?.length ? [...limit.categories] : null,
    };
    const limitWords = `${formatAmount(limit.amount, currency)} ${INTERVAL_WORDS[limit.interval] ?? words(limit.interval)}${
      limit.categories?.length ? ` on ${limit.categories.map(words).join(', ')}` : ''
    }`;
    if (limit.interval === 'per_authorization') {
      if (amount > limit.amount) {
        matched.push({
          ...base,
          detail: `${formatAmount(amount, currency)} is more than the ${owner(scope)}’s limit of ${limitWords}.`,
        });
      }
      continue;
    }
    const spent = spends[i];
    if (spent === undefined) continue;
    if (spent + amount > limit.amount) {
      matched.push({
        ...base,
        spent,
        detail: `${formatAmount(spent, currency)} was already spent ${WINDOW_WORDS[limit.interval] ?? ''}; ${formatAmount(amount, currency)} more would pass the ${owner(scope)}’s limit of ${limitWords}.`,
      });
    }
  }
  if (amount > STRIPE_MAXIMUM && card.currency === 'usd') {
    matched.push({
      type: 'maximum_per_authorization',
      scope: 'stripe',
      amount: STRIPE_MAXIMUM,
      currency: card.currency,
      detail: `Stripe declines any single authorization above ${formatAmount(STRIPE_MAXIMUM, card.currency)}.`,
    });
  }
  // The tightest limit first: the one with the least room left is the one a user must change.
  return matched.sort((a, b) => room(a) - room(b));
}

function room(control: MatchedControl): number {
  if (control.type !== 'spending_limit' && control.type !== 'maximum_per_authorization') return -Infinity;
  return (control.amount ?? 0) - (control.spent ?? 0);
}

/**
 * The explanation of a declined authorization, or undefined for an approved one. `history`
 * must reach back to the earliest window of the card's limits at the authorization's time.
 */
export async function explainAuthorization(
  card: Stripe.Issuing.Card,
  auth: Stripe.Issuing.Authorization,
  history: SpendHistory,
): Promise<Explanation | undefined> {
  if (auth.approved) return undefined;
  const request = decidingRequest(auth);
  const reason: Reason | null = request?.reason ?? null;
  const known = reason ? REASONS[reason] : undefined;
  if (!reason || !known) {
    return {
      reason: reason ?? 'unknown',
      message: `Declined by Stripe${reason ? ` (reason: ${words(reason)})` : ''}.`,
      next_step: 'Open this authorization in the Stripe Dashboard for details.',
    };
  }
  if (reason === 'webhook_error' && request?.reason_message) {
    return {
      reason,
      message: known.message,
      next_step: `${known.next_step} Stripe said: “${request.reason_message.slice(0, 300)}”`,
    };
  }
  if (reason !== 'spending_controls') return { reason, ...known };

  const controls = await matchedControls(card, auth, history);
  const first = controls[0];
  if (!first) {
    return {
      reason,
      message: `${known.message} None of the card’s current controls explains it: they may have changed since.`,
      next_step: known.next_step,
      controls,
    };
  }
  const resets =
    first.type === 'spending_limit' &&
    first.interval &&
    first.interval !== 'all_time' &&
    first.interval !== 'per_authorization';
  return {
    reason,
    message: `Declined by the ${first.scope === 'stripe' ? 'Stripe maximum' : `${owner(first.scope)}’s spending controls`}: ${first.detail}`,
    next_step:
      first.type === 'spending_limit'
        ? `Raise the limit${resets ? ', or wait until its window resets' : ''}, or ask for a smaller amount.`
        : first.type === 'maximum_per_authorization'
          ? 'Split the purchase; Stripe’s maximum cannot be raised here.'
          : `Change the ${owner(first.scope as 'card' | 'cardholder')}’s ${words(first.type)} if this purchase should be allowed.`,
    controls,
  };
}
