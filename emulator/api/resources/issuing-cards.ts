// Issuing cards: create, list, retrieve, update, with Stripe's rules:
// - status: new cards are `inactive` unless created `active`; `canceled` is final.
// - `cancellation_reason` (lost | stolen) goes with `status=canceled`.
// - replacements (docs.stripe.com/issuing/cards/replacements): expired/damaged keep the number with
//   a new CVC and expiry, and activating the replacement cancels the original; lost/stolen need the
//   original canceled first and get a new number.
// - spending controls validated; a new card without limits gets the default 500/day.
// - `number` and `cvc` (and `pin.number`) appear only for a request authenticated with an ephemeral
//   key secret for this card that asks `expand[]=number|cvc|pin.number`.
import { requireCardIssuing } from '../issuing/capability.ts';
import type Stripe from 'stripe';
import { ephemeralKeyRefused } from '../auth.ts';
import { newCardNumber, newCvc } from '../card-numbers.ts';
import { invalidParam, invalidRequest, missingParameter, resourceMissing } from '../errors.ts';
import { cryptoRandom, newId, type RandomSource } from '../ids.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import {
  applySpendingControls,
  emptySpendingControls,
  spendingControlsParams,
  withDefaultLimit,
} from '../spending-controls.ts';
import type { AccountData, CardSecrets, StoredCard } from '../store.ts';
import { connectCanRead, connectRequireFeature } from './connect-rules.ts';
import { decryptPin } from '../issuing/pin-key.ts';
import { findCardholder } from './issuing-cardholders.ts';

export const CARD_OBJECT_NAME = 'issuing card';
export const ISSUING_CURRENCIES = ['usd', 'eur', 'gbp'] as const;
export const DEFAULT_PIN = '0000';
/** Fields that only an ephemeral key may expand. */
const SENSITIVE_EXPANSIONS = new Set(['number', 'cvc', 'pin.number']);

const shippingParams = p.object({
  address: p.object(
    {
      line1: p.string({ required: true }),
      line2: p.string({ emptyable: true }),
      city: p.string({ required: true }),
      state: p.string({ emptyable: true }),
      postal_code: p.string({ required: true }),
      country: p.string({ required: true, pattern: /^[A-Z]{2}$/, normalize: (s) => s.toUpperCase() }),
    },
    { required: true },
  ),
  name: p.string({ required: true }),
  phone_number: p.string(),
  require_signature: p.boolean(),
  service: p.enum(['express', 'priority', 'standard']),
  type: p.enum(['bulk', 'individual']),
  customs: p.object({ eori_number: p.string() }),
  address_validation: p.object({
    mode: p.enum(['disabled', 'normalization_only', 'validation_and_normalization'], { required: true }),
  }),
  business_name: p.string(),
});

export interface CardInput {
  cardholder: string;
  currency: string;
  type: 'virtual' | 'physical';
  status?: 'active' | 'inactive';
  created: number;
  exp_month?: number;
  exp_year?: number;
  metadata?: Record<string, string | null>;
  spending_controls?: Params | null;
  shipping?: Params;
  second_line?: string | null;
  replacement_for?: string | null;
  replacement_reason?: Stripe.Issuing.Card.ReplacementReason | null;
  lifecycle_controls?: Params;
}

function shippingObject(input: Params, created: number): Stripe.Issuing.Card.Shipping {
  const address = input.address as Params;
  const service = (input.service as Stripe.Issuing.Card.Shipping.Service | undefined) ?? 'standard';
  const days = service === 'express' ? 2 : service === 'priority' ? 3 : 7;
  return {
    address: {
      city: address.city as string,
      country: address.country as string,
      line1: address.line1 as string,
      line2: (address.line2 as string | null | undefined) ?? null,
      postal_code: address.postal_code as string,
      state: (address.state as string | null | undefined) ?? null,
    },
    address_validation: {
      mode:
        ((input.address_validation as Params | undefined)?.mode as 'normalization_only' | undefined) ??
        'normalization_only',
      normalized_address: null,
      result: null,
    },
    business_name: (input.business_name as string | undefined) ?? null,
    carrier: 'usps',
    customs: input.customs ? { eori_number: ((input.customs as Params).eori_number as string) ?? null } : null,
    eta: created + days * 86_400,
    name: input.name as string,
    phone_number: (input.phone_number as string | undefined) ?? null,
    require_signature: (input.require_signature as boolean | undefined) ?? null,
    service,
    status: 'pending',
    tracking_number: null,
    tracking_url: null,
    type: (input.type as Stripe.Issuing.Card.Shipping.Type | undefined) ?? 'individual',
  };
}

/**
 * Creates a card and its secrets. Validation of references (cardholder, replacement) is the
 * caller's; the seed calls this directly with a deterministic random source.
 */
export function buildCard(
  input: CardInput,
  random: RandomSource = cryptoRandom,
  reuse?: { number: string },
): { card: StoredCard; secrets: CardSecrets } {
  const number = reuse?.number ?? newCardNumber(random);
  const createdDate = new Date(input.created * 1000);
  const card = {
    id: newId('ic', random),
    object: 'issuing.card',
    brand: 'Visa',
    cancellation_reason: null,
    cardholder: input.cardholder,
    created: input.created,
    currency: input.currency,
    exp_month: input.exp_month ?? createdDate.getUTCMonth() + 1,
    exp_year: input.exp_year ?? createdDate.getUTCFullYear() + 3,
    financial_account: null,
    last4: number.slice(-4),
    latest_fraud_warning: null,
    lifecycle_controls: input.lifecycle_controls
      ? { cancel_after: { payment_count: (input.lifecycle_controls.cancel_after as Params).payment_count as number } }
      : null,
    livemode: false,
    metadata: mergeMetadata({}, input.metadata),
    personalization_design: null,
    replaced_by: null,
    replacement_for: input.replacement_for ?? null,
    replacement_reason: input.replacement_reason ?? null,
    second_line: input.second_line ?? null,
    shipping: input.type === 'physical' && input.shipping ? shippingObject(input.shipping, input.created) : null,
    spending_controls: withDefaultLimit(
      applySpendingControls(
        emptySpendingControls('card', input.currency),
        input.spending_controls,
        'card',
        input.currency,
      ),
    ),
    status: input.status ?? 'inactive',
    type: input.type,
    wallets: {
      apple_pay: { eligible: false, ineligible_reason: 'missing_cardholder_contact' },
      google_pay: { eligible: false, ineligible_reason: 'missing_cardholder_contact' },
      primary_account_identifier: null,
    },
  } as StoredCard;
  return { card, secrets: { number, cvc: newCvc(random), pin: DEFAULT_PIN } };
}

/** The card as the API returns it: the cardholder embedded, secrets only when revealed. */
export function renderCard(
  data: AccountData,
  card: StoredCard,
  reveal: { number?: boolean; cvc?: boolean; pin?: boolean } = {},
): Stripe.Issuing.Card {
  const out: Record<string, unknown> = {
    ...card,
    cardholder: data.cardholders.get(card.cardholder) ?? card.cardholder,
  };
  const secrets = data.cardSecrets.get(card.id);
  if (secrets && reveal.number) out.number = secrets.number;
  if (secrets && reveal.cvc) out.cvc = secrets.cvc;
  if (secrets && reveal.pin) out.pin = { number: secrets.pin };
  return out as unknown as Stripe.Issuing.Card;
}

export function findCard(data: AccountData, id: string, param = 'card', status = 404): StoredCard {
  const card = data.cards.get(id);
  if (!card) throw resourceMissing(CARD_OBJECT_NAME, id, param, status);
  return card;
}

/** Splits `expand[]` into the sensitive fields and the ordinary expansions. */
function splitExpand(params: Params): { sensitive: Set<string>; rest: string[] } {
  const all = (params.expand as string[] | undefined) ?? [];
  return {
    sensitive: new Set(all.filter((e) => SENSITIVE_EXPANSIONS.has(e))),
    rest: all.filter((e) => !SENSITIVE_EXPANSIONS.has(e)),
  };
}

function respond(ctx: ApiContext, card: StoredCard, params: Params): Stripe.Issuing.Card {
  const { sensitive, rest } = splitExpand(params);
  const mayReveal = ctx.principal.kind === 'ephemeral';
  const rendered = renderCard(ctx.data, card, {
    number: mayReveal && sensitive.has('number'),
    cvc: mayReveal && sensitive.has('cvc'),
    pin: mayReveal && sensitive.has('pin.number'),
  });
  return ctx.expand(rendered, rest);
}

function cancel(ctx: ApiContext, card: StoredCard, reason: Stripe.Issuing.Card.CancellationReason | null): StoredCard {
  const previous = { status: card.status, cancellation_reason: card.cancellation_reason };
  const next: StoredCard = { ...card, status: 'canceled', cancellation_reason: reason };
  ctx.data.cards.replace(next);
  ctx.emit('issuing_card.updated', renderCard(ctx.data, next), previous);
  return next;
}

/** Activating an expired/damaged replacement cancels the card it replaces. */
function onActivated(ctx: ApiContext, card: StoredCard): void {
  if (!card.replacement_for || (card.replacement_reason !== 'expired' && card.replacement_reason !== 'damaged')) return;
  const original = ctx.data.cards.get(card.replacement_for as string);
  if (original && original.status !== 'canceled') cancel(ctx, original, null);
}

const createParams = {
  cardholder: p.string(),
  currency: p.string({ required: true, normalize: (s) => s.toLowerCase() }),
  type: p.enum(['virtual', 'physical'], { required: true }),
  status: p.enum(['active', 'inactive']),
  exp_month: p.integer({ min: 1, max: 12 }),
  exp_year: p.integer({ min: 2000, max: 2100 }),
  metadata: p.metadata(),
  spending_controls: spendingControlsParams('card'),
  shipping: shippingParams,
  second_line: p.string({ emptyable: true, maxLength: 24 }),
  replacement_for: p.string(),
  replacement_reason: p.enum(['damaged', 'expired', 'lost', 'stolen']),
  lifecycle_controls: p.object({
    cancel_after: p.object({ payment_count: p.integer({ required: true, min: 1 }) }, { required: true }),
  }),
  pin: p.object({ encrypted_number: p.string({ required: true }) }),
};

/** `pin[encrypted_number]` (a JWE made with the Issuing PIN key) -> the PIN digits, or undefined. */
async function pinParam(ctx: ApiContext, params: Params): Promise<string | undefined> {
  const pin = params.pin as { encrypted_number: string } | undefined;
  return pin ? decryptPin(ctx.runtime, pin.encrypted_number) : undefined;
}

function setPin(ctx: ApiContext, cardId: string, pin: string | undefined): void {
  const secrets = ctx.data.cardSecrets.get(cardId);
  if (pin !== undefined && secrets) secrets.pin = pin;
}

function createCard(ctx: ApiContext, params: Params): Stripe.Issuing.Card {
  const currency = params.currency as string;
  if (!(ISSUING_CURRENCIES as readonly string[]).includes(currency)) {
    throw invalidParam(
      `Invalid currency: ${currency}. Issuing cards can be created in ${ISSUING_CURRENCIES.join(', ')}.`,
      'currency',
      'parameter_invalid_string',
    );
  }
  const type = params.type as 'virtual' | 'physical';
  if (type === 'physical' && !params.shipping) throw missingParameter('shipping');
  if ((params.exp_month === undefined) !== (params.exp_year === undefined)) {
    throw missingParameter(params.exp_month === undefined ? 'exp_month' : 'exp_year');
  }

  let original: StoredCard | undefined;
  const reason = params.replacement_reason as Stripe.Issuing.Card.ReplacementReason | undefined;
  if (params.replacement_for !== undefined) {
    original = findCard(ctx.data, params.replacement_for as string, 'replacement_for', 400);
    if (!reason) throw missingParameter('replacement_reason');
    if (original.replaced_by) {
      throw invalidRequest(`The card ${original.id} has already been replaced by ${String(original.replaced_by)}.`, {
        param: 'replacement_for',
      });
    }
    if ((reason === 'lost' || reason === 'stolen') && original.status !== 'canceled') {
      throw invalidRequest(
        `A card replaced because it was ${reason} must be canceled first: update ${original.id} with status=canceled and cancellation_reason=${reason}.`,
        { param: 'replacement_for' },
      );
    }
  } else if (reason) {
    throw invalidParam('replacement_reason can only be set together with replacement_for.', 'replacement_reason');
  }

  const cardholderId = (params.cardholder as string | undefined) ?? original?.cardholder;
  if (!cardholderId) throw missingParameter('cardholder');
  const cardholder = findCardholder(ctx.data, cardholderId, 'cardholder', 400);
  if (cardholder.status === 'blocked') {
    throw invalidRequest(`The cardholder ${cardholder.id} is blocked and cannot be issued new cards.`, {
      param: 'cardholder',
    });
  }

  const exp =
    params.exp_month !== undefined ? { month: params.exp_month as number, year: params.exp_year as number } : undefined;
  if (exp) {
    const now = new Date(ctx.nowMs());
    if (exp.year < now.getUTCFullYear() || (exp.year === now.getUTCFullYear() && exp.month < now.getUTCMonth() + 1)) {
      throw invalidParam('The expiration date must be in the future.', 'exp_year');
    }
  }
  // expired/damaged replacements keep the card number (new CVC and expiry); lost/stolen get a new one.
  const keepNumber = original && (reason === 'expired' || reason === 'damaged');
  const { card, secrets } = buildCard(
    {
      cardholder: cardholder.id,
      currency,
      type,
      status: params.status as 'active' | 'inactive' | undefined,
      created: ctx.now(),
      exp_month: exp?.month,
      exp_year: exp?.year,
      metadata: params.metadata as Record<string, string | null> | undefined,
      spending_controls: params.spending_controls as Params | null | undefined,
      shipping: params.shipping as Params | undefined,
      second_line: params.second_line as string | null | undefined,
      replacement_for: original?.id ?? null,
      replacement_reason: reason ?? null,
      lifecycle_controls: params.lifecycle_controls as Params | undefined,
    },
    cryptoRandom,
    keepNumber ? { number: ctx.data.cardSecrets.get(original!.id)?.number ?? newCardNumber() } : undefined,
  );
  ctx.data.cards.insert(card);
  ctx.data.cardSecrets.set(card.id, secrets);
  ctx.emit('issuing_card.created', renderCard(ctx.data, card));
  if (original) {
    const previous = { replaced_by: original.replaced_by };
    const updated: StoredCard = { ...original, replaced_by: card.id };
    ctx.data.cards.replace(updated);
    ctx.emit('issuing_card.updated', renderCard(ctx.data, updated), previous);
  }
  if (card.status === 'active') onActivated(ctx, card);
  return respond(ctx, card, params);
}

const updateParams = {
  status: p.enum(['active', 'inactive', 'canceled']),
  cancellation_reason: p.enum(['lost', 'stolen']),
  metadata: p.metadata(),
  spending_controls: spendingControlsParams('card'),
  pin: p.object({ encrypted_number: p.string({ required: true }) }),
};

function updateCard(ctx: ApiContext, id: string, params: Params): Stripe.Issuing.Card {
  const current = findCard(ctx.data, id);
  const status = params.status as Stripe.Issuing.Card.Status | undefined;
  if (current.status === 'canceled' && (status !== undefined || params.cancellation_reason !== undefined)) {
    throw invalidRequest(
      `The card ${current.id} is canceled. A canceled card cannot be reactivated or updated; issue a new card instead.`,
      {
        param: status !== undefined ? 'status' : 'cancellation_reason',
      },
    );
  }
  if (params.cancellation_reason !== undefined && status !== 'canceled') {
    throw invalidParam(
      'cancellation_reason can only be set when canceling the card (status=canceled).',
      'cancellation_reason',
    );
  }
  const next: StoredCard = { ...current };
  const previous: Record<string, unknown> = {};
  const set = <K extends keyof StoredCard>(key: K, value: StoredCard[K]): void => {
    if (JSON.stringify(current[key]) !== JSON.stringify(value)) previous[key] = current[key];
    next[key] = value;
  };
  if (status !== undefined) set('status', status);
  if (status === 'canceled') {
    set(
      'cancellation_reason',
      (params.cancellation_reason as Stripe.Issuing.Card.CancellationReason | undefined) ?? null,
    );
  }
  if (params.metadata !== undefined)
    set('metadata', mergeMetadata(current.metadata, params.metadata as Record<string, string | null>));
  if (params.spending_controls !== undefined) {
    set(
      'spending_controls',
      applySpendingControls(
        current.spending_controls,
        params.spending_controls as Params | null,
        'card',
        current.currency,
      ),
    );
  }
  ctx.data.cards.replace(next);
  if (Object.keys(previous).length > 0) ctx.emit('issuing_card.updated', renderCard(ctx.data, next), previous);
  if (status === 'active' && current.status !== 'active') onActivated(ctx, next);
  return respond(ctx, next, params);
}

export default defineResource({
  name: 'issuing.cards',
  expanders: {
    ic: (ctx, id) => {
      const card = ctx.data.cards.get(id);
      return card ? renderCard(ctx.data, card) : undefined;
    },
  },
  routes: [
    {
      method: 'POST',
      path: '/v1/issuing/cards',
      params: createParams,
      handler: async (ctx, params) => {
        requireCardIssuing(ctx, 'cards');
        const pin = await pinParam(ctx, params);
        const card = createCard(ctx, params);
        setPin(ctx, card.id, pin);
        return card;
      },
    },
    {
      method: 'GET',
      path: '/v1/issuing/cards',
      access: { connect: connectCanRead },
      params: {
        ...listParams,
        cardholder: p.string(),
        created: p.range(),
        exp_month: p.integer(),
        exp_year: p.integer(),
        last4: p.string(),
        status: p.enum(['active', 'inactive', 'canceled']),
        type: p.enum(['virtual', 'physical']),
        personalization_design: p.string(),
      },
      handler: (ctx, params) => {
        const list = paginate(
          ctx.data.cards.list(),
          (c) =>
            (params.cardholder === undefined || c.cardholder === params.cardholder) &&
            (params.exp_month === undefined || c.exp_month === params.exp_month) &&
            (params.exp_year === undefined || c.exp_year === params.exp_year) &&
            (params.last4 === undefined || c.last4 === params.last4) &&
            (params.status === undefined || c.status === params.status) &&
            (params.type === undefined || c.type === params.type) &&
            (params.personalization_design === undefined ||
              c.personalization_design === params.personalization_design) &&
            inRange(c.created, params.created as Range | undefined),
          params,
          ctx.path,
          { objectName: CARD_OBJECT_NAME },
        );
        const { rest } = splitExpand(params);
        return ctx.expand({ ...list, data: list.data.map((c) => renderCard(ctx.data, c)) }, rest);
      },
    },
    {
      method: 'GET',
      path: '/v1/issuing/cards/:card',
      access: {
        connect: connectCanRead,
        // An ephemeral key reads only the card it was created for.
        ephemeral: (key, path) => {
          if (!key.associatedObjects.some((o) => o.type === 'issuing.card' && o.id === path.card))
            throw ephemeralKeyRefused();
        },
      },
      handler: (ctx, params, path) => respond(ctx, findCard(ctx.data, path.card ?? ''), params),
    },
    {
      method: 'POST',
      path: '/v1/issuing/cards/:card',
      params: updateParams,
      access: {
        connect: (token, _path, params) => {
          connectCanRead(token);
          for (const key of Object.keys(params)) {
            if (key === 'expand') continue;
            if (key === 'status' || key === 'cancellation_reason') connectRequireFeature(token, 'card_management', key);
            else if (key === 'spending_controls') connectRequireFeature(token, 'spend_control_management', key);
            else connectRequireFeature(token, `(no feature allows ${key})`, key);
          }
        },
      },
      handler: async (ctx, params, path) => {
        const pin = await pinParam(ctx, params);
        const card = updateCard(ctx, path.card ?? '', params);
        setPin(ctx, card.id, pin);
        return card;
      },
    },
  ],
});
