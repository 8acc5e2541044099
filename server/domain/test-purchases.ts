// A test purchase: a PaymentIntent on the connected account that issued the card, created and
// confirmed by the server with the browser's ConfirmationToken
// (docs.stripe.com/payments/finalize-payments-on-the-server). Stripe's issued test cards work
// "only for testing within your Stripe account" (docs.stripe.com/issuing/testing): a purchase on
// the platform with a connected account's card never reaches that card. So the page initialises
// Stripe.js with `stripeAccount` (its ConfirmationToken belongs to that account) and the server
// creates and confirms the PaymentIntent on the same account (`stripeContext`) - a direct charge, which
// needs the account's `card_payments` capability. When the card declines, the decline is
// explained from that card's authorization (purchase-declines.ts).
import type Stripe from 'stripe';
import type { Decline, PaymentResponse } from '../../shared/api.ts';
import { HttpError, badRequest, notFound } from '../errors.ts';
import { explainIssuingDecline } from './purchase-declines.ts';
import { isNotOnAccount, stripeFailure } from './stripe-errors.ts';

export interface PurchaseOutcome {
  response: PaymentResponse;
  /** The account's card that paid, when the payment was declined and the card found. */
  card?: { id: string; account: string };
}

interface PurchaseInput {
  /** The connected account taking the payment: the one that issued the card (the user reaches it). */
  account: string;
  confirmationToken: string;
  amount: number;
  currency: string;
}

function cardPaymentsInactive(status: string | undefined): HttpError {
  return new HttpError(
    409,
    'card_payments_inactive',
    `This account cannot take card payments: its card_payments capability is ${status ?? 'not requested'} on Stripe. ` +
      'Request the capability and provide what Stripe requires for it, then try again.',
    'account',
  );
}

/** The account must exist for the platform and take card payments, before the card goes anywhere. */
async function checkAccountTakesCards(stripe: Stripe, account: string): Promise<void> {
  let found: Stripe.Account;
  try {
    found = await stripe.accounts.retrieve(account);
  } catch (error) {
    if (isNotOnAccount(error)) throw notFound('No such connected account.', 'account_not_found');
    throw error;
  }
  const status = found.capabilities?.card_payments;
  if (status !== 'active') throw cardPaymentsInactive(status);
}

export async function makeTestPurchase(stripe: Stripe, input: PurchaseInput): Promise<PurchaseOutcome> {
  const startedAt = Math.floor(Date.now() / 1000);
  await checkAccountTakesCards(stripe, input.account);
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
      {
        stripeContext: input.account,
        idempotencyKey: `test-purchase:${input.account}:${input.confirmationToken}:${input.amount}:${input.currency}`,
      },
    );
    return { response: { status: intent.status, client_secret: intent.client_secret, payment_intent: intent.id } };
  } catch (error) {
    const failure = stripeFailure(error);
    if (failure?.kind === 'card_declined') {
      const cardError = error as Stripe.errors.StripeCardError;
      const intent = cardError.payment_intent;
      const code = cardError.decline_code ?? cardError.code ?? 'card_declined';
      const explained = await explainDecline(stripe, input, code, startedAt).catch(() => undefined);
      const decline: Decline = explained?.decline ?? {
        code,
        reason: null,
        message: cardError.message || 'The card was declined.',
      };
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
    if (failure?.kind === 'capability_inactive') throw cardPaymentsInactive(undefined);
    if (failure?.kind === 'invalid_request' || failure?.kind === 'not_found') {
      // The token is the account's: one made for another account (or the platform) is "no such token" here.
      const aboutToken =
        failure.field === 'confirmation_token' ||
        (failure.code === 'resource_missing' && /confirmation.?token/i.test(failure.message));
      if (aboutToken || failure.code === 'confirmation_token_expired') {
        throw badRequest(
          'This payment form has expired or was already used. Enter the card again.',
          'confirmation_token',
          'invalid_confirmation_token',
        );
      }
      if (failure.field === 'amount' || failure.field === 'currency') {
        throw badRequest(failure.message || 'Stripe refused this amount.', failure.field, 'payment_refused');
      }
    }
    // Anything else is not the user's doing: the error handler answers it (domain/stripe-errors.ts).
    throw error;
  }
}

/** Finds the account's card that paid (by the token's last4 and expiry) and its authorization. */
async function explainDecline(
  stripe: Stripe,
  input: PurchaseInput,
  code: string,
  startedAt: number,
): Promise<{ decline: Decline; card: { id: string; account: string } } | undefined> {
  const { account } = input;
  const token = await stripe.confirmationTokens.retrieve(input.confirmationToken, {}, { stripeContext: account });
  const preview = token.payment_method_preview?.card;
  if (!preview?.last4) return undefined;

  const cards = await stripe.issuing.cards.list({ last4: preview.last4, limit: 100 }, { stripeContext: account });
  for (const card of cards.data) {
    if (card.exp_month !== preview.exp_month || card.exp_year !== preview.exp_year) continue;
    const authorization = await latestAuthorization(stripe, card.id, account, startedAt);
    if (!authorization) continue;
    const decline = await explainIssuingDecline(code, { stripe, card, account, authorization });
    return { decline, card: { id: card.id, account } };
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
    { stripeContext: account },
  );
  return list.data[0];
}
