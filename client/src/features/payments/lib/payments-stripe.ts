// Stripe.js for test purchases on a connected account, through the official loader. Issued test
// cards work only within their own account (docs.stripe.com/issuing/testing), so the purchase is
// a direct charge on the card's account: Stripe.js is initialised with `stripeAccount`, and the
// ConfirmationToken it creates belongs to that account (docs.stripe.com/connect/direct-charges).
// In emulator mode the page already defines window.Stripe (the emulator's stand-in) and the
// loader uses it; otherwise it loads js.stripe.com.
import { loadStripe, type Stripe } from '@stripe/stripe-js';

const instances = new Map<string, Promise<Stripe>>();

export function paymentsStripe(publishableKey: string, stripeAccount: string): Promise<Stripe> {
  const cacheKey = `${publishableKey}\u0000${stripeAccount}`;
  let instance = instances.get(cacheKey);
  if (!instance) {
    instance = loadStripe(publishableKey, { stripeAccount }).then((stripe) => {
      if (!stripe) throw new Error('Stripe.js is not available in this browser.');
      return stripe;
    });
    // A failed load (offline, blocked script) may succeed on the next attempt.
    instance.catch(() => instances.delete(cacheKey));
    instances.set(cacheKey, instance);
  }
  return instance;
}
