// A test purchase: a PaymentIntent on the platform, created and confirmed by the server with the
// browser's ConfirmationToken (docs.stripe.com/payments/finalize-payments-on-the-server). When it
// is paid with one of the platform's Issuing cards and declined, the decline is explained from
// that card's authorization (purchase-declines.ts).
import type Stripe from 'stripe';
import type { Decline, PaymentResponse } from '../../shared/api.ts';
import { badRequest } from '../errors.ts';
import { explainIssuingDecline } from './purchase-declines.ts';

export interface PurchaseOutcome {
  response: PaymentResponse;
  /** The platform card that paid, when the payment was declined and the card found. */
  card?: { id: string; account: string };
}

interface PurchaseInput {
  confirmationToken: string;
  amount: number;
  currency: string;
  /** Accounts whose cards the user may be told about (their scope). */
  accounts: () => Promise<string[]>;
}

function isCardError(error: unknown): error is Stripe.errors.StripeCardError {
  return (error as { type?: string }).type === 'StripeCardError';
}

export async function makeTestPurchase(stripe: Stripe, input: PurchaseInput): Promise<PurchaseOutcome> {
  const startedAt = Math.floor(Date.now() / 1000);
  try {
    const intent = await stripe.paymentIntents.create(
      {
        amount: input.amount,
        currency: input.currency,
        confirm: true,
        confirmation_token: input.confirmationToken,
        automatic_payment_methods: { enabled: true },
        description: 'Dashboard test purchase',
      },
      // A token confirms one payment: a retried request must not charge twice.
      { idempotencyKey: `test-purchase:${input.confirmationToken}:${input.amount}:${input.currency}` },
    );
    return { response: { status: intent.status, client_secret: intent.client_secret, payment_intent: intent.id } };
  } catch (error) {
    if (isCardError(error)) {
      const intent = error.payment_intent;
      const code = error.decline_code ?? error.code ?? 'card_declined';
      const explained = await explainDecline(stripe, input, code, startedAt).catch(() => undefined);
      const decline: Decline = explained?.decline ?? { code, reason: null, message: error.message || 'The card was declined.' };
      return {
        response: {
          status: intent?.status ?? 'requires_payment_method',
          client_secret: intent?.client_secret ?? null,
          payment_intent: intent?.id ?? null,
          decline,
        },
        ...(explained?.card ? { card: explained.card } : {}),
      };
    }
    const e = error as { type?: string; statusCode?: number; param?: string; code?: string; message?: string };
    if (e.type === 'StripeInvalidRequestError') {
      const aboutToken = e.param === 'confirmation_token' || (e.code === 'resource_missing' && /confirmation.?token/i.test(e.message ?? ''));
      if (aboutToken || e.code === 'confirmation_token_expired') {
        throw badRequest('This payment form has expired or was already used. Enter the card again.', 'confirmation_token', 'invalid_confirmation_token');
      }
      if (e.param === 'amount' || e.param === 'currency') throw badRequest(e.message || 'Stripe refused this amount.', e.param, 'payment_refused');
    }
    // Anything else is not the user's doing: the error handler answers 502.
    throw error;
  }
}

/** Finds the platform card that paid (by the token's last4 and expiry) and its authorization. */
async function explainDecline(
  stripe: Stripe,
  input: PurchaseInput,
  code: string,
  startedAt: number,
): Promise<{ decline: Decline; card: { id: string; account: string } } | undefined> {
  const token = await stripe.confirmationTokens.retrieve(input.confirmationToken);
  const preview = token.payment_method_preview?.card;
  if (!preview?.last4) return undefined;

  for (const account of await input.accounts()) {
    const cards = await stripe.issuing.cards.list({ last4: preview.last4, limit: 100 }, { stripeAccount: account });
    for (const card of cards.data) {
      if (card.exp_month !== preview.exp_month || card.exp_year !== preview.exp_year) continue;
      const authorization = await latestAuthorization(stripe, card.id, account, startedAt);
      if (!authorization) continue;
      const decline = await explainIssuingDecline(code, { stripe, card, account, authorization });
      return { decline, card: { id: card.id, account } };
    }
  }
  return undefined;
}

/** The card's newest authorization made during this purchase (a small allowance for clock skew). */
async function latestAuthorization(
  stripe: Stripe,
  cardId: string,
  account: string,
  startedAt: number,
): Promise<Stripe.Issuing.Authorization | undefined> {
  const list = await stripe.issuing.authorizations.list(
    { card: cardId, created: { gte: startedAt - 60 }, limit: 1 },
    { stripeAccount: account },
  );
  return list.data[0];
}
