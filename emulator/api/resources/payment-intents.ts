// PaymentIntents: create (optionally confirming with a ConfirmationToken or a PaymentMethod),
// list, retrieve (also with a publishable key and the client secret, as Stripe.js does), update,
// confirm, capture, cancel; and the emulator's 3D Secure challenge endpoints that the 3DS frame
// calls (POST /_emulator/three_d_secure/:intent/complete|fail).
//
// Outcomes come from Stripe's test cards (../payments/test-cards.ts) or, for the number of one of
// the emulator's Issuing cards, from an Issuing authorization on that card
// (../payments/issued-card.ts). A decline answers 402 card_error with the PaymentIntent in the
// error and leaves it `requires_payment_method` with `last_payment_error`, as Stripe does.
//
// The endpoints are here; their parts are in ./payment-intents/: store.ts (the stored intents
// and the checks every endpoint shares), create.ts, confirm.ts, three-d-secure.ts.
import type Stripe from 'stripe';
import { invalidParam, invalidRequest } from '../errors.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import { paymentMethods } from '../payments/card-sources.ts';
import { settleIssuedCard } from '../payments/issued-card.ts';
import { confirmIntent, confirmParams, paymentSource } from './payment-intents/confirm.ts';
import { checkAmount, createIntent, createParams, currencyParam } from './payment-intents/create.ts';
import { OBJECT_NAME, checkClientSecret, find, intents, links, save } from './payment-intents/store.ts';
import { completeChallenge } from './payment-intents/three-d-secure.ts';

const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

const respond = (ctx: ApiContext, intent: Stripe.PaymentIntent, params: Params): Stripe.PaymentIntent =>
  ctx.expand(intent, params.expand as string[] | undefined);

export default defineResource({
  name: 'payment_intents',
  expanders: {
    pi: (ctx, id) => intents(ctx.data).get(id),
    pm: (ctx, id) => paymentMethods(ctx.data).get(id),
  },
  routes: [
    {
      method: 'POST',
      path: '/v1/payment_intents',
      params: createParams,
      handler: async (ctx, params) => {
        const intent = createIntent(ctx, params);
        if (params.confirm !== true) {
          if (params.payment_method === undefined) return respond(ctx, intent, params);
          const { pm } = paymentSource(ctx, intent, params)!;
          return respond(
            ctx,
            save(ctx, intent, { ...intent, payment_method: pm.id, status: 'requires_confirmation' }),
            params,
          );
        }
        return respond(ctx, await confirmIntent(ctx, intent, params), params);
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_intents',
      params: { ...listParams, created: p.range(), customer: p.string() },
      handler: (ctx, params) => {
        const list = paginate(
          intents(ctx.data).list(),
          (i) =>
            inRange(i.created, params.created as Range | undefined) &&
            (params.customer === undefined || i.customer === params.customer),
          params,
          ctx.path,
          { objectName: OBJECT_NAME },
        );
        return ctx.expand(list, params.expand as string[] | undefined);
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_intents/:intent',
      access: { publishable: true },
      params: { client_secret: p.string() },
      handler: (ctx, params, path) => {
        const intent = find(ctx, path.intent ?? '');
        checkClientSecret(ctx, intent, params.client_secret);
        return respond(ctx, intent, params);
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:intent',
      params: {
        amount: p.integer({ min: 1 }),
        currency: { ...currencyParam, required: false },
        description: p.string({ emptyable: true, maxLength: 1000 }),
        metadata: p.metadata(),
        payment_method: p.string(),
        receipt_email: p.string({ emptyable: true }),
        capture_method: p.enum(['automatic', 'automatic_async', 'manual']),
        statement_descriptor: p.string({ emptyable: true, maxLength: 22 }),
        statement_descriptor_suffix: p.string({ emptyable: true, maxLength: 22 }),
      },
      handler: (ctx, params, path) => {
        const intent = find(ctx, path.intent ?? '');
        if (
          !['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status) &&
          (params.amount !== undefined || params.currency !== undefined || params.payment_method !== undefined)
        ) {
          throw invalidRequest(
            `You cannot update the amount, currency or payment method of a PaymentIntent with a status of ${intent.status}.`,
            {
              code: 'payment_intent_unexpected_state',
            },
          );
        }
        const next: Stripe.PaymentIntent = { ...intent };
        if (params.amount !== undefined || params.currency !== undefined) {
          next.amount = (params.amount as number | undefined) ?? intent.amount;
          next.currency = (params.currency as string | undefined) ?? intent.currency;
          checkAmount(next.amount, next.currency);
        }
        if (params.metadata !== undefined)
          next.metadata = mergeMetadata(intent.metadata, params.metadata as Record<string, string | null> | null);
        for (const key of [
          'description',
          'receipt_email',
          'statement_descriptor',
          'statement_descriptor_suffix',
          'capture_method',
        ] as const) {
          if (params[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = params[key];
        }
        if (params.payment_method !== undefined) {
          const { pm } = paymentSource(ctx, intent, { payment_method: params.payment_method })!;
          next.payment_method = pm.id;
          next.status = 'requires_confirmation';
        }
        // Stripe has no payment_intent.updated event.
        return respond(ctx, save(ctx, intent, next), params);
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:intent/confirm',
      access: { publishable: true },
      params: { ...confirmParams, client_secret: p.string() },
      handler: async (ctx, params, path) => {
        const intent = find(ctx, path.intent ?? '');
        checkClientSecret(ctx, intent, params.client_secret);
        return respond(ctx, await confirmIntent(ctx, intent, params), params);
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:intent/capture',
      params: { amount_to_capture: p.integer({ min: 1 }), metadata: p.metadata() },
      handler: (ctx, params, path) => {
        const intent = find(ctx, path.intent ?? '');
        if (intent.status !== 'requires_capture') {
          throw invalidRequest(
            `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
            { code: 'payment_intent_unexpected_state' },
          );
        }
        const amount = (params.amount_to_capture as number | undefined) ?? intent.amount_capturable;
        if (amount > intent.amount_capturable) {
          throw invalidParam(
            `The amount_to_capture (${amount}) is greater than the amount capturable (${intent.amount_capturable}).`,
            'amount_to_capture',
            'amount_too_large',
          );
        }
        const link = links(ctx.data).get(intent.id);
        if (link) settleIssuedCard(ctx, link, { capture: amount });
        const next: Stripe.PaymentIntent = {
          ...intent,
          status: 'succeeded',
          amount_received: amount,
          amount_capturable: 0,
          metadata:
            params.metadata !== undefined
              ? mergeMetadata(intent.metadata, params.metadata as Record<string, string | null>)
              : intent.metadata,
        };
        return respond(ctx, save(ctx, intent, next, 'payment_intent.succeeded'), params);
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:intent/cancel',
      params: { cancellation_reason: p.enum(['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer']) },
      handler: (ctx, params, path) => {
        const intent = find(ctx, path.intent ?? '');
        if (!CANCELABLE.includes(intent.status)) {
          throw invalidRequest(
            `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
            { code: 'payment_intent_unexpected_state' },
          );
        }
        const link = links(ctx.data).get(intent.id);
        if (link) settleIssuedCard(ctx, link, 'release');
        const next: Stripe.PaymentIntent = {
          ...intent,
          status: 'canceled',
          canceled_at: ctx.now(),
          cancellation_reason:
            (params.cancellation_reason as Stripe.PaymentIntent.CancellationReason | undefined) ?? null,
          amount_capturable: 0,
          next_action: null,
        };
        return respond(ctx, save(ctx, intent, next, 'payment_intent.canceled'), params);
      },
    },
    {
      method: 'POST',
      path: '/_emulator/three_d_secure/:intent/complete',
      access: { publishable: true },
      params: { client_secret: p.string() },
      handler: (ctx, params, path) => completeChallenge(ctx, path.intent ?? '', params, 'complete'),
    },
    {
      method: 'POST',
      path: '/_emulator/three_d_secure/:intent/fail',
      access: { publishable: true },
      params: { client_secret: p.string() },
      handler: (ctx, params, path) => completeChallenge(ctx, path.intent ?? '', params, 'fail'),
    },
  ],
});
