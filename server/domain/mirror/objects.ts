// What the mirror keeps of each Stripe object (docs/decisions/148-mirror.md): Stripe's object
// with embedded objects replaced by their ids (each is mirrored on its own, so a rename of a
// cardholder is one row, not one per card and authorization) and without any secret. A card's
// `number` and `cvc` appear only when expanded and its PIN never; they are dropped here anyway,
// so that no path can store them.
import type Stripe from 'stripe';
import type { CardholderIndexRow } from '../../db/card-index.ts';

/** Milliseconds: a fetch counts from the moment it was sent. */
export const fetchVersion = (sentAt = Date.now()): number => sentAt;
/** Events carry whole seconds: an event counts as the end of its second (migration 148). */
export const eventVersion = (event: Pick<Stripe.Event, 'created'>): number => event.created * 1000 + 999;
/**
 * The answer to the app's own write counts as the end of its second, like an event: it is the
 * state after the write, so an event of the same second from before it (the card's
 * `issuing_card.created` a moment earlier) must not hide it from the page that reads it back;
 * the write's own event, of the same second, then ties and confirms it (decision 151).
 */
export const writeVersion = (answeredAt = Date.now()): number => Math.floor(answeredAt / 1000) * 1000 + 999;

/** The id of an object that may be embedded (expanded) or already an id. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return null;
}

const CARD_SECRETS = ['number', 'cvc', 'pin'] as const;

/** The card as mirrored: cardholder and replacement links as ids, no secret. */
export function cardData(card: Stripe.Issuing.Card): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(card as unknown as Record<string, unknown>) };
  for (const key of CARD_SECRETS) delete data[key];
  data.cardholder = idOf(card.cardholder);
  data.replacement_for = idOf(card.replacement_for);
  data.replaced_by = idOf(card.replaced_by);
  return data;
}

export function cardholderData(holder: Stripe.Issuing.Cardholder): Record<string, unknown> {
  return { ...(holder as unknown as Record<string, unknown>) };
}

/** A whole cardholder as Stripe returned it (a list page, a fetch, a write's answer), as its index row. */
export function cardholderIndexRow(
  holder: Stripe.Issuing.Cardholder,
  account: string,
  version: number,
): CardholderIndexRow {
  return {
    cardholderId: holder.id,
    accountId: account,
    name: holder.name,
    email: holder.email ?? null,
    data: cardholderData(holder),
    version,
  };
}

/** The authorization as mirrored: its card and cardholder as ids, its transactions as Stripe embeds them. */
export function authorizationData(auth: Stripe.Issuing.Authorization): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(auth as unknown as Record<string, unknown>) };
  data.card = idOf(auth.card);
  data.cardholder = idOf(auth.cardholder);
  return data;
}

export function transactionData(txn: Stripe.Issuing.Transaction): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(txn as unknown as Record<string, unknown>) };
  data.card = idOf(txn.card);
  data.cardholder = idOf(txn.cardholder);
  data.authorization = idOf(txn.authorization);
  return data;
}

/**
 * What the dashboard shows of a connected account, and nothing of the people behind it (no
 * `individual`, `company`, `external_accounts`): its names, email, capabilities, requirements.
 */
export function accountData(account: Stripe.Account): Record<string, unknown> {
  return {
    id: account.id,
    object: 'account',
    created: account.created ?? null,
    email: account.email ?? null,
    type: account.type ?? null,
    country: account.country ?? null,
    default_currency: account.default_currency ?? null,
    business_profile: account.business_profile ? { name: account.business_profile.name ?? null } : null,
    settings: account.settings?.dashboard
      ? { dashboard: { display_name: account.settings.dashboard.display_name ?? null } }
      : null,
    capabilities: account.capabilities ?? {},
    requirements: account.requirements
      ? {
          currently_due: account.requirements.currently_due ?? [],
          past_due: account.requirements.past_due ?? [],
          eventually_due: account.requirements.eventually_due ?? [],
          disabled_reason: account.requirements.disabled_reason ?? null,
        }
      : null,
    charges_enabled: account.charges_enabled ?? false,
    details_submitted: account.details_submitted ?? false,
  };
}
