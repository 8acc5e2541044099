// PaymentIntents as stored per account, the Issuing authorization a payment holds, and the
// checks and saving every endpoint shares.
import type Stripe from 'stripe';
import { invalidParam, missingParameter, resourceMissing } from '../../errors.ts';
import type { IssuingLink } from '../../payments/issued-card.ts';
import type { ApiContext } from '../../router.ts';
import type { AccountData } from '../../store.ts';

export const OBJECT_NAME = 'payment_intent';
const INTENTS = 'payment_intent';
/** Emulator bookkeeping, never rendered: the Issuing authorization a payment holds. */
const LINKS = 'emulator.payment_intent_issuing';

export const intents = (data: AccountData) => data.collection<Stripe.PaymentIntent>(INTENTS);
export const links = (data: AccountData) => data.collection<IssuingLink & { id: string }>(LINKS);

export function find(ctx: ApiContext, id: string, param = 'intent'): Stripe.PaymentIntent {
  const intent = intents(ctx.data).get(id);
  if (!intent) throw resourceMissing(OBJECT_NAME, id, param);
  return intent;
}

/** A publishable key needs the client secret (Stripe.js); a secret key does not. */
export function checkClientSecret(ctx: ApiContext, intent: Stripe.PaymentIntent, clientSecret: unknown): void {
  if (ctx.principal.kind !== 'publishable') return;
  if (clientSecret === undefined) throw missingParameter('client_secret');
  if (clientSecret !== intent.client_secret) {
    throw invalidParam(
      'The client_secret provided does not match the client_secret associated with the PaymentIntent.',
      'client_secret',
    );
  }
}

export function save(
  ctx: ApiContext,
  before: Stripe.PaymentIntent,
  after: Stripe.PaymentIntent,
  event?: string,
): Stripe.PaymentIntent {
  intents(ctx.data).replace(after);
  if (event) {
    const previous: Record<string, unknown> = {};
    for (const key of Object.keys(after) as Array<keyof Stripe.PaymentIntent>) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
    }
    ctx.emit(event, after, previous);
  }
  return after;
}
