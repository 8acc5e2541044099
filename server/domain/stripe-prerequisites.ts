// Refusals that no user can fix: Stripe says no because the platform lacks something only Stripe
// enables. The user is told what is missing and who can fix it, instead of "Stripe did not answer
// as expected".
//
// Issuing Elements on connected accounts: the ephemeral key for a connected account's card is
// refused with an authorization error (HTTP 403, stripe-node's StripePermissionError) until Stripe
// enables the feature for the platform (https://docs.stripe.com/issuing/elements, Issuing Elements
// with Connect). Card numbers, CVCs and PINs (the PIN display
// is an Issuing Element too) all need that key.
import { HttpError } from '../errors.ts';
import { stripeErrorKind } from './stripe-errors.ts';

export const ISSUING_ELEMENTS_DOCS = 'https://docs.stripe.com/issuing/elements';

/**
 * The app's error for Stripe's refusal of an ephemeral key, or null when it is something else. Every
 * card this app shows is on a connected account, and the card was just retrieved there with the
 * same key (so the account and card are fine): a permission error on the key (403 other than
 * `account_invalid`, stripe-errors.ts `not_permitted`) is the missing feature.
 */
export function ephemeralKeyPrerequisiteError(err: unknown): HttpError | null {
  if (stripeErrorKind(err) !== 'not_permitted') return null;
  return new HttpError(
    403,
    'issuing_elements_not_enabled',
    `Stripe refused the key that shows card details: Issuing Elements are not enabled for this platform's connected accounts. ` +
      `Only Stripe can enable them; the platform's administrators must ask Stripe support (${ISSUING_ELEMENTS_DOCS}).`,
  );
}
