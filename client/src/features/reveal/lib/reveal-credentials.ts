// The ephemeral key chain of Issuing Elements (docs.stripe.com/issuing/elements): Stripe.js makes
// a single-use nonce for the card, the app server exchanges it for an ephemeral key (auditing the
// reveal), and Stripe.js registers the card with that key. Used for the first reveal and for each
// refresh.
import type { Stripe } from '@stripe/stripe-js';
import { createRevealKey } from '../api/create-reveal-key.ts';
import { retrieveIssuingCard } from './issuing-stripe.ts';

export interface RevealCredentials {
  issuingCard: string;
  nonce: string;
  ephemeralKeySecret: string;
  /** Unix seconds when the key stops working. */
  expires: number;
}

/** A failure on Stripe's side of the chain (the app server's refusals are ApiErrors). */
export class StripeRevealError extends Error {
  override readonly name = 'StripeRevealError';
}

export async function obtainRevealCredentials(stripe: Stripe, cardId: string, reason: string | undefined): Promise<RevealCredentials> {
  const nonceResult = await stripe.createEphemeralKeyNonce({ issuingCard: cardId });
  if (nonceResult.error || !nonceResult.nonce) {
    throw new StripeRevealError(`Stripe could not start the reveal: ${nonceResult.error?.message ?? 'no nonce was returned'}.`);
  }
  const nonce = nonceResult.nonce;
  const key = await createRevealKey({ card_id: cardId, nonce, ...(reason ? { reason } : {}) });
  const credentials = { ephemeralKeySecret: key.ephemeralKeySecret, nonce };
  const retrieved = await retrieveIssuingCard(stripe, cardId, credentials);
  if (retrieved.error) {
    throw new StripeRevealError(`Stripe could not load the card: ${retrieved.error.message ?? 'unknown error'}.`);
  }
  return { issuingCard: cardId, ...credentials, expires: key.expires };
}

/** Refresh a minute before the key expires (Stripe: keys for Issuing Elements last 15 minutes). */
export const REFRESH_MARGIN_MS = 60_000;
/** Never wait longer than Stripe's documented lifetime allows, whatever `expires` says. */
const MAX_REFRESH_DELAY_MS = 14 * 60_000;
/**
 * Never sooner than this: `expires` is the server's clock and the browser's may be ahead, and
 * every refresh is an audited, rate-limited reveal.
 */
const MIN_REFRESH_DELAY_MS = 60_000;

/** Milliseconds from `now` until the key expiring at `expires` (unix seconds) should be replaced. */
export function refreshDelayMs(expires: number, now: number = Date.now()): number {
  return Math.min(MAX_REFRESH_DELAY_MS, Math.max(MIN_REFRESH_DELAY_MS, expires * 1000 - now - REFRESH_MARGIN_MS));
}
