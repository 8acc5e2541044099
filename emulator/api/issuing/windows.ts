// Spending-limit windows as Stripe's API reference defines them (spending_limits.interval):
// daily from midnight UTC, weekly from Sunday at midnight UTC, monthly from the 1st at midnight
// UTC, yearly from January 1st at midnight UTC; all_time has no start; per_authorization is not
// a window at all.

export type LimitInterval = 'per_authorization' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'all_time';

/**
 * The start (seconds since the epoch) of the window of `interval` that contains `nowSeconds`;
 * `-Infinity` for all_time, `undefined` for per_authorization.
 */
export function windowStart(interval: LimitInterval, nowSeconds: number): number | undefined {
  const now = new Date(nowSeconds * 1000);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (interval) {
    case 'per_authorization':
      return undefined;
    case 'all_time':
      return Number.NEGATIVE_INFINITY;
    case 'daily':
      return Date.UTC(y, m, d) / 1000;
    case 'weekly':
      // getUTCDay(): 0 = Sunday.
      return Date.UTC(y, m, d - now.getUTCDay()) / 1000;
    case 'monthly':
      return Date.UTC(y, m, 1) / 1000;
    case 'yearly':
      return Date.UTC(y, 0, 1) / 1000;
  }
}
