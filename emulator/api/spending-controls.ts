// Spending controls of cards and cardholders (docs.stripe.com/issuing/controls/spending-controls):
// parameter schema, update semantics (a sent sub-field replaces that sub-field; '' clears it),
// the allowed/blocked exclusivity rules, and the default limit of a new card.
import type Stripe from 'stripe';
import { StripeApiError } from './errors.ts';
import { MERCHANT_CATEGORIES } from './merchant-categories.ts';
import { p, type ObjectSpec, type Params } from './params.ts';

export const SPENDING_LIMIT_INTERVALS = [
  'per_authorization',
  'daily',
  'weekly',
  'monthly',
  'yearly',
  'all_time',
] as const;
export const CARD_PRESENCES = ['present', 'not_present'] as const;

/** Stripe's default for a new card without spending limits: 500 (in the card's currency) per day. */
export const DEFAULT_DAILY_LIMIT = 50_000;

const country = p.string({
  pattern: /^[A-Z]{2}$/,
  patternMessage: 'Invalid country: must be a two-letter ISO 3166-1 country code',
});

export function spendingControlsParams(owner: 'card' | 'cardholder'): ObjectSpec {
  const categories = p.array(p.enum(MERCHANT_CATEGORIES), { emptyable: true });
  return p.object(
    {
      allowed_categories: categories,
      blocked_categories: categories,
      allowed_merchant_countries: p.array(country, { emptyable: true }),
      blocked_merchant_countries: p.array(country, { emptyable: true }),
      allowed_card_presences: p.array(p.enum(CARD_PRESENCES), { emptyable: true }),
      blocked_card_presences: p.array(p.enum(CARD_PRESENCES), { emptyable: true }),
      spending_limits: p.array(
        p.object({
          amount: p.integer({ required: true, min: 1 }),
          categories: p.array(p.enum(MERCHANT_CATEGORIES), { emptyable: true }),
          interval: p.enum(SPENDING_LIMIT_INTERVALS, { required: true }),
        }),
        { emptyable: true },
      ),
      ...(owner === 'cardholder'
        ? { spending_limits_currency: p.string({ pattern: /^[a-z]{3}$/, normalize: (s) => s.toLowerCase() }) }
        : {}),
    },
    { emptyable: true },
  );
}

type Controls = Stripe.Issuing.Card.SpendingControls | Stripe.Issuing.Cardholder.SpendingControls;

/** How an unset list looks: cards show null, cardholders an empty list (as in fixtures.json). */
export function emptySpendingControls(owner: 'card' | 'cardholder', currency: string | null): Controls {
  const unset = owner === 'card' ? null : [];
  return {
    allowed_categories: unset,
    allowed_merchant_countries: unset,
    blocked_categories: unset,
    blocked_merchant_countries: unset,
    allowed_card_presences: null,
    blocked_card_presences: null,
    spending_limits: [],
    spending_limits_currency: currency,
  };
}

const PAIRS: Array<[string, string]> = [
  ['allowed_categories', 'blocked_categories'],
  ['allowed_merchant_countries', 'blocked_merchant_countries'],
  ['allowed_card_presences', 'blocked_card_presences'],
];

/**
 * Applies validated `spending_controls` parameters to the current controls. `update === null`
 * (spending_controls='') resets them.
 */
export function applySpendingControls<C extends Controls>(
  current: C,
  update: Params | null | undefined,
  owner: 'card' | 'cardholder',
  currency: string | null,
): C {
  if (update === undefined) return current;
  const reset = emptySpendingControls(owner, currency) as unknown as Record<string, unknown>;
  if (update === null) return reset as unknown as C;
  const next: Record<string, unknown> = { ...(current as unknown as Record<string, unknown>) };
  for (const [key, value] of Object.entries(update)) {
    if (key === 'spending_limits') {
      next[key] = ((value as Params[] | null) ?? []).map((limit) => ({
        amount: limit.amount,
        categories: (limit.categories as string[] | null | undefined) ?? null,
        interval: limit.interval,
      }));
    } else {
      // An empty list is the same as unsetting it.
      next[key] = value === null || (Array.isArray(value) && value.length === 0) ? reset[key] : value;
    }
  }
  for (const [allowed, blocked] of PAIRS) {
    const a = next[allowed];
    const b = next[blocked];
    if (Array.isArray(a) && a.length > 0 && Array.isArray(b) && b.length > 0) {
      throw new StripeApiError(
        400,
        `You cannot set both \`spending_controls[${allowed}]\` and \`spending_controls[${blocked}]\`. Specify one or the other.`,
        { code: 'parameters_exclusive', param: `spending_controls[${blocked}]`, idempotent: false },
      );
    }
  }
  if (owner === 'card') next.spending_limits_currency = currency;
  else if (next.spending_limits_currency == null && (next.spending_limits as unknown[]).length > 0) {
    next.spending_limits_currency = currency;
  }
  return next as unknown as C;
}

/** A new card without spending limits gets Stripe's default daily limit. */
export function withDefaultLimit(controls: Stripe.Issuing.Card.SpendingControls): Stripe.Issuing.Card.SpendingControls {
  if (controls.spending_limits && controls.spending_limits.length > 0) return controls;
  return {
    ...controls,
    spending_limits: [{ amount: DEFAULT_DAILY_LIMIT, categories: null, interval: 'daily' }],
  };
}
