// What the browser does with Stripe.js and the Issuing Elements, done from a test against the
// emulator: a nonce made with the publishable key on the card's account, an ephemeral key for
// it, and the card retrieved with that key and its PCI fields expanded. Test-side knowledge only:
// the app server never sees any of it.
import type Stripe from 'stripe';

interface StackWithStripe {
  emulatorUrl: string;
  stripe: Stripe;
  config: { stripe: { publishableKey: string; apiVersion: string } };
}

/** What Stripe.js's createEphemeralKeyNonce does. Throws unless the emulator answers 200. */
export async function createNonce(
  stack: Omit<StackWithStripe, 'stripe'>,
  cardId: string,
  account: string,
): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/ephemeral_key_nonces`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.config.stripe.publishableKey}`,
      'stripe-account': account,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ issuing_card: cardId }).toString(),
  });
  if (res.status !== 200) throw new Error(`ephemeral_key_nonces answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { nonce: string }).nonce;
}

export interface RevealedCard {
  number?: string;
  cvc?: string;
  pin?: { number?: string } | null;
}

/** The card as an Issuing Element reads it: `expand` of `number`, `cvc`, `pin.number`. */
export async function readCardDetails(
  stack: StackWithStripe,
  cardId: string,
  account: string,
  expand: string[],
): Promise<RevealedCard> {
  const nonce = await createNonce(stack, cardId, account);
  const key = await stack.stripe.ephemeralKeys.create(
    { issuing_card: cardId, nonce },
    { apiVersion: stack.config.stripe.apiVersion, stripeAccount: account },
  );
  const query = expand.map((path) => `expand[]=${encodeURIComponent(path)}`).join('&');
  const res = await fetch(`${stack.emulatorUrl}/v1/issuing/cards/${cardId}?${query}`, {
    headers: { authorization: `Bearer ${key.secret}`, 'stripe-account': account },
  });
  return (await res.json()) as RevealedCard;
}
