// The emulator's 3D Secure challenge, as the 3DS frame completes or fails it
// (POST /_emulator/three_d_secure/:intent/complete|fail).
import type Stripe from 'stripe';
import { emitAs } from '../../emit-as.ts';
import { invalidRequest, resourceMissing } from '../../errors.ts';
import type { Params } from '../../params.ts';
import type { ApiContext } from '../../router.ts';
import { paymentMethods } from '../../payments/card-sources.ts';
import { succeed } from './confirm.ts';
import { OBJECT_NAME, checkClientSecret, intents, save } from './store.ts';

/** The 3DS frame knows the intent and its client secret, not its account: look in every account. */
function findForChallenge(
  ctx: ApiContext,
  id: string,
  clientSecret: unknown,
): { intent: Stripe.PaymentIntent; ctx: ApiContext } {
  const own = intents(ctx.data).get(id);
  if (own) {
    checkClientSecret(ctx, own, clientSecret);
    return { intent: own, ctx };
  }
  if (ctx.principal.kind === 'publishable' && typeof clientSecret === 'string') {
    for (const account of [ctx.store.platformAccountId, ...ctx.store.accounts.list().map((a) => a.id)]) {
      const data = ctx.store.accountData(account);
      const intent = intents(data).get(id);
      if (intent && intent.client_secret === clientSecret) {
        const accountCtx: ApiContext = {
          ...ctx,
          account,
          data,
          emit: emitAs(ctx, account),
        };
        return { intent, ctx: accountCtx };
      }
    }
  }
  throw resourceMissing(OBJECT_NAME, id, 'intent');
}

export function completeChallenge(
  ctx: ApiContext,
  id: string,
  params: Params,
  outcome: 'complete' | 'fail',
): Stripe.PaymentIntent {
  const { intent, ctx: owner } = findForChallenge(ctx, id, params.client_secret);
  if (intent.status !== 'requires_action') {
    throw invalidRequest(
      `This PaymentIntent has a status of ${intent.status}; there is no 3D Secure challenge to ${outcome}.`,
      {
        code: 'payment_intent_unexpected_state',
      },
    );
  }
  const pm = paymentMethods(owner.data).get(intent.payment_method as string);
  if (outcome === 'complete') return pm ? succeed(owner, intent, pm) : intent;
  const error = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    payment_method: pm ?? null,
  };
  return save(
    owner,
    intent,
    {
      ...intent,
      status: 'requires_payment_method',
      payment_method: null,
      next_action: null,
      last_payment_error: error as unknown as Stripe.PaymentIntent.LastPaymentError,
    },
    'payment_intent.payment_failed',
  );
}
