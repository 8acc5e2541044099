// Identifiers with Stripe's prefixes. Stripe ids are opaque base62 strings; the length after the
// prefix (24 for most objects, 16 for accounts) matches what Stripe returns in test mode.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A source of random bytes; the seed passes a deterministic one so its ids never change. */
export type RandomSource = (size: number) => Uint8Array;

export const cryptoRandom: RandomSource = (size) => randomBytes(size);

export function randomString(length: number, random: RandomSource = cryptoRandom): string {
  // 62 does not divide 256, so reject bytes >= 248 to keep every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function randomDigits(length: number, random: RandomSource = cryptoRandom): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < 250 && out.length < length) out += String(byte % 10);
    }
  }
  return out;
}

export const ID_LENGTH: Record<string, number> = { acct: 16 };

export function newId(prefix: string, random: RandomSource = cryptoRandom): string {
  // Stripe's modern ids begin with "1" followed by the rest of the random part.
  return `${prefix}_1${randomString((ID_LENGTH[prefix] ?? 24) - 1, random)}`;
}

/** Secrets (client secrets, ephemeral key secrets, tokens) are longer and unguessable. */
export function newSecret(prefix: string, length = 48): string {
  return `${prefix}${randomString(length)}`;
}

/** Deterministic bytes (mulberry32) for seed data: same seed, same ids, every run. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (size) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = next() & 0xff;
    return out;
  };
}
