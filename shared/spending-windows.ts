// Spending-limit windows and amounts as Stripe's API reference defines them, shared by the
// emulator (which enforces the limits) and the server (which explains a decline by replaying
// them): both must agree to the second on where a window starts.
//
// spending_limits.interval: daily from midnight UTC, weekly from Sunday at midnight UTC, monthly
// from the 1st at midnight UTC, yearly from January 1st at midnight UTC; all_time has no start
// (the epoch stands in for it); per_authorization is not a window at all.
//
// Imports nothing: shared/ is imported by server/, client/ and emulator/.

export type LimitInterval = 'per_authorization' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'all_time';

/**
 * The start (seconds since the epoch) of the window of `interval` that contains `nowSeconds`:
 * 0 for all_time, `undefined` for per_authorization or an interval Stripe does not define.
 */
export function windowStart(interval: LimitInterval | (string & {}), nowSeconds: number): number | undefined {
  const now = new Date(nowSeconds * 1000);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (interval) {
    case 'all_time':
      return 0;
    case 'daily':
      return Date.UTC(y, m, d) / 1000;
    case 'weekly':
      // getUTCDay(): 0 = Sunday.
      return Date.UTC(y, m, d - now.getUTCDay()) / 1000;
    case 'monthly':
      return Date.UTC(y, m, 1) / 1000;
    case 'yearly':
      return Date.UTC(y, 0, 1) / 1000;
    default:
      return undefined;
  }
}

/**
 * When the window of `interval` that contains `nowSeconds` ends, i.e. when the limit resets
 * (seconds since the epoch): the next midnight UTC, Sunday, 1st of the month or January 1st.
 * `undefined` for all_time and per_authorization, which never reset.
 */
export function windowEnd(interval: LimitInterval | (string & {}), nowSeconds: number): number | undefined {
  const now = new Date(nowSeconds * 1000);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (interval) {
    case 'daily':
      return Date.UTC(y, m, d + 1) / 1000;
    case 'weekly':
      return Date.UTC(y, m, d - now.getUTCDay() + 7) / 1000;
    case 'monthly':
      return Date.UTC(y, m + 1, 1) / 1000;
    case 'yearly':
      return Date.UTC(y + 1, 0, 1) / 1000;
    default:
      return undefined;
  }
}

// Currencies without minor units (docs.stripe.com/currencies#zero-decimal).
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/**
 * An amount in the currency's smallest unit as the dashboard shows it everywhere, the way Stripe's
 * embedded components format money (Intl currency style): 5000 usd -> "$50.00", 500 jpy -> "¥500",
 * 5000 eur -> "€50.00". en-US unless a locale is given, so server messages and pages agree.
 */
export function formatMoney(amount: number, currency: string, locale = 'en-US'): string {
  const code = currency.toUpperCase();
  const major = ZERO_DECIMAL.has(currency.toLowerCase()) ? amount : amount / 100;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(major);
  } catch {
    return formatAmount(amount, currency); // a code Intl does not know
  }
}

/** An amount in the currency's smallest unit, as the emulator's messages print it: 5000 usd -> "50.00 USD", 500 jpy -> "500 JPY". */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  return ZERO_DECIMAL.has(currency.toLowerCase()) ? `${amount} ${code}` : `${(amount / 100).toFixed(2)} ${code}`;
}

/** Whether `currency` has no minor units (docs.stripe.com/currencies#zero-decimal): amounts are whole units. */
export function isZeroDecimal(currency: string): boolean {
  return ZERO_DECIMAL.has(currency.toLowerCase());
}

/** Stripe's `spending_limits[].interval` values, in the order people read them, with their names. */
export const LIMIT_INTERVALS: readonly (readonly [LimitInterval, string])[] = [
  ['per_authorization', 'Per authorization'],
  ['daily', 'Per day'],
  ['weekly', 'Per week'],
  ['monthly', 'Per month'],
  ['yearly', 'Per year'],
  ['all_time', 'All time'],
];

/** A limit's interval as a sentence ends: "$50.00 per purchase", "$500.00 per day" (explanations, remaining limits). */
export const INTERVAL_WORDS: Readonly<Record<string, string>> = {
  per_authorization: 'per purchase',
  daily: 'per day',
  weekly: 'per week',
  monthly: 'per month',
  yearly: 'per year',
  all_time: 'in total',
};
