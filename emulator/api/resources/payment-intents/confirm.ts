// Confirming a PaymentIntent: the PaymentMethod it pays with (a ConfirmationToken, a saved or a
// test PaymentMethod), then the outcome: from an Issuing authorization when the number is one of
// the emulator's issued cards (../../payments/issued-card.ts), else from Stripe's test cards
// (../../payments/test-cards.ts): success, a 402 decline, or a 3D Secure challenge.
import type Stripe from 'stripe';
import { StripeApiError, invalidParam, invalidRequest, resourceMissing } from '../../errors.ts';
import { p, type Params } from '../../params.ts';
import type { ApiContext } from '../../router.ts';
import {
  cardSources,
  createCardPaymentMethod,
  emptyBillingDetails,
  paymentMethods,
  type CardSource,
} from '../../payments/card-sources.ts';
import { authorizeIssuedCard, findIssuedCard } from '../../payments/issued-card.ts';
import { LIVE_CARD_IN_TEST_MODE, TEST_CARDS, type CardOutcome } from '../../payments/test-cards.ts';
import { CONFIRMATION_TOKENS, sourceOfPaymentMethod } from '../confirmation-tokens.ts';
import { links, save } from './store.ts';

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

export const confirmParams = {
  confirmation_token: p.string(),
  payment_method: p.string(),
  return_url: p.string(),
  error_on_requires_action: p.boolean(),
  use_stripe_sdk: p.boolean(),
  receipt_email: p.string({ emptyable: true }),
  capture_method: p.enum(['automatic', 'automatic_async', 'manual']),
  setup_future_usage: p.enum(['off_session', 'on_session'], { emptyable: true }),
  // `boolean | 'one_off' | 'recurring'` (Stripe.PaymentIntentCreateParams.off_session): either string is off-session too.
  off_session: p.union([p.boolean(), p.enum(['one_off', 'recurring'])]),
  mandate_data: p.object({}),
};

/** The PaymentMethod this confirmation pays with, created from a ConfirmationToken or test PaymentMethod when needed. */
export function paymentSource(
  ctx: ApiContext,
  intent: Stripe.PaymentIntent,
  params: Params,
): { pm: Stripe.PaymentMethod; source: Omit<CardSource, 'id'> } | undefined {
  if (params.confirmation_token !== undefined) {
    const tokenId = params.confirmation_token as string;
    const tokens = ctx.data.collection<Stripe.ConfirmationToken>(CONFIRMATION_TOKENS);
    const token = tokens.get(tokenId);
    const stored = cardSources(ctx.data).get(tokenId);
    if (!token || !stored) throw resourceMissing('confirmationtoken', tokenId, 'confirmation_token', 400);
    if (token.payment_intent !== null || token.setup_intent !== null) {
      throw invalidRequest(
        `The ConfirmationToken ${tokenId} has already been used to confirm a PaymentIntent or SetupIntent.`,
        {
          code: 'confirmation_token_already_used',
          param: 'confirmation_token',
        },
      );
    }
    if (token.expires_at !== null && token.expires_at <= ctx.now()) {
      throw invalidRequest(`The ConfirmationToken ${tokenId} has expired.`, {
        code: 'confirmation_token_expired',
        param: 'confirmation_token',
      });
    }
    tokens.replace({ ...token, payment_intent: intent.id });
    const { id: _id, ...source } = stored;
    const pm = createCardPaymentMethod(
      ctx.data,
      source,
      token.payment_method_preview?.billing_details ?? emptyBillingDetails(),
      ctx.now(),
    );
    return { pm, source };
  }
  const pmId = (params.payment_method as string | undefined) ?? (intent.payment_method as string | null) ?? undefined;
  if (pmId === undefined) return undefined;
  const existing = paymentMethods(ctx.data).get(pmId);
  const existingSource = cardSources(ctx.data).get(pmId);
  if (existing && existingSource) {
    const { id: _id, ...source } = existingSource;
    return { pm: existing, source };
  }
  // pm_card_visa and friends: Stripe makes a new PaymentMethod for each use.
  const { source, billing } = sourceOfPaymentMethod(ctx, pmId);
  return { pm: createCardPaymentMethod(ctx.data, source, billing, ctx.now()), source };
}

export function succeed(ctx: ApiContext, intent: Stripe.PaymentIntent, pm: Stripe.PaymentMethod): Stripe.PaymentIntent {
  const manual = intent.capture_method === 'manual';
  const next: Stripe.PaymentIntent = {
    ...intent,
    payment_method: pm.id,
    last_payment_error: null,
    next_action: null,
    status: manual ? 'requires_capture' : 'succeeded',
    amount_capturable: manual ? intent.amount : 0,
    amount_received: manual ? 0 : intent.amount,
  };
  return save(ctx, intent, next, manual ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded');
}

/** Records the failure on the PaymentIntent and throws the 402 Stripe answers. */
function fail(
  ctx: ApiContext,
  intent: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  outcome: Extract<CardOutcome, { kind: 'decline' }>,
): never {
  const error = new StripeApiError(402, outcome.message, {
    type: 'card_error',
    code: outcome.code,
    extra: { ...(outcome.declineCode ? { decline_code: outcome.declineCode } : {}), payment_method: pm },
  });
  const next: Stripe.PaymentIntent = {
    ...intent,
    payment_method: null,
    next_action: null,
    status: 'requires_payment_method',
    last_payment_error: { ...error.body },
  };
  save(ctx, intent, next, 'payment_intent.payment_failed');
  error.body.payment_intent = next;
  throw error;
}

/**
 * A connected account takes card payments only with an active `card_payments` capability. Stripe's
 * answer (quoted in Subscribie/subscribie#408, https://github.com/Subscribie/subscribie/issues/408,
 * after https://stripe.com/guides/important-update-for-connect): "You cannot create a charge on a
 * connected account without the `card_payments` capability enabled." The platform itself is not
 * checked (its capabilities are Stripe's business, not the platform's API).
 */
function checkCardPayments(ctx: ApiContext): void {
  if (ctx.account === ctx.store.platformAccountId) return;
  const account = ctx.store.accounts.get(ctx.account);
  if (account?.capabilities?.card_payments === 'active') return;
  throw invalidRequest(
    'You cannot create a charge on a connected account without the `card_payments` capability enabled.',
    {},
  );
}

export async function confirmIntent(
  ctx: ApiContext,
  intent: Stripe.PaymentIntent,
  params: Params,
): Promise<Stripe.PaymentIntent> {
  if (!CONFIRMABLE.includes(intent.status)) {
    throw invalidRequest(
      `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      { code: 'payment_intent_unexpected_state', extra: { payment_intent: intent } },
    );
  }
  if (params.confirmation_token !== undefined && params.payment_method !== undefined) {
    throw invalidParam(
      'You cannot specify both `confirmation_token` and `payment_method`. Specify one or the other.',
      'payment_method',
      'parameters_exclusive',
    );
  }
  let current: Stripe.PaymentIntent = {
    ...intent,
    ...(params.capture_method !== undefined
      ? { capture_method: params.capture_method as Stripe.PaymentIntent.CaptureMethod }
      : {}),
    ...(params.receipt_email !== undefined ? { receipt_email: params.receipt_email as string | null } : {}),
  };
  const paying = paymentSource(ctx, current, params);
  if (!paying) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.",
      { code: 'payment_intent_unexpected_state', extra: { payment_intent: intent } },
    );
  }
  checkCardPayments(ctx);
  const { pm, source } = paying;
  current = { ...current, payment_method: pm.id };

  const issued = findIssuedCard(ctx.store, ctx.account, source);
  if (issued) {
    const auth = await authorizeIssuedCard(ctx, issued, source, current, current.capture_method !== 'manual');
    if (!auth.approved) {
      return fail(ctx, current, pm, {
        kind: 'decline',
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
      });
    }
    links(ctx.data).replace({ id: current.id, account: issued.account, authorization: auth.id });
    return succeed(ctx, current, pm);
  }

  const outcome = TEST_CARDS[source.number]?.outcome ?? LIVE_CARD_IN_TEST_MODE;
  switch (outcome.kind) {
    case 'succeed':
      return succeed(ctx, current, pm);
    case 'decline':
      return fail(ctx, current, pm, outcome);
    case 'three_d_secure': {
      if (
        params.error_on_requires_action === true ||
        (params.off_session !== undefined && params.off_session !== false)
      ) {
        return fail(ctx, current, pm, {
          kind: 'decline',
          code: 'authentication_required',
          declineCode: 'authentication_required',
          message: 'Your card was declined. This transaction requires authentication.',
        });
      }
      const next: Stripe.PaymentIntent = {
        ...current,
        status: 'requires_action',
        last_payment_error: null,
        next_action: {
          type: 'use_stripe_sdk',
          use_stripe_sdk: {
            type: 'three_d_secure_redirect',
            stripe_js: `${ctx.runtime.publicUrl}/_emulator/frames/three-ds.html`,
          },
        },
      };
      return save(ctx, intent, next, 'payment_intent.requires_action');
    }
  }
}
