import { TEST_PURCHASE } from '@shared/policy.ts';
// Money as everywhere in the dashboard and in Stripe's components ("$50.00").
import { formatMoney as formatAmount } from '@shared/spending-windows.ts';

export { formatAmount };

/** "12.5" -> 1250 (USD, EUR and GBP have two decimals); undefined for anything else. */
export function parseAmount(text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(trimmed)) return undefined;
  const [whole, fraction = ''] = trimmed.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Why the amount cannot be charged, or undefined when it can (the server checks the same bounds). */
export function amountProblem(amount: number | undefined, currency: string): string | undefined {
  if (amount === undefined) return 'Enter an amount such as 25.00.';
  if (amount < TEST_PURCHASE.minAmount || amount > TEST_PURCHASE.maxAmount) {
    return `Enter an amount between ${formatAmount(TEST_PURCHASE.minAmount, currency)} and ${formatAmount(TEST_PURCHASE.maxAmount, currency)}.`;
  }
  return undefined;
}
