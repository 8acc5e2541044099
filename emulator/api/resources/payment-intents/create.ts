// POST /v1/payment_intents without confirming: the parameters, the amount and currency checks
// (also used by updates), and the new PaymentIntent as Stripe returns it.
import type Stripe from 'stripe';
import { checkAmountNotTooLarge } from '../../amount-limit.ts';
import { invalidParam, invalidRequest } from '../../errors.ts';
import { newId, randomString } from '../../ids.ts';
import { mergeMetadata, p, type Params } from '../../params.ts';
import type { ApiContext } from '../../router.ts';
import { confirmParams } from './confirm.ts';
import { intents } from './store.ts';

const CURRENCIES = [
  'usd',
  'eur',
  'gbp',
  'cad',
  'aud',
  'nzd',
  'chf',
  'sek',
  'nok',
  'dkk',
  'pln',
  'czk',
  'jpy',
  'sgd',
  'hkd',
  'mxn',
  'brl',
  'inr',
];
/** Minimum charge amounts (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
const MINIMUMS: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  cad: 50,
  aud: 50,
  nzd: 50,
  chf: 50,
  sek: 300,
  nok: 300,
  dkk: 250,
  pln: 200,
  czk: 1500,
  jpy: 50,
  sgd: 50,
  hkd: 400,
  mxn: 1000,
  brl: 50,
  inr: 50,
};

export function checkAmount(amount: number, currency: string): void {
  const min = MINIMUMS[currency] ?? 1;
  if (amount < min) {
    throw invalidRequest(
      `Amount must be at least ${(min / (currency === 'jpy' ? 1 : 100)).toFixed(currency === 'jpy' ? 0 : 2)} ${currency}`,
      {
        code: 'amount_too_small',
        param: 'amount',
      },
    );
  }
  checkAmountNotTooLarge(amount);
}

export const currencyParam = p.string({
  required: true,
  normalize: (s) => s.toLowerCase(),
  pattern: new RegExp(`^(${CURRENCIES.join('|')})$`),
  patternMessage: `Invalid currency. The emulator supports ${CURRENCIES.join(', ')}.`,
});

export const createParams = {
  amount: p.integer({ required: true, min: 1 }),
  currency: currencyParam,
  automatic_payment_methods: p.object({
    enabled: p.boolean({ required: true }),
    allow_redirects: p.enum(['always', 'never']),
  }),
  payment_method_types: p.array(p.enum(['card'])),
  confirm: p.boolean(),
  confirmation_method: p.enum(['automatic', 'manual']),
  description: p.string({ maxLength: 1000 }),
  metadata: p.metadata(),
  statement_descriptor: p.string({ maxLength: 22 }),
  statement_descriptor_suffix: p.string({ maxLength: 22 }),
  transfer_group: p.string(),
  ...confirmParams,
};

export function createIntent(ctx: ApiContext, params: Params): Stripe.PaymentIntent {
  const amount = params.amount as number;
  const currency = params.currency as string;
  checkAmount(amount, currency);
  if (params.automatic_payment_methods !== undefined && params.payment_method_types !== undefined) {
    throw invalidParam(
      'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
      'payment_method_types',
      'parameters_exclusive',
    );
  }
  if (params.confirmation_token !== undefined && params.confirm !== true) {
    throw invalidParam('`confirmation_token` can only be used when `confirm` is true.', 'confirmation_token');
  }
  // Since 2023-08-16 a PaymentIntent without payment_method_types uses automatic payment methods.
  const apm = params.payment_method_types
    ? null
    : {
        enabled: ((params.automatic_payment_methods as Params | undefined)?.enabled as boolean | undefined) ?? true,
        ...((params.automatic_payment_methods as Params | undefined)?.allow_redirects
          ? { allow_redirects: (params.automatic_payment_methods as Params).allow_redirects }
          : {}),
      };
  const id = newId('pi');
  const intent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: apm,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: (params.capture_method as string | undefined) ?? 'automatic_async',
    client_secret: `${id}_secret_${randomString(25)}`,
    confirmation_method: (params.confirmation_method as string | undefined) ?? 'automatic',
    created: ctx.now(),
    currency,
    customer: null,
    customer_account: null,
    description: (params.description as string | undefined) ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: mergeMetadata({}, params.metadata as Record<string, string | null> | undefined),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: (params.receipt_email as string | undefined) ?? null,
    review: null,
    setup_future_usage: (params.setup_future_usage as string | undefined) ?? null,
    shipping: null,
    source: null,
    statement_descriptor: (params.statement_descriptor as string | undefined) ?? null,
    statement_descriptor_suffix: (params.statement_descriptor_suffix as string | undefined) ?? null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: (params.transfer_group as string | undefined) ?? null,
  } as unknown as Stripe.PaymentIntent;
  intents(ctx.data).insert(intent);
  ctx.emit('payment_intent.created', intent);
  return intent;
}
