// Stripe.js for Issuing Elements on a connected account, through the official loader. In
// emulator mode the page already defines window.Stripe (the emulator's stand-in) and the loader
// uses it; otherwise it loads js.stripe.com.
import { loadStripe, type Stripe } from '@stripe/stripe-js';

/**
 * Issuing Elements for connected accounts need these betas (docs.stripe.com/issuing/elements,
 * "Web API integration with Connect"); with `issuing_elements_2` the card must be retrieved with
 * `stripe.retrieveIssuingCard` before any element is created.
 */
export const ISSUING_ELEMENTS_BETAS = ['issuing_add_to_wallet_button_element_1', 'issuing_elements_2'];

const instances = new Map<string, Promise<Stripe>>();

/** One Stripe instance per (publishable key, connected account), kept for the page's life. */
export function issuingStripeFor(publishableKey: string, account: string): Promise<Stripe> {
  const cacheKey = `${publishableKey}|${account}`;
  let instance = instances.get(cacheKey);
  if (!instance) {
    instance = loadStripe(publishableKey, { stripeAccount: account, betas: ISSUING_ELEMENTS_BETAS }).then((stripe) => {
      if (!stripe) throw new Error('Stripe.js is not available in this browser.');
      return stripe;
    });
    // A failed load (offline, blocked script) may succeed on the next attempt.
    instance.catch(() => instances.delete(cacheKey));
    instances.set(cacheKey, instance);
  }
  return instance;
}

interface RetrieveIssuingCardOptions {
  ephemeralKeySecret: string;
  nonce: string;
  /** PCI fields the elements will show (`number`, `cvc`, `pin.number`); they stay inside Stripe's frames. */
  expand?: readonly string[];
}

interface RetrieveIssuingCardResult {
  issuingCard?: { id: string };
  error?: { message?: string };
}

/**
 * `stripe.retrieveIssuingCard` (issuing_elements_2), which @stripe/stripe-js 10.2.1 does not type
 * yet. Registers the card with Stripe.js so that elements for it can be created.
 */
export async function retrieveIssuingCard(
  stripe: Stripe,
  cardId: string,
  credentials: RetrieveIssuingCardOptions,
): Promise<RetrieveIssuingCardResult> {
  const retrieve = (
    stripe as unknown as {
      retrieveIssuingCard?: (id: string, options: RetrieveIssuingCardOptions) => Promise<RetrieveIssuingCardResult>;
    }
  ).retrieveIssuingCard;
  if (typeof retrieve !== 'function') return {};
  return retrieve.call(stripe, cardId, credentials);
}
