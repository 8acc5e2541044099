// Stripe.js for the platform's own payments (no connected account), through the official loader.
// In emulator mode the page already defines window.Stripe (the emulator's stand-in) and the
// loader uses it; otherwise it loads js.stripe.com.
import { loadStripe, type Stripe } from '@stripe/stripe-js';

const instances = new Map<string, Promise<Stripe>>();

export function paymentsStripe(publishableKey: string): Promise<Stripe> {
  let instance = instances.get(publishableKey);
  if (!instance) {
    instance = loadStripe(publishableKey).then((stripe) => {
      if (!stripe) throw new Error('Stripe.js is not available in this browser.');
      return stripe;
    });
    // A failed load (offline, blocked script) may succeed on the next attempt.
    instance.catch(() => instances.delete(publishableKey));
    instances.set(publishableKey, instance);
  }
  return instance;
}
