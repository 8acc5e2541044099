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
  constructor(
    message: string,
    /** Stripe.js's error type, when it failed before the app server was asked (the nonce). */
    readonly stripeErrorType?: string,
  ) {
    super(message);
  }

  /** Stripe.js could not reach Stripe, or Stripe failed on its side (decision 152): nothing was asked of the app server. */
  get unreachable(): boolean {
    return this.stripeErrorType === 'api_connection_error' || this.stripeErrorType === 'api_error';
  }
}

/** A fresh single-use nonce for the card, from Stripe.js. */
export async function createRevealNonce(stripe: Stripe, cardId: string): Promise<string> {
  const nonceResult = await stripe.createEphemeralKeyNonce({ issuingCard: cardId });
  if (nonceResult.error || !nonceResult.nonce) {
    throw new StripeRevealError(
      `Stripe could not start the reveal: ${nonceResult.error?.message ?? 'no nonce was returned'}.`,
      nonceResult.error?.type,
    );
  }
  return nonceResult.nonce;
}

/**
 * A nonce is kept at most this long before it is used. Stripe documents no lifetime for nonces
 * (the emulator gives them 10 minutes); a minute keeps well inside any plausible one.
 */
export const PREPARED_NONCE_MAX_AGE_MS = 60_000;

/**
 * Asks Stripe.js for the nonce as soon as the reveal view opens, so that pressing "Reveal" starts
 * with the app server's audited key exchange instead of a round trip to Stripe. A nonce grants
 * nothing by itself (only the server's ephemeral key does, after its checks). The returned
 * function hands the prepared nonce out once while it is fresh, else a new one.
 */
export function prepareRevealNonce(
  stripe: Stripe,
  cardId: string,
  now: () => number = Date.now,
): () => Promise<string> {
  const preparedAt = now();
  let prepared: Promise<string> | null = createRevealNonce(stripe, cardId);
  prepared.catch(() => {
    /* a failed advance nonce is replaced when taken */
  });
  return () => {
    const ready = prepared;
    prepared = null;
    if (ready && now() - preparedAt < PREPARED_NONCE_MAX_AGE_MS)
      return ready.catch(() => createRevealNonce(stripe, cardId));
    return createRevealNonce(stripe, cardId);
  };
}

export interface RevealCredentialOptions {
  /** The card's connected account, when known: the server then skips its lookup (and verifies it). */
  account?: string;
  /** The card's PCI fields the elements will show (`retrieveIssuingCard`'s `expand`). */
  expand?: readonly string[];
  /** Where the nonce comes from; a new one from Stripe.js by default. */
  nonce?: () => Promise<string>;
}

export async function obtainRevealCredentials(
  stripe: Stripe,
  cardId: string,
  reason: string | undefined,
  options: RevealCredentialOptions = {},
): Promise<RevealCredentials> {
  const nonce = await (options.nonce ?? (() => createRevealNonce(stripe, cardId)))();
  const key = await createRevealKey({
    card_id: cardId,
    nonce,
    ...(reason ? { reason } : {}),
    ...(options.account ? { account: options.account } : {}),
  });
  const credentials = { ephemeralKeySecret: key.ephemeralKeySecret, nonce };
  // With `expand`, Stripe.js fetches the card once for all the elements, inside its own frame.
  const retrieved = await retrieveIssuingCard(stripe, cardId, {
    ...credentials,
    ...(options.expand ? { expand: options.expand } : {}),
  });
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
