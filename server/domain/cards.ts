// Finding and listing Issuing cards across connected accounts on Stripe alone. Cards live in
// Stripe, per connected account, and Stripe has no cross-account card search: this path lists
// the accounts, then asks each. Lookups go through the card index first (./card-lookup.ts) and
// use this path for what the index does not cover yet (never for one card id: decision 143).
import type Stripe from 'stripe';
import type { CardSummary } from '../../shared/api.ts';
import { inputError, isNotOnAccount } from './stripe-errors.ts';
import { badRequest } from '../errors.ts';

export interface FoundCard {
  card: Stripe.Issuing.Card;
  account: string;
}

/**
 * The card and its account, searching the given accounts in order (one Stripe call each);
 * undefined if none has it. Callers pass a few accounts, never every connected one (decision 143).
 */
export async function findCard(
  stripe: Stripe,
  cardId: string,
  accountIds: readonly string[],
): Promise<FoundCard | undefined> {
  for (const account of accountIds) {
    try {
      const card = await stripe.issuing.cards.retrieve(cardId, {}, { stripeContext: account });
      return { card, account };
    } catch (error) {
      if (!isNotOnAccount(error)) throw error;
    }
  }
  return undefined;
}

export async function countCards(stripe: Stripe, account: string): Promise<number> {
  let count = 0;
  for await (const _card of stripe.issuing.cards.list({ limit: 100 }, { stripeContext: account })) count += 1;
  return count;
}

export interface CardFilters {
  status?: 'active' | 'inactive' | 'canceled' | undefined;
  type?: 'virtual' | 'physical' | undefined;
  last4?: string | undefined;
  /** A cardholder id (ich_…) goes to Stripe; anything else matches name or email here. */
  cardholder?: string | undefined;
  /** A card id, a last4, or part of a cardholder's name or email. */
  q?: string | undefined;
  /**
   * The cardholder's whole email, lowercased: only that cardholder's cards (a support agent's
   * lookup by full email, server/domain/lookup-query.ts). Never from the query string.
   */
  cardholderEmail?: string | undefined;
}

function cardholderOf(card: Stripe.Issuing.Card): { id: string; name: string; email: string | null } {
  const holder = card.cardholder as Stripe.Issuing.Cardholder | string;
  return typeof holder === 'string'
    ? { id: holder, name: '', email: null }
    : { id: holder.id, name: holder.name, email: holder.email ?? null };
}

function matchesText(card: Stripe.Issuing.Card, text: string): boolean {
  const needle = text.trim().toLowerCase();
  const holder = cardholderOf(card);
  return holder.name.toLowerCase().includes(needle) || (holder.email ?? '').toLowerCase().includes(needle);
}

/** Whether a card passes the filters Stripe's list endpoint cannot apply. */
function matchesLocally(card: Stripe.Issuing.Card, filters: CardFilters): boolean {
  if (filters.cardholder && !filters.cardholder.startsWith('ich_') && !matchesText(card, filters.cardholder))
    return false;
  const q = filters.q?.trim();
  if (q) {
    if (q.startsWith('ic_')) return card.id === q;
    if (/^\d{4}$/.test(q)) return card.last4 === q;
    return matchesText(card, q);
  }
  return true;
}

function stripeListParams(filters: CardFilters): Stripe.Issuing.CardListParams {
  return {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.last4 ? { last4: filters.last4 } : {}),
    ...(filters.cardholder?.startsWith('ich_') ? { cardholder: filters.cardholder } : {}),
  };
}

/** Whether a card passes every filter (those Stripe's list applies, and those it cannot). */
export function matchesFilters(card: Stripe.Issuing.Card, filters: CardFilters): boolean {
  if (filters.status && card.status !== filters.status) return false;
  if (filters.type && card.type !== filters.type) return false;
  if (filters.last4 && card.last4 !== filters.last4) return false;
  if (filters.cardholder?.startsWith('ich_') && cardholderOf(card).id !== filters.cardholder) return false;
  if (filters.cardholderEmail && (cardholderOf(card).email ?? '').toLowerCase() !== filters.cardholderEmail)
    return false;
  return matchesLocally(card, filters);
}

export function needsLocalFiltering(filters: CardFilters): boolean {
  return (
    Boolean(filters.q?.trim()) ||
    Boolean(filters.cardholder && !filters.cardholder.startsWith('ich_')) ||
    Boolean(filters.cardholderEmail)
  );
}

/**
 * Cards of the given accounts that pass the filters, newest first within each account,
 * at most `limit`, continuing after `startingAfter` when given.
 */
export async function searchCards(
  stripe: Stripe,
  accountIds: readonly string[],
  filters: CardFilters,
  page: { limit: number; startingAfter?: string | undefined },
): Promise<{ data: FoundCard[]; hasMore: boolean }> {
  // One account and nothing to filter here: Stripe's own pagination answers directly.
  if (accountIds.length === 1 && !needsLocalFiltering(filters)) {
    const account = accountIds[0]!;
    let list: Stripe.ApiList<Stripe.Issuing.Card>;
    try {
      list = await stripe.issuing.cards.list(
        {
          ...stripeListParams(filters),
          limit: page.limit,
          ...(page.startingAfter ? { starting_after: page.startingAfter } : {}),
        },
        { stripeContext: account },
      );
    } catch (error) {
      // Stripe refuses a cursor that is not in the list (a card of another account, or none).
      if (page.startingAfter && inputError(error)?.field === 'starting_after') {
        throw badRequest('starting_after must be a card of the list being paged.', 'starting_after');
      }
      throw error;
    }
    return { data: list.data.map((card) => ({ card, account })), hasMore: list.has_more };
  }

  // A card id never comes here: ./card-lookup.ts finds it through the index or a named account
  // (asking every account for one id is what decision 143 removed).
  const data: FoundCard[] = [];
  let skipping = Boolean(page.startingAfter);
  for (const account of accountIds) {
    for await (const card of stripe.issuing.cards.list(
      { ...stripeListParams(filters), limit: 100 },
      { stripeContext: account },
    )) {
      if (skipping) {
        if (card.id === page.startingAfter) skipping = false;
        continue;
      }
      if (!matchesLocally(card, filters)) continue;
      if (data.length === page.limit) return { data, hasMore: true };
      data.push({ card, account });
    }
  }
  return { data, hasMore: false };
}

/** What the app may show of a card: never its number, CVC, PIN or expiry. */
export function toCardSummary({ card, account }: FoundCard): CardSummary {
  return {
    id: card.id,
    account,
    last4: card.last4,
    brand: card.brand,
    type: card.type,
    status: card.status,
    currency: card.currency,
    created: card.created,
    cardholder: cardholderOf(card),
    spending_controls: { ...(card.spending_controls as unknown as Record<string, unknown>) },
    cancellation_reason: card.cancellation_reason ?? null,
  };
}
