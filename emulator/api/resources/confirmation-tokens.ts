// ConfirmationTokens (docs.stripe.com/payments/finalize-payments-on-the-server): the browser's
// Payment Element creates one with the publishable key (POST /v1/confirmation_tokens, what
// stripe.createConfirmationToken sends: payment_method_data[type]=card, [card][number|exp_month|
// exp_year|cvc], [billing_details]); the server confirms a PaymentIntent with it. Tests create
// them with POST /v1/test_helpers/confirmation_tokens {payment_method: pm_card_visa}. A token is
// used once and expires after 12 hours.
import type Stripe from 'stripe';
import { StripeApiError, invalidParam, missingParameter, resourceMissing } from '../errors.ts';
import { newId } from '../ids.ts';
import { passesLuhn } from '../card-numbers.ts';
import { p, type Params } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import {
  billingDetails,
  cardDetails,
  cardSources,
  emptyBillingDetails,
  paymentMethods,
  type CardSource,
} from '../payments/card-sources.ts';
import { TEST_PAYMENT_METHODS } from '../payments/test-cards.ts';

export const CONFIRMATION_TOKENS = 'confirmation_token';
export const TOKEN_LIFETIME_SECONDS = 12 * 3600;

export function confirmationTokens(ctx: ApiContext) {
  return ctx.data.collection<Stripe.ConfirmationToken>(CONFIRMATION_TOKENS);
}

const address = p.object({
  city: p.string({ emptyable: true }),
  country: p.string({ emptyable: true }),
  line1: p.string({ emptyable: true }),
  line2: p.string({ emptyable: true }),
  postal_code: p.string({ emptyable: true }),
  state: p.string({ emptyable: true }),
});

const billingParams = p.object({
  address,
  email: p.string({ emptyable: true }),
  name: p.string({ emptyable: true }),
  phone: p.string({ emptyable: true }),
  tax_id: p.string({ emptyable: true }),
});

const cardParams = p.object({
  number: p.string({ required: true }),
  exp_month: p.integer({ required: true }),
  exp_year: p.integer({ required: true }),
  cvc: p.string(),
});

const shippingParams = p.object({
  address: address,
  name: p.string({ required: true }),
  phone: p.string({ emptyable: true }),
});

const common = {
  payment_method: p.string(),
  payment_method_data: p.object({
    type: p.enum(['card'], { required: true }),
    card: cardParams,
    billing_details: billingParams,
    metadata: p.metadata(),
    allow_redisplay: p.enum(['always', 'limited', 'unspecified']),
  }),
  return_url: p.string(),
  setup_future_usage: p.enum(['off_session', 'on_session']),
  shipping: shippingParams,
};

function cardError(message: string, code: string, param: string): StripeApiError {
  return new StripeApiError(402, message, { type: 'card_error', code, param });
}

/** Validates raw card details as Stripe's tokenization does (402 card_error). */
export function checkCard(card: Params, now: Date): Omit<CardSource, 'id'> {
  const number = String(card.number).replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !passesLuhn(number))
    throw cardError('Your card number is incorrect.', 'incorrect_number', 'number');
  const month = card.exp_month as number;
  const rawYear = card.exp_year as number;
  const year = rawYear < 100 ? 2000 + rawYear : rawYear;
  if (month < 1 || month > 12)
    throw cardError("Your card's expiration month is invalid.", 'invalid_expiry_month', 'exp_month');
  if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1)) {
    throw cardError("Your card's expiration year is invalid.", 'invalid_expiry_year', 'exp_year');
  }
  const cvc = card.cvc === undefined ? null : String(card.cvc);
  if (cvc !== null && !/^\d{3,4}$/.test(cvc))
    throw cardError("Your card's security code is invalid.", 'invalid_cvc', 'cvc');
  return { number, exp_month: month, exp_year: year, cvc };
}

/** The card behind `payment_method`: a test PaymentMethod id or a PaymentMethod of this account. */
export function sourceOfPaymentMethod(
  ctx: ApiContext,
  id: string,
  param = 'payment_method',
): { source: Omit<CardSource, 'id'>; billing: Stripe.PaymentMethod.BillingDetails } {
  const testNumber = TEST_PAYMENT_METHODS[id];
  if (testNumber) {
    const now = new Date(ctx.nowMs());
    return {
      source: { number: testNumber, exp_month: 12, exp_year: now.getUTCFullYear() + 3, cvc: '123' },
      billing: emptyBillingDetails(),
    };
  }
  const pm = paymentMethods(ctx.data).get(id);
  const source = cardSources(ctx.data).get(id);
  if (!pm || !source) throw resourceMissing('PaymentMethod', id, param, 400);
  const { id: _ignored, ...rest } = source;
  return { source: rest, billing: pm.billing_details };
}

function shippingObject(input: Params | undefined): Stripe.ConfirmationToken.Shipping | null {
  if (!input) return null;
  const addr = (input.address as Record<string, string | null> | undefined) ?? {};
  return {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null, ...addr },
    name: input.name as string,
    phone: (input.phone as string | null | undefined) ?? null,
  };
}

function createToken(ctx: ApiContext, params: Params): Stripe.ConfirmationToken {
  const data = params.payment_method_data as Params | undefined;
  let found: { source: Omit<CardSource, 'id'>; billing: Stripe.PaymentMethod.BillingDetails };
  if (params.payment_method !== undefined && data !== undefined) {
    throw invalidParam(
      'You cannot specify both `payment_method` and `payment_method_data`. Specify one or the other.',
      'payment_method_data',
      'parameters_exclusive',
    );
  } else if (params.payment_method !== undefined) {
    found = sourceOfPaymentMethod(ctx, params.payment_method as string);
  } else if (data !== undefined) {
    if (!data.card) throw missingParameter('payment_method_data[card]');
    found = {
      source: checkCard(data.card as Params, new Date(ctx.nowMs())),
      billing: billingDetails(data.billing_details as Params | undefined),
    };
  } else {
    throw missingParameter('payment_method_data');
  }
  const created = ctx.now();
  const token = {
    id: newId('ctoken'),
    object: 'confirmation_token',
    created,
    expires_at: created + TOKEN_LIFETIME_SECONDS,
    livemode: false,
    mandate_data: null,
    metadata: null,
    payment_intent: null,
    payment_method_options: null,
    payment_method_preview: {
      allow_redisplay: 'unspecified',
      billing_details: found.billing,
      card: cardDetails(found.source, ctx.account),
      customer: null,
      customer_account: null,
      type: 'card',
    },
    return_url: (params.return_url as string | undefined) ?? null,
    setup_future_usage: (params.setup_future_usage as string | undefined) ?? null,
    setup_intent: null,
    shipping: shippingObject(params.shipping as Params | undefined),
    use_stripe_sdk: true,
  } as unknown as Stripe.ConfirmationToken;
  confirmationTokens(ctx).insert(token);
  cardSources(ctx.data).insert({ id: token.id, ...found.source });
  return ctx.expand(token, params.expand as string[] | undefined);
}

export default defineResource({
  name: 'confirmation_tokens',
  routes: [
    {
      method: 'POST',
      path: '/v1/confirmation_tokens',
      // The browser's Payment Element creates tokens with the publishable key.
      access: { publishable: true },
      params: common,
      handler: (ctx, params) => createToken(ctx, params),
    },
    {
      method: 'POST',
      path: '/v1/test_helpers/confirmation_tokens',
      params: common,
      handler: (ctx, params) => createToken(ctx, params),
    },
    {
      method: 'GET',
      path: '/v1/confirmation_tokens/:confirmation_token',
      handler: (ctx, params, path) => {
        const token = confirmationTokens(ctx).get(path.confirmation_token ?? '');
        if (!token) throw resourceMissing('confirmationtoken', path.confirmation_token ?? '', 'confirmation_token');
        return ctx.expand(token, params.expand as string[] | undefined);
      },
    },
  ],
});
