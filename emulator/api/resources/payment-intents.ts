// PaymentIntents: create (optionally confirming with a ConfirmationToken or a PaymentMethod),
// list, retrieve (also with a publishable key and the client secret, as Stripe.js does), update,
// confirm, capture, cancel; and the emulator's 3D Secure challenge endpoints that the 3DS frame
// calls (POST /_emulator/three_d_secure/:intent/complete|fail).
//
// Outcomes come from Stripe's test cards (../payments/test-cards.ts) or, for the number of one of
// the emulator's Issuing cards, from an Issuing authorization on that card
// (../payments/issued-card.ts). A decline answers 402 card_error with the PaymentIntent in the
// error and leaves it `requires_payment_method` with `last_payment_error`, as Stripe does.
import type Stripe from 'stripe';
import { StripeApiError, invalidParam, invalidRequest, missingParameter, resourceMissing } from '../errors.ts';
import { newId, randomString } from '../ids.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import type { AccountData } from '../store.ts';
import { cardSources, createCardPaymentMethod, emptyBillingDetails, paymentMethods, type CardSource } from '../payments/card-sources.ts';
import { authorizeIssuedCard, findIssuedCard, settleIssuedCard, type IssuingLink } from '../payments/issued-card.ts';
import { LIVE_CARD_IN_TEST_MODE, TEST_CARDS, type CardOutcome } from '../payments/test-cards.ts';
import { CONFIRMATION_TOKENS, sourceOfPaymentMethod } from './confirmation-tokens.ts';

const OBJECT_NAME = 'payment_intent';
const INTENTS = 'payment_intent';
/** Emulator bookkeeping, never rendered: the Issuing authorization a payment holds. */
const LINKS = 'emulator.payment_intent_issuing';

const CURRENCIES = ['usd', 'eur', 'gbp', 'cad', 'aud', 'nzd', 'chf', 'sek', 'nok', 'dkk', 'pln', 'czk', 'jpy', 'sgd', 'hkd', 'mxn', 'brl', 'inr'];
/** Minimum charge amounts (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
const MINIMUMS: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, nzd: 50, chf: 50, sek: 300, nok: 300, dkk: 250, pln: 200, czk: 1500, jpy: 50, sgd: 50, hkd: 400, mxn: 1000, brl: 50, inr: 50 };
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

const intents = (data: AccountData) => data.collection<Stripe.PaymentIntent>(INTENTS);
const links = (data: AccountData) => data.collection<IssuingLink & { id: string }>(LINKS);

function find(ctx: ApiContext, id: string, param = 'intent'): Stripe.PaymentIntent {
  const intent = intents(ctx.data).get(id);
  if (!intent) throw resourceMissing(OBJECT_NAME, id, param);
  return intent;
}

/** A publishable key needs the client secret (Stripe.js); a secret key does not. */
function checkClientSecret(ctx: ApiContext, intent: Stripe.PaymentIntent, clientSecret: unknown): void {
  if (ctx.principal.kind !== 'publishable') return;
  if (clientSecret === undefined) throw missingParameter('client_secret');
  if (clientSecret !== intent.client_secret) {
    throw invalidParam('The client_secret provided does not match the client_secret associated with the PaymentIntent.', 'client_secret');
  }
}

function save(ctx: ApiContext, before: Stripe.PaymentIntent, after: Stripe.PaymentIntent, event?: string): Stripe.PaymentIntent {
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

function checkAmount(amount: number, currency: string): void {
  const min = MINIMUMS[currency] ?? 1;
  if (amount < min) {
    throw invalidRequest(`Amount must be at least ${(min / (currency === 'jpy' ? 1 : 100)).toFixed(currency === 'jpy' ? 0 : 2)} ${currency}`, {
      code: 'amount_too_small',
      param: 'amount',
    });
  }
  if (amount > 99_999_999) throw invalidRequest('Amount must be no more than 99999999.', { code: 'amount_too_large', param: 'amount' });
}

const currencyParam = p.string({
  required: true,
  normalize: (s) => s.toLowerCase(),
  pattern: new RegExp(`^(${CURRENCIES.join('|')})$`),
  patternMessage: `Invalid currency. The emulator supports ${CURRENCIES.join(', ')}.`,
});

const confirmParams = {
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

const createParams = {
  amount: p.integer({ required: true, min: 1 }),
  currency: currencyParam,
  automatic_payment_methods: p.object({ enabled: p.boolean({ required: true }), allow_redirects: p.enum(['always', 'never']) }),
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

function createIntent(ctx: ApiContext, params: Params): Stripe.PaymentIntent {
  const amount = params.amount as number;
  const currency = params.currency as string;
  checkAmount(amount, currency);
  if (params.automatic_payment_methods !== undefined && params.payment_method_types !== undefined) {
    throw invalidParam('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', 'payment_method_types', 'parameters_exclusive');
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

/** The PaymentMethod this confirmation pays with, created from a ConfirmationToken or test PaymentMethod when needed. */
function paymentSource(ctx: ApiContext, intent: Stripe.PaymentIntent, params: Params): { pm: Stripe.PaymentMethod; source: Omit<CardSource, 'id'> } | undefined {
  if (params.confirmation_token !== undefined) {
    const tokenId = params.confirmation_token as string;
    const tokens = ctx.data.collection<Stripe.ConfirmationToken>(CONFIRMATION_TOKENS);
    const token = tokens.get(tokenId);
    const stored = cardSources(ctx.data).get(tokenId);
    if (!token || !stored) throw resourceMissing('confirmationtoken', tokenId, 'confirmation_token', 400);
    if (token.payment_intent !== null || token.setup_intent !== null) {
      throw invalidRequest(`The ConfirmationToken ${tokenId} has already been used to confirm a PaymentIntent or SetupIntent.`, {
        code: 'confirmation_token_already_used',
        param: 'confirmation_token',
      });
    }
    if (token.expires_at !== null && token.expires_at <= ctx.now()) {
      throw invalidRequest(`The ConfirmationToken ${tokenId} has expired.`, { code: 'confirmation_token_expired', param: 'confirmation_token' });
    }
    tokens.replace({ ...token, payment_intent: intent.id });
    const { id: _id, ...source } = stored;
    const pm = createCardPaymentMethod(ctx.data, source, token.payment_method_preview?.billing_details ?? emptyBillingDetails(), ctx.now());
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

function succeed(ctx: ApiContext, intent: Stripe.PaymentIntent, pm: Stripe.PaymentMethod): Stripe.PaymentIntent {
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
function fail(ctx: ApiContext, intent: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, outcome: Extract<CardOutcome, { kind: 'decline' }>): never {
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
    last_payment_error: { ...error.body } as unknown as Stripe.PaymentIntent.LastPaymentError,
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
  throw invalidRequest('You cannot create a charge on a connected account without the `card_payments` capability enabled.', {});
}

async function confirmIntent(ctx: ApiContext, intent: Stripe.PaymentIntent, params: Params): Promise<Stripe.PaymentIntent> {
  if (!CONFIRMABLE.includes(intent.status)) {
    throw invalidRequest(
      `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      { code: 'payment_intent_unexpected_state', extra: { payment_intent: intent } },
    );
  }
  if (params.confirmation_token !== undefined && params.payment_method !== undefined) {
    throw invalidParam('You cannot specify both `confirmation_token` and `payment_method`. Specify one or the other.', 'payment_method', 'parameters_exclusive');
  }
  let current: Stripe.PaymentIntent = {
    ...intent,
    ...(params.capture_method !== undefined ? { capture_method: params.capture_method as Stripe.PaymentIntent.CaptureMethod } : {}),
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
      return fail(ctx, current, pm, { kind: 'decline', code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' });
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
      if (params.error_on_requires_action === true || (params.off_session !== undefined && params.off_session !== false)) {
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
          use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: `${ctx.runtime.publicUrl}/_emulator/frames/three-ds.html` },
        } as Stripe.PaymentIntent.NextAction,
      };
      return save(ctx, intent, next, 'payment_intent.requires_action');
    }
  }
}

/** The 3DS frame knows the intent and its client secret, not its account: look in every account. */
function findForChallenge(ctx: ApiContext, id: string, clientSecret: unknown): { intent: Stripe.PaymentIntent; ctx: ApiContext } {
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
          emit: (type, object, previousAttributes) => {
            for (const listener of ctx.runtime.eventListeners) {
              listener({ type, account, object, previousAttributes, requestId: ctx.requestId, idempotencyKey: ctx.idempotencyKey });
            }
          },
        };
        return { intent, ctx: accountCtx };
      }
    }
  }
  throw resourceMissing(OBJECT_NAME, id, 'intent');
}

function completeChallenge(ctx: ApiContext, id: string, params: Params, outcome: 'complete' | 'fail'): Stripe.PaymentIntent {
  const { intent, ctx: owner } = findForChallenge(ctx, id, params.client_secret);
  if (intent.status !== 'requires_action') {
    throw invalidRequest(`This PaymentIntent has a status of ${intent.status}; there is no 3D Secure challenge to ${outcome}.`, {
      code: 'payment_intent_unexpected_state',
    });
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
    { ...intent, status: 'requires_payment_method', payment_method: null, next_action: null, last_payment_error: error as unknown as Stripe.PaymentIntent.LastPaymentError },
    'payment_intent.payment_failed',
  );
}

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
          return respond(ctx, save(ctx, intent, { ...intent, payment_method: pm.id, status: 'requires_confirmation' }), params);
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
          (i) => inRange(i.created, params.created as Range | undefined) && (params.customer === undefined || i.customer === params.customer),
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
        if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status) && (params.amount !== undefined || params.currency !== undefined || params.payment_method !== undefined)) {
          throw invalidRequest(`You cannot update the amount, currency or payment method of a PaymentIntent with a status of ${intent.status}.`, {
            code: 'payment_intent_unexpected_state',
          });
        }
        const next: Stripe.PaymentIntent = { ...intent };
        if (params.amount !== undefined || params.currency !== undefined) {
          next.amount = (params.amount as number | undefined) ?? intent.amount;
          next.currency = (params.currency as string | undefined) ?? intent.currency;
          checkAmount(next.amount, next.currency);
        }
        if (params.metadata !== undefined) next.metadata = mergeMetadata(intent.metadata, params.metadata as Record<string, string | null> | null);
        for (const key of ['description', 'receipt_email', 'statement_descriptor', 'statement_descriptor_suffix', 'capture_method'] as const) {
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
          throw invalidParam(`The amount_to_capture (${amount}) is greater than the amount capturable (${intent.amount_capturable}).`, 'amount_to_capture', 'amount_too_large');
        }
        const link = links(ctx.data).get(intent.id);
        if (link) settleIssuedCard(ctx, link, { capture: amount });
        const next: Stripe.PaymentIntent = {
          ...intent,
          status: 'succeeded',
          amount_received: amount,
          amount_capturable: 0,
          metadata: params.metadata !== undefined ? mergeMetadata(intent.metadata, params.metadata as Record<string, string | null>) : intent.metadata,
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
          cancellation_reason: (params.cancellation_reason as Stripe.PaymentIntent.CancellationReason | undefined) ?? null,
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
