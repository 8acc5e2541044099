// Finding cards through the card index and the mirror: the index says which account holds a card
// (and which cards match a last4, a cardholder or part of a name or email); the mirror says what
// the card is, as Stripe last reported it (docs/decisions/148-mirror.md): no Stripe call. A card
// id the mirror does not know is looked for only on the account the request names (one
// retrieve: a card created seconds ago), never on every connected account (decision 143); an
// unknown id costs no Stripe call at all. Stripe alone answers for accounts not indexed yet.
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import { deleteIndexedCard, indexCovers, locateIndexedCard, searchIndex, type IndexedCard } from '../db/card-index.ts';
import type { Queryable } from '../db/database.ts';
import { mirroredCard } from '../db/mirror-reads.ts';
import { badRequest } from '../errors.ts';
import { canReachAccount, type Scope } from './access.ts';
import { listConnectedAccounts } from './accounts.ts';
import { indexCards } from './card-index.ts';
import type { CardMissLimit } from './card-miss-limit.ts';
import { cardFromMirror, cardsFromMirror } from './mirror/read.ts';
import {
  findCard,
  matchesFilters,
  needsLocalFiltering,
  searchCards,
  type CardFilters,
  type FoundCard,
} from './cards.ts';
import { isNotOnAccount, stripeErrorKind } from './stripe-errors.ts';

export interface LookupDeps {
  stripe: Stripe;
  db: Queryable;
  log: FastifyBaseLogger;
}

/**
 * Index writes on the way of a lookup are repairs: a lookup that found its card answers even if
 * the index cannot be written (the backfill and the events catch up).
 */
async function repair(deps: LookupDeps, what: string, write: Promise<void>): Promise<void> {
  await write.catch((err: unknown) => deps.log.warn({ err }, `card index: could not ${what}`));
}

/** How many cards a lookup fetches from Stripe at once. */
const FETCH_CONCURRENCY = 8;

/** The card as Stripe has it now on this account; undefined when it is not there. */
async function retrieveOn(stripe: Stripe, cardId: string, account: string): Promise<FoundCard | undefined> {
  try {
    return { card: await stripe.issuing.cards.retrieve(cardId, {}, { stripeContext: account }), account };
  } catch (error) {
    if (isNotOnAccount(error)) return undefined;
    throw error;
  }
}

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Each row's card as Stripe has it now, in the rows' order (undefined: not on that account).
 * Several cards of one cardholder on one account (a lookup by name or email finds a person's
 * cards) come from one list call filtered by the cardholder instead of one retrieve each: at
 * 10 cards, 1 Stripe call instead of 10. A card that list does not return (more than 100
 * cards, or an index row naming the wrong cardholder) is retrieved on its own.
 */
async function fetchFresh(stripe: Stripe, rows: readonly IndexedCard[]): Promise<Array<FoundCard | undefined>> {
  const groups = new Map<string, IndexedCard[]>();
  for (const row of rows) {
    const key = `${row.account_id} ${row.cardholder_id}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const found = new Map<string, FoundCard | undefined>();
  await mapBounded([...groups.values()], FETCH_CONCURRENCY, async (group) => {
    const { account_id: account, cardholder_id: cardholder } = group[0]!;
    let listed = new Map<string, Stripe.Issuing.Card>();
    if (group.length > 1) {
      try {
        const page = await stripe.issuing.cards.list({ cardholder, limit: 100 }, { stripeContext: account });
        listed = new Map(page.data.map((card) => [card.id, card]));
      } catch (error) {
        // Stripe refused the list (e.g. no such cardholder there): each card is retrieved instead.
        if (!isNotOnAccount(error) && stripeErrorKind(error) !== 'invalid_request') throw error;
      }
    }
    for (const row of group) {
      const card = listed.get(row.card_id);
      found.set(row.card_id, card ? { card, account } : await retrieveOn(stripe, row.card_id, account));
    }
  });
  return rows.map((row) => found.get(row.card_id));
}

export interface LocatedCard {
  found: FoundCard;
  /** Whether the user is a member of the card's account, when the mirror answered that on the way. */
  member?: boolean;
}

/**
 * A member of at most this many accounts has those of them the card index does not cover yet
 * (before their first backfill) asked for a card it does not know; once an account is covered,
 * the mirror's answer is final (a card it does not hold is found only with its account named).
 */
export const MEMBER_ACCOUNTS_SEARCHED = 3;

export interface LocateOptions {
  /**
   * An account the caller names as the card's (the client's URL): asked, with one retrieve, for
   * a card the mirror does not hold (created seconds ago, its event not here yet); verified by
   * that retrieve, never trusted. The caller checks first that it may open that account.
   */
  accountHint?: string | undefined;
  /** The user whose membership of the card's account to look up in the same query. */
  userId?: string | null;
  /**
   * The caller's member accounts: those the card index does not cover yet are asked, when
   * neither the hint nor the mirror knows the card, if there are at most `MEMBER_ACCOUNTS_SEARCHED`.
   */
  memberAccounts?: readonly string[];
}

/**
 * The card with its account, from the mirror (docs/decisions/148-mirror.md): no Stripe call for
 * a card it holds. A card it does not hold costs one retrieve on the account the request names
 * (and is mirrored), or nothing: an unknown id is not looked for on other accounts (decisions
 * 143, 148). A row indexed before the mirror kept whole objects is read once on its account.
 */
export async function locateCard(
  deps: LookupDeps,
  cardId: string,
  options: LocateOptions = {},
): Promise<LocatedCard | undefined> {
  const { stripe, db } = deps;
  const row = await mirroredCard(db, cardId, options.userId ?? null);
  if (row) {
    const card = cardFromMirror(row);
    if (card) return { found: { card, account: row.account_id }, member: row.member };
    const found = await retrieveOn(stripe, cardId, row.account_id);
    if (found) {
      await repair(deps, 'mirror a card', indexCards(db, [found]));
      return { found, member: row.member };
    }
    await repair(deps, 'drop a card Stripe does not have there', deleteIndexedCard(db, cardId));
  }
  if (options.accountHint && options.accountHint !== row?.account_id) {
    const found = await retrieveOn(stripe, cardId, options.accountHint);
    if (found) {
      await repair(deps, 'mirror a card', indexCards(db, [found]));
      return { found };
    }
  }

  // Member accounts whose cards are not all indexed yet (a first start): the old way, a few
  // accounts at most, never a scan of every connected account.
  const members = (options.memberAccounts ?? []).filter((a) => a !== options.accountHint && a !== row?.account_id);
  if (members.length === 0 || (options.memberAccounts?.length ?? 0) > MEMBER_ACCOUNTS_SEARCHED) return undefined;
  const uncovered: string[] = [];
  for (const account of members) if (!(await indexCovers(db, [account]))) uncovered.push(account);
  if (uncovered.length === 0) return undefined;
  const found = await findCard(stripe, cardId, uncovered);
  if (found) await repair(deps, 'index a card', indexCards(db, [found]));
  return found && { found };
}

export interface CallerLookupDeps extends LookupDeps {
  cardMisses: CardMissLimit;
}

/**
 * The card for a signed-in caller, looked for only where its scope allows (a hint naming an
 * account the caller may not open is ignored), with the caller's misses bounded
 * (./card-miss-limit.ts): a lookup that finds nothing, or a card the caller may not reach, is a miss.
 */
export async function locateCardFor(
  deps: CallerLookupDeps,
  caller: { userId: string; scope: Scope },
  cardId: string,
  options: { accountHint?: string | undefined } = {},
): Promise<LocatedCard | undefined> {
  const { scope, userId } = caller;
  const hint = options.accountHint && canReachAccount(scope, options.accountHint) ? options.accountHint : undefined;
  return deps.cardMisses.run(
    userId,
    () => locateCard(deps, cardId, { accountHint: hint, userId, memberAccounts: scope.memberships }),
    (located) => !located || !canReachAccount(scope, located.found.account),
  );
}

interface IndexCriteria {
  cardId?: string;
  last4?: string;
  cardholderId?: string;
  email?: string;
  texts: string[];
  /** The filters contradict each other (two different last4): nothing can match. */
  impossible?: boolean;
}

function indexCriteria(filters: CardFilters): IndexCriteria {
  const criteria: IndexCriteria = { texts: [] };
  if (filters.last4) criteria.last4 = filters.last4;
  if (filters.cardholderEmail) criteria.email = filters.cardholderEmail;
  const holder = filters.cardholder?.trim();
  if (holder) {
    if (holder.startsWith('ich_')) criteria.cardholderId = holder;
    else criteria.texts.push(holder);
  }
  const q = filters.q?.trim();
  if (q) {
    if (q.startsWith('ic_')) criteria.cardId = q;
    else if (/^\d{4}$/.test(q)) {
      if (criteria.last4 && criteria.last4 !== q) criteria.impossible = true;
      criteria.last4 = q;
    } else criteria.texts.push(q);
  }
  return criteria;
}

/**
 * Cards of the given accounts (null = every connected account) that pass the filters, newest
 * first, at most `limit`, continuing after `startingAfter`. From the index and the mirror when
 * the index covers the accounts (no Stripe call: each card as Stripe last reported it, kept
 * current by the events and the reconciler); otherwise from Stripe alone.
 */
export async function lookupCards(
  deps: LookupDeps,
  accountIds: readonly string[] | null,
  filters: CardFilters,
  page: { limit: number; startingAfter?: string | undefined },
  /** Whose misses a lookup by card id counts against (./card-miss-limit.ts). */
  caller?: { userId: string; cardMisses: CardMissLimit },
): Promise<{ data: FoundCard[]; hasMore: boolean }> {
  const { stripe, db } = deps;
  const covered = await indexCovers(db, accountIds);
  // Not indexed yet, one account and nothing to filter here: Stripe's own list, one call.
  if (!covered && accountIds?.length === 1 && !needsLocalFiltering(filters))
    return searchCards(stripe, accountIds, filters, page);

  const { impossible, ...criteria } = indexCriteria(filters);
  if (impossible) return { data: [], hasMore: false };

  // A card id the index does not know (yet): the one account the list is of, or a member's few
  // accounts, is asked; never every connected account. Counted as a miss when nothing is found.
  const byId = async (cardId: string): Promise<{ data: FoundCard[]; hasMore: boolean }> => {
    const inScope = (located: LocatedCard | undefined): located is LocatedCard =>
      Boolean(located && (!accountIds || accountIds.includes(located.found.account)));
    const locate = () =>
      locateCard(
        deps,
        cardId,
        accountIds?.length === 1 ? { accountHint: accountIds[0] } : { memberAccounts: accountIds ?? [] },
      );
    const located = caller ? await caller.cardMisses.run(caller.userId, locate, (l) => !inScope(l)) : await locate();
    return {
      data: inScope(located) && matchesFilters(located.found.card, filters) ? [located.found] : [],
      hasMore: false,
    };
  };
  if (covered) {
    // The cursor must be a card of the list being paged: another account's card would page by
    // its place in someone else's list.
    if (page.startingAfter) {
      const cursor = await locateIndexedCard(db, page.startingAfter, null);
      if (!cursor || (accountIds && !accountIds.includes(cursor.account_id))) {
        throw badRequest('starting_after must be a card of the list being paged.', 'starting_after');
      }
    }
    const rows = await searchIndex(db, {
      accounts: accountIds,
      ...criteria,
      status: filters.status,
      type: filters.type,
      startingAfter: page.startingAfter,
      limit: page.limit,
    });
    // A card id the index does not know may still exist (created while events were not
    // arriving): found where byId looks, and indexed.
    if (rows.length === 0 && criteria.cardId && !page.startingAfter) return byId(criteria.cardId);
    const hasMore = rows.length > page.limit;
    const wanted = rows.slice(0, page.limit);
    // Each card as mirrored; a row indexed before the mirror kept whole objects is read fresh
    // on its account once (and mirrored), a card Stripe no longer has there is dropped.
    const mirrored = await cardsFromMirror(
      db,
      wanted.map((row) => row.card_id),
    );
    const missing = wanted.filter((row) => !mirrored.has(row.card_id));
    const fresh = missing.length ? await fetchFresh(stripe, missing) : [];
    const freshById = new Map(missing.map((row, i) => [row.card_id, fresh[i]]));
    const data: FoundCard[] = [];
    for (const row of wanted) {
      const found = mirrored.get(row.card_id) ?? freshById.get(row.card_id);
      if (!found) {
        await repair(deps, 'drop a card Stripe does not have there', deleteIndexedCard(db, row.card_id));
        continue;
      }
      if (matchesFilters(found.card, filters)) data.push(found);
    }
    const read = [...freshById.values()].filter((f): f is FoundCard => f !== undefined);
    if (read.length) await repair(deps, 'mirror cards', indexCards(db, read));
    return { data, hasMore };
  }

  // Not indexed yet (a first start): a card id as above (one card has no second page); other
  // queries from Stripe alone.
  if (criteria.cardId) return page.startingAfter ? { data: [], hasMore: false } : byId(criteria.cardId);
  const accounts = accountIds ?? (await listConnectedAccounts(stripe)).map((a) => a.id);
  return searchCards(stripe, accounts, filters, page);
}
