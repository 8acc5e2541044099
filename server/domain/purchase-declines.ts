// Why a test purchase paid with one of the platform's own Issuing cards was declined. Stripe's
// payment error says only `card_declined`; the card's Issuing authorization says why, and
// ./decline-explanations.ts turns that into words (from Stripe's request_history reason, never
// by deciding again: docs/decisions/080-decline-explanations.md). This module only maps that
// explanation onto the test purchase's `decline` shape.
import type Stripe from 'stripe';
import type { Decline, DeclineControl } from '../../shared/api.ts';
import { explainAuthorization } from './decline-explanations.ts';
import { SpendHistory, StripeSpendSource, earliestWindow } from './spending-usage.ts';

export interface DeclineContext {
  stripe: Stripe;
  card: Stripe.Issuing.Card;
  account: string;
  authorization: Stripe.Issuing.Authorization;
}

/** The decline, explained from the Issuing authorization of one of the platform's cards. */
export async function explainIssuingDecline(code: string, ctx: DeclineContext): Promise<Decline> {
  const { card, authorization } = ctx;
  // A test purchase's decline, moments old: Stripe's list has it before any webhook could.
  const history = new SpendHistory(
    new StripeSpendSource(ctx.stripe, ctx.account),
    card,
    earliestWindow(card, authorization.created),
  );
  const explanation = await explainAuthorization(card, authorization, history);
  if (!explanation) return { code, reason: null, message: 'The card was declined.' };
  const reason = explanation.reason === 'unknown' ? null : explanation.reason;
  const message = `${explanation.message} ${explanation.next_step}`;
  const first = explanation.controls?.[0];
  let control: DeclineControl | undefined;
  if (first) {
    control = {
      type: first.type,
      ...(first.scope !== 'stripe' ? { scope: first.scope } : {}),
      ...(first.amount !== undefined ? { amount: first.amount } : {}),
      ...(first.currency ? { currency: first.currency } : {}),
      ...(first.interval ? { interval: first.interval } : {}),
      ...(first.categories?.length
        ? { categories: first.categories }
        : first.values && first.type.endsWith('categories')
          ? { categories: first.values }
          : {}),
      card: card.id,
    };
  } else if (
    reason === 'card_inactive' ||
    reason === 'card_canceled' ||
    reason === 'card_expired' ||
    reason === 'pin_blocked'
  ) {
    control = { type: 'card_status', scope: 'card', card: card.id };
  } else if (reason?.startsWith('cardholder_')) {
    control = { type: 'cardholder', scope: 'cardholder', card: card.id };
  }
  return { code, reason, message, ...(control ? { control } : {}) };
}
