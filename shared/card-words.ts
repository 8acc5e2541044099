// The dashboard's one vocabulary for cards (issue 20, "one vocabulary everywhere";
// docs/decisions/161-card-page-around-the-card.md): how a card is masked, what its status, type,
// limit intervals and merchant categories are called, and how dates read. The card page, its
// header, the limits and the lists say the same thing because they all ask here.
//
// Stripe's values stay Stripe's (`inactive`, `per_authorization`, `eating_places_restaurants`);
// only the words shown change. Stripe's own embedded components keep their words (the app cannot
// change them); the page beside them uses these.
//
// Imports only shared/: shared/ is imported by server/, client/ and emulator/.
import { INTERVAL_WORDS } from './spending-windows.ts';

/** The last four digits as every page masks a card number: "•••• 4242" (never more digits). */
export function cardMask(last4: string): string {
  return `•••• ${last4}`;
}

/** A card named for people: "Jenny Rosen •••• 4242". */
export function cardName(cardholderName: string | null | undefined, last4: string): string {
  return `${cardholderName || 'Unnamed cardholder'} ${cardMask(last4)}`;
}

// "Frozen" for Stripe's `inactive`: the action is "Freeze", and a frozen card is what people
// call one that declines everything until it is activated again.
const STATUS_NAMES: Readonly<Record<string, string>> = { active: 'Active', inactive: 'Frozen', canceled: 'Canceled' };

/** A card's status as the pages say it: Active, Frozen, Canceled. */
export function cardStatusName(status: string): string {
  return STATUS_NAMES[status] ?? sentenceCase(status);
}

/** Virtual or Physical. */
export function cardTypeName(type: string): string {
  return type === 'virtual' ? 'Virtual' : type === 'physical' ? 'Physical' : sentenceCase(type);
}

/** A limit's interval as a sentence ends: "per purchase", "per day", … "in total". */
export function intervalWords(interval: string): string {
  return INTERVAL_WORDS[interval] ?? interval.replaceAll('_', ' ');
}

// Stripe's category names are the card networks' (ISO 18245 merchant category codes, e.g.
// `eating_places_restaurants`); the common ones get the words people use, the rest read as
// Stripe spells them, in sentence case.
const CATEGORY_NAMES: Readonly<Record<string, string>> = {
  ac_refrigeration_repair: 'A/C and refrigeration repair',
  airlines_air_carriers: 'Airlines',
  automated_cash_disburse: 'ATM cash withdrawals',
  automated_fuel_dispensers: 'Fuel pumps',
  betting_casino_gambling: 'Betting and casinos',
  computer_software_stores: 'Software stores',
  drug_stores_and_pharmacies: 'Pharmacies',
  eating_places_restaurants: 'Restaurants',
  fast_food_restaurants: 'Fast food',
  grocery_stores_supermarkets: 'Groceries and supermarkets',
  hotels_motels_and_resorts: 'Hotels and resorts',
  miscellaneous_general_merchandise: 'General merchandise',
  service_stations: 'Gas stations',
  taxicabs_limousines: 'Taxis and limousines',
};

/** A merchant category as people say it: "Restaurants", "Taxis and limousines", "Book stores". */
export function categoryName(category: string): string {
  return CATEGORY_NAMES[category] ?? sentenceCase(category);
}

function sentenceCase(value: string): string {
  const text = value.replaceAll('_', ' ').trim();
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

// One date format: day, short month, year, 24-hour time ("3 Mar 2026, 14:05"). en-GB's order
// reads the same everywhere (no 3/4 vs 4/3); the time zone is the browser's unless one is given.
const DATE_TIME = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
} as const;
const DATE = { day: 'numeric', month: 'short', year: 'numeric' } as const;

/** "3 Mar 2026, 14:05" (the browser's time zone), or in `timeZone` with its name: "4 Mar 2026, 00:00 UTC". */
export function formatDateTime(seconds: number, timeZone?: string): string {
  const text = new Intl.DateTimeFormat('en-GB', { ...DATE_TIME, ...(timeZone ? { timeZone } : {}) }).format(
    new Date(seconds * 1000),
  );
  return timeZone ? `${text} ${timeZone}` : text;
}

/** "3 Mar 2026". */
export function formatDate(seconds: number, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { ...DATE, ...(timeZone ? { timeZone } : {}) }).format(
    new Date(seconds * 1000),
  );
}
