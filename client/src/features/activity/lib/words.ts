// How the activity panels put Stripe's values into words.
// Money one way, as Stripe's components show it ("$50.00").
import { INTERVAL_WORDS, formatMoney as formatAmount } from '@shared/spending-windows.ts';
import { categoryName } from '@shared/card-words.ts';

// The server's decline explanations use the same words (shared/spending-windows.ts); categories,
// dates and masks are the dashboard's one vocabulary (shared/card-words.ts).
export { INTERVAL_WORDS, formatAmount, categoryName };

export const words = (value: string) => value.replaceAll('_', ' ');

/** A few common merchant categories (Stripe's names) for the simulate form. */
export const COMMON_CATEGORIES = [
  'computer_software_stores',
  'eating_places_restaurants',
  'taxicabs_limousines',
  'airlines_air_carriers',
  'grocery_stores_supermarkets',
  'service_stations',
  'hotels_motels_and_resorts',
  'betting_casino_gambling',
  'miscellaneous_general_merchandise',
] as const;

/** "12.5" -> 1250 in a two-decimal currency; undefined for anything else. */
export function parseAmount(text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(trimmed)) return undefined;
  const [whole, fraction = ''] = trimmed.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}
