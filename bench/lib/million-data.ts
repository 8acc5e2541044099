// The "million cards" data set (bench/lib/million-cards.ts), computed rather than stored: card k,
// its cardholder and its account follow from k alone, so the emulator's process (which holds the
// cards) and the bench (which fills the app's card index with the same cards in bulk) agree
// without exchanging a million rows. 100 cards per connected account, 10 per cardholder: at
// 1,000,000 cards, 10,000 accounts and 100,000 cardholders, every name and email unique.

export const CARDS_PER_ACCOUNT = 100;
export const CARDS_PER_HOLDER = 10;
export const HOLDERS_PER_ACCOUNT = CARDS_PER_ACCOUNT / CARDS_PER_HOLDER;

/** BENCH_MILLION_CARDS (default 1,000,000), rounded down to whole accounts. */
export function millionCards(env: NodeJS.ProcessEnv = process.env): number {
  const raw = Number(env.BENCH_MILLION_CARDS ?? 1_000_000);
  if (!Number.isInteger(raw) || raw < CARDS_PER_ACCOUNT)
    throw new Error(`BENCH_MILLION_CARDS must be an integer >= ${CARDS_PER_ACCOUNT}, got "${env.BENCH_MILLION_CARDS}"`);
  return Math.floor(raw / CARDS_PER_ACCOUNT) * CARDS_PER_ACCOUNT;
}

// Stripe-shaped ids (acct_ + 16, ich_ / ic_ + 24 characters), fixed per position.
export const accountId = (a: number): string => `acct_1MBench${String(a).padStart(9, '0')}`;
export const cardholderId = (g: number): string => `ich_1MBench${String(g).padStart(17, '0')}`;
export const cardId = (k: number): string => `ic_1MBench${String(k).padStart(17, '0')}`;

/** A fixed mixing of k: last4 spread evenly over 0000-9999 (100 cards per last4 at 1M). */
function mix(k: number): number {
  let x = (k + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

// No first name ends another ("Ana" / "Juliana"), so a full-name search finds one cardholder.
const FIRST = [
  'Maria',
  'James',
  'Aiko',
  'Diego',
  'Hannah',
  'Tomasz',
  'Leila',
  'Samuel',
  'Priya',
  'Kwame',
  'Ingrid',
  'Mateo',
  'Fatima',
  'Oliver',
  'Chen',
  'Amara',
  'Lukas',
  'Sofia',
  'Ravi',
  'Elena',
  'Yusuf',
  'Grace',
  'Kenji',
  'Nadia',
  'Pedro',
  'Zara',
  'Emil',
  'Layla',
  'Arjun',
  'Freya',
  'Omar',
  'Clara',
  'Hugo',
  'Mei',
  'Tariq',
  'Ines',
  'Felix',
  'Noor',
  'Marco',
  'Astrid',
  'Kofi',
  'Beatriz',
  'Rafael',
  'Yara',
  'Anders',
  'Chloe',
  'Idris',
  'Vera',
  'Joaquin',
  'Siobhan',
];
const CONSONANTS = 'bdklmnrstv';
const VOWELS = 'aeiou';

/** Three two-letter syllables: 125,000 surnames of equal length, none inside another's place. */
function surname(s: number): string {
  const syllable = (n: number) => CONSONANTS[n % 10]! + VOWELS[Math.floor(n / 10) % 5]!;
  const word = syllable(s % 50) + syllable(Math.floor(s / 50) % 50) + syllable(Math.floor(s / 2500) % 50);
  return word[0]!.toUpperCase() + word.slice(1);
}

export interface BenchCardholder {
  id: string;
  account: string;
  name: string;
  email: string;
}

export function cardholderAt(g: number): BenchCardholder {
  const first = FIRST[g % FIRST.length]!;
  const last = surname(Math.floor(g / FIRST.length) * 7 + 3);
  const a = Math.floor(g / HOLDERS_PER_ACCOUNT);
  return {
    id: cardholderId(g),
    account: accountId(a),
    name: `${first} ${last}`,
    email: `${first}.${last}.${g}@acct${a}.example`.toLowerCase(),
  };
}

export interface BenchCard {
  id: string;
  account: string;
  cardholder: string;
  last4: string;
  created: number;
}

/** Cards were created one second apart, the last one a day before `now`. */
export function cardAt(k: number, total: number, now: number): BenchCard {
  return {
    id: cardId(k),
    account: accountId(Math.floor(k / CARDS_PER_ACCOUNT)),
    cardholder: cardholderId(Math.floor(k / CARDS_PER_HOLDER)),
    last4: String(mix(k) % 10_000).padStart(4, '0'),
    created: now - 86_400 - (total - k),
  };
}

/** A fixed "now" for one run, shared by the emulator's process and the bench (unix seconds). */
export const BENCH_EPOCH = 1_790_000_000;
