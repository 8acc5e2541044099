// Test card numbers for issued cards: Visa, 16 digits, passing the Luhn check, in the 400000 range
// Stripe uses for test cards. Deterministic when given a deterministic random source.
import { cryptoRandom, randomDigits, type RandomSource } from './ids.ts';

export const ISSUED_CARD_BIN = '400000';

export function luhnCheckDigit(partial: string): number {
  let sum = 0;
  // Walk from the right; the check digit will sit to the right of `partial`, so the rightmost
  // digit of `partial` is doubled.
  for (let i = 0; i < partial.length; i++) {
    let digit = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function passesLuhn(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  return luhnCheckDigit(number.slice(0, -1)) === Number(number.slice(-1));
}

export function newCardNumber(random: RandomSource = cryptoRandom): string {
  const body = ISSUED_CARD_BIN + randomDigits(9, random);
  return body + String(luhnCheckDigit(body));
}

export function newCvc(random: RandomSource = cryptoRandom): string {
  return randomDigits(3, random);
}
