// The cardholders page: an account's cardholders with their cards and cardholder-level spending
// controls, creating one (individual or company), and changing its spending controls. Stripe
// validates what a user types; its refusals come back as 400s naming the field
// (inputError in stripe-errors.ts), so the form can show them on the field at fault.
import type Stripe from 'stripe';
import type { CardholderDetails, CreateCardholderBody, SpendingControlsInput } from '../../shared/api.ts';
import { cardCountsByCardholder, upsertCardholders } from '../db/card-index.ts';
import type { Queryable } from '../db/database.ts';
import { activityMirrored, mirroredCardholder, mirroredCardholders } from '../db/mirror-reads.ts';
import { badRequest, notFound } from '../errors.ts';
import { checkControls, toStripeControls } from './card-changes.ts';
import { cardholderIndexRow, fetchVersion } from './mirror/objects.ts';
import { inputError, isNotOnAccount, stripeErrorKind } from './stripe-errors.ts';

/** A cardholder Stripe just returned (a create's or an update's answer), into the mirror at once. */
export async function mirrorCardholder(
  db: Queryable,
  account: string,
  holder: Stripe.Issuing.Cardholder,
  version = fetchVersion(),
): Promise<void> {
  await upsertCardholders(db, [cardholderIndexRow(holder, account, version)]);
}

/** Stripe's list in pages of 100; beyond this many the page says the list is cut short. */
const MAX_CARDHOLDERS = 1000;

function matches(holder: Stripe.Issuing.Cardholder, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  return [holder.id, holder.name, holder.email ?? '', holder.phone_number ?? ''].some((v) =>
    v.toLowerCase().includes(needle),
  );
}

type CardCounts = CardholderDetails['cards'];

/** Cards per cardholder and status, from the card index (one grouped query). */
async function cardCounts(db: Queryable, account: string): Promise<Map<string, CardCounts>> {
  const rows = await cardCountsByCardholder(db, account);
  const counts = new Map<string, CardCounts>();
  for (const row of rows) {
    const c = counts.get(row.cardholder_id) ?? { active: 0, inactive: 0, canceled: 0 };
    if (row.status === 'active' || row.status === 'inactive' || row.status === 'canceled') c[row.status] += row.n;
    counts.set(row.cardholder_id, c);
  }
  return counts;
}

export function toCardholderDetails(
  holder: Stripe.Issuing.Cardholder,
  account: string,
  cards?: CardCounts,
): CardholderDetails {
  return {
    id: holder.id,
    account,
    name: holder.name,
    email: holder.email ?? null,
    phone_number: holder.phone_number ?? null,
    status: holder.status,
    type: holder.type,
    created: holder.created,
    cards: cards ?? { active: 0, inactive: 0, canceled: 0 },
    spending_controls: { ...(holder.spending_controls as unknown as Record<string, unknown>) },
    requirements: {
      disabled_reason: holder.requirements?.disabled_reason ?? null,
      past_due: [...(holder.requirements?.past_due ?? [])],
    },
  };
}

/** A Stripe "not on this account" (stripe-errors.ts) as the page's 404; anything else as it came. */
function notFoundAccount(error: unknown): never {
  if (isNotOnAccount(error)) throw notFound('No such connected account.', 'account_not_found');
  throw error;
}

export async function listAccountCardholders(
  stripe: Stripe,
  db: Queryable,
  account: string,
  filter: { q?: string | undefined; status?: 'active' | 'inactive' | 'blocked' | undefined },
): Promise<{ data: CardholderDetails[]; truncated: boolean }> {
  const found: Stripe.Issuing.Cardholder[] = [];
  let seen = 0;
  if (await activityMirrored(db, account)) {
    // From the mirror: no Stripe call (the same cap and search as over Stripe's list).
    const holders = (await mirroredCardholders(db, account, {
      status: filter.status,
      limit: MAX_CARDHOLDERS,
    })) as unknown as Stripe.Issuing.Cardholder[];
    seen = holders.length;
    found.push(...holders.filter((h) => matches(h, filter.q ?? '')));
  } else {
    try {
      for await (const holder of stripe.issuing.cardholders.list(
        { limit: 100, ...(filter.status ? { status: filter.status } : {}) },
        { stripeContext: account },
      )) {
        seen += 1;
        if (matches(holder, filter.q ?? '')) found.push(holder);
        if (seen >= MAX_CARDHOLDERS) break;
      }
    } catch (error) {
      notFoundAccount(error);
    }
  }
  const counts = await cardCounts(db, account);
  return {
    data: found.map((h) => toCardholderDetails(h, account, counts.get(h.id))),
    truncated: seen >= MAX_CARDHOLDERS,
  };
}

export async function createCardholder(
  stripe: Stripe,
  input: CreateCardholderBody,
  idempotencyKey: string,
): Promise<Stripe.Issuing.Cardholder> {
  checkControls(input.spending_controls);
  if (input.type === 'individual' && !input.individual) {
    throw badRequest('Give the first and last name of the person.', 'individual.first_name');
  }
  const address = input.billing.address;
  const params: Stripe.Issuing.CardholderCreateParams = {
    type: input.type,
    name: input.name.trim(),
    billing: {
      address: {
        line1: address.line1,
        city: address.city,
        postal_code: address.postal_code,
        country: address.country,
        ...(address.line2 ? { line2: address.line2 } : {}),
        ...(address.state ? { state: address.state } : {}),
      },
    },
    ...(input.email?.trim() ? { email: input.email.trim() } : {}),
    ...(input.phone_number?.trim() ? { phone_number: input.phone_number.trim() } : {}),
    ...(input.type === 'individual' && input.individual
      ? { individual: { first_name: input.individual.first_name, last_name: input.individual.last_name } }
      : {}),
    ...(input.spending_controls ? { spending_controls: toStripeControls(input.spending_controls) } : {}),
  };
  try {
    return await stripe.issuing.cardholders.create(params, { stripeContext: input.account, idempotencyKey });
  } catch (error) {
    throw inputError(error) ?? notFoundAccount(error);
  }
}

/** The cardholder as mirrored; retrieved from Stripe when the mirror does not hold it. */
export async function retrieveCardholder(
  stripe: Stripe,
  db: Queryable,
  account: string,
  id: string,
): Promise<Stripe.Issuing.Cardholder> {
  const mirrored = await mirroredCardholder(db, account, id);
  if (mirrored) return mirrored as unknown as Stripe.Issuing.Cardholder;
  try {
    return await stripe.issuing.cardholders.retrieve(id, {}, { stripeContext: account });
  } catch (error) {
    if (stripeErrorKind(error) === 'not_found')
      throw notFound('No such cardholder on this account.', 'cardholder_not_found');
    throw error;
  }
}

export async function updateCardholderControls(
  stripe: Stripe,
  account: string,
  id: string,
  controls: SpendingControlsInput,
  idempotencyKey: string,
): Promise<Stripe.Issuing.Cardholder> {
  checkControls(controls);
  try {
    return await stripe.issuing.cardholders.update(
      id,
      { spending_controls: toStripeControls(controls) },
      { stripeContext: account, idempotencyKey },
    );
  } catch (error) {
    throw inputError(error) ?? error;
  }
}
