// Issuing a card and changing one (status, cancellation, spending controls) on the connected
// account that holds it. Stripe's refusals of the user's input become 4xx naming the field;
// anything else is left to the error handler (502).
import type Stripe from 'stripe';
import type { CardholderSummary, CreateCardBody, SpendingControlsInput, UpdateCardBody } from '../../shared/api.ts';
import type { Queryable } from '../db/database.ts';
import { activityMirrored, mirroredCardholder, mirroredCardholders } from '../db/mirror-reads.ts';
import { HttpError, badRequest } from '../errors.ts';
import { canReachAccount, type Scope } from './access.ts';
import { locateCardFor, type CallerLookupDeps } from './card-lookup.ts';
import type { FoundCard } from './cards.ts';
import { inputError, isNotOnAccount, stripeErrorKind } from './stripe-errors.ts';

/**
 * Active and inactive cardholders of an account, for the issue-card form (blocked ones cannot
 * get cards): from the mirror once it holds the account's cardholders, else Stripe's list.
 */
export async function listCardholders(
  deps: { stripe: Stripe; db: Queryable },
  account: string,
): Promise<CardholderSummary[]> {
  const source: AsyncIterable<Stripe.Issuing.Cardholder> | Iterable<Stripe.Issuing.Cardholder> =
    (await activityMirrored(deps.db, account))
      ? ((await mirroredCardholders(deps.db, account, { limit: 1000 })) as unknown as Stripe.Issuing.Cardholder[])
      : deps.stripe.issuing.cardholders.list({ limit: 100 }, { stripeContext: account });
  const holders: CardholderSummary[] = [];
  for await (const holder of source) {
    if (holder.status === 'blocked') continue;
    holders.push({
      id: holder.id,
      name: holder.name,
      email: holder.email ?? null,
      status: holder.status,
      type: holder.type,
    });
    if (holders.length >= 500) break;
  }
  return holders;
}

/** The card, if the user reaches its account; `outOfScope` when it exists elsewhere. */
export async function findCardInScope(
  deps: CallerLookupDeps,
  caller: { userId: string; scope: Scope },
  cardId: string,
): Promise<{ found?: FoundCard; outOfScope: boolean }> {
  // The mirror holds the card (no Stripe call); failing that, see locateCard.
  const located = await locateCardFor(deps, caller, cardId);
  if (!located) return { outOfScope: false };
  return canReachAccount(caller.scope, located.found.account)
    ? { found: located.found, outOfScope: false }
    : { outOfScope: true };
}

export function toStripeControls(input: SpendingControlsInput): Stripe.Issuing.CardUpdateParams.SpendingControls {
  const controls: Stripe.Issuing.CardUpdateParams.SpendingControls = {};
  if (input.spending_limits) {
    controls.spending_limits = input.spending_limits.map((limit) => ({
      amount: limit.amount,
      interval: limit.interval,
      ...(limit.categories?.length ? { categories: limit.categories } : {}),
    }));
  }
  if (input.allowed_categories) controls.allowed_categories = input.allowed_categories;
  if (input.blocked_categories) controls.blocked_categories = input.blocked_categories;
  return controls;
}

export function checkControls(input: SpendingControlsInput | undefined): void {
  if (input?.allowed_categories?.length && input.blocked_categories?.length) {
    throw badRequest('Set allowed categories or blocked categories, not both.', 'spending_controls.blocked_categories');
  }
}

/**
 * Issues a card. Physical cards need a shipping address: the cardholder's billing address is
 * used. `idempotencyKey` makes a repeated submit return the first card instead of a second one.
 */
export async function issueCard(
  deps: { stripe: Stripe; db: Queryable },
  input: CreateCardBody,
  idempotencyKey: string,
): Promise<FoundCard> {
  const { stripe } = deps;
  checkControls(input.spending_controls);
  const { account } = input;
  // The cardholder as mirrored (its status, billing address); one retrieve for one the mirror
  // does not hold (created moments ago).
  let holder = (await mirroredCardholder(deps.db, account, input.cardholder)) as unknown as
    Stripe.Issuing.Cardholder | undefined;
  try {
    holder ??= await stripe.issuing.cardholders.retrieve(input.cardholder, {}, { stripeContext: account });
  } catch (error) {
    if (isNotOnAccount(error)) {
      throw badRequest('No such cardholder on this account.', 'cardholder', 'cardholder_not_found');
    }
    throw error;
  }
  if (holder.status === 'blocked')
    throw badRequest('This cardholder is blocked and cannot get new cards.', 'cardholder', 'cardholder_blocked');

  const params: Stripe.Issuing.CardCreateParams = {
    cardholder: holder.id,
    type: input.type,
    currency: input.currency,
    ...(input.status ? { status: input.status } : {}),
    ...(input.spending_controls ? { spending_controls: toStripeControls(input.spending_controls) } : {}),
    expand: ['cardholder'],
  };
  if (input.type === 'physical') {
    params.shipping = shippingTo(holder.name, holder.billing.address);
  }
  try {
    const card = await stripe.issuing.cards.create(params, { stripeContext: account, idempotencyKey });
    return { card, account };
  } catch (error) {
    if (stripeErrorKind(error) === 'idempotency') {
      throw new HttpError(409, 'duplicate_request', 'This card is already being issued. Reload the list in a moment.');
    }
    throw inputError(error) ?? error;
  }
}

/** What a change asks for, in the policy's permission names (the route checks them). */
export function permissionsNeeded(
  change: UpdateCardBody,
): Array<'updateCardStatus' | 'cancelCards' | 'editSpendingControls'> {
  const needed: Array<'updateCardStatus' | 'cancelCards' | 'editSpendingControls'> = [];
  if (change.status !== undefined || change.cancellation_reason !== undefined) needed.push('updateCardStatus');
  // Canceling is permanent and a permission of its own (account users freeze, never cancel).
  if (change.status === 'canceled' || change.cancellation_reason !== undefined) needed.push('cancelCards');
  if (change.spending_controls !== undefined) needed.push('editSpendingControls');
  return needed;
}

/** Applies a change to a card. Canceling is permanent: a canceled card takes no more changes. */
export async function updateCard(
  stripe: Stripe,
  found: FoundCard,
  change: UpdateCardBody,
  idempotencyKey?: string,
): Promise<FoundCard> {
  checkControls(change.spending_controls);
  if (found.card.status === 'canceled') {
    throw new HttpError(
      409,
      'card_canceled',
      'This card is canceled. Cancellation is permanent; issue a new card instead.',
    );
  }
  if (change.cancellation_reason && change.status !== 'canceled') {
    throw badRequest('A cancellation reason goes with status "canceled".', 'cancellation_reason');
  }
  const params: Stripe.Issuing.CardUpdateParams = {
    ...(change.status ? { status: change.status } : {}),
    ...(change.cancellation_reason ? { cancellation_reason: change.cancellation_reason } : {}),
    ...(change.spending_controls ? { spending_controls: toStripeControls(change.spending_controls) } : {}),
    expand: ['cardholder'],
  };
  try {
    const card = await stripe.issuing.cards.update(found.card.id, params, {
      stripeContext: found.account,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    return { card, account: found.account };
  } catch (error) {
    throw inputError(error) ?? error;
  }
}

/** A physical card's shipping: Stripe requires line1, city, postal code and country; line2 and state only when known. */
export function shippingTo(name: string, address: Stripe.Address): Stripe.Issuing.CardCreateParams.Shipping {
  return {
    name,
    address: {
      line1: address.line1 ?? '',
      city: address.city ?? '',
      postal_code: address.postal_code ?? '',
      country: address.country ?? '',
      ...(address.line2 ? { line2: address.line2 } : {}),
      ...(address.state ? { state: address.state } : {}),
    },
  };
}
