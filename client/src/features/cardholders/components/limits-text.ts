import { formatMoney } from '@shared/spending-windows.ts';

interface Limit {
  amount: number;
  interval: string;
  categories?: string[] | null;
}

const INTERVALS: Record<string, string> = {
  per_authorization: 'per authorization',
  daily: 'per day',
  weekly: 'per week',
  monthly: 'per month',
  yearly: 'per year',
  all_time: 'in total',
};

export const INTERVAL_OPTIONS = Object.entries(INTERVALS);

/** "$500.00 per day, $50.00 per authorization", in the card or cardholder's currency. */
export function limitsText(controls: Record<string, unknown>, fallbackCurrency = 'usd'): string {
  const limits = (controls.spending_limits as Limit[] | undefined) ?? [];
  if (limits.length === 0) return 'No limits';
  const currency = (controls.spending_limits_currency as string | null | undefined) ?? fallbackCurrency;
  return limits
    .map(
      (l) =>
        `${formatMoney(l.amount, currency)} ${INTERVALS[l.interval] ?? l.interval}${l.categories?.length ? ` (${l.categories.join(', ')})` : ''}`,
    )
    .join(', ');
}
