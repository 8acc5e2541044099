// Finding cards through the card index: the index says which account holds a card (and which
// cards match a last4, a cardholder or part of a name or email); Stripe, asked on that account,
// says what the card is now. A card id the index does not know is looked for only where the
// caller points (an account named in the request) or, for a member of a few accounts, in those:
// never on every connected account (one Stripe call per account per made-up id, issue 17 item 5;
// docs/decisions/143-what-made-up-input-costs.md). The index learns what is found.
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import { deleteIndexedCard, indexCovers, locateIndexedCard, searchIndex, type IndexedCard } from '../db/card-index.ts';
import type { Queryable } from '../db/database.ts';
import { badRequest } from '../errors.ts';
import { canReachAccount, type Scope } from './access.ts';
import { listConnectedAccounts } from './accounts.ts';
import { indexCards } from './card-index.ts';
import type { CardMissLimit } from './card-miss-limit.ts';
import { findCard, matchesFilters, needsLocalFiltering, searchCards, type CardFilters, type FoundCard } from './cards.ts';
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
    return { card: await stripe.issuing.cards.retrieve(cardId, {}, { stripeAccount: account }), account };
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
        const page = await stripe.issuing.cards.list({ cardholder, limit: 100 }, { stripeAccount: account });
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
  /** Whether the user is a member of the card's account, when the index answered that on the way. */
  member?: boolean;
}

/**
 * A member of at most this many accounts has them asked for a card the index does not know (a
 * card created while events were not arriving); beyond that, and for roles that reach every
 * account, such a card is found only with its account named (or once the index learns it).
 */
export const MEMBER_ACCOUNTS_SEARCHED = 3;

export interface LocateOptions {
  /**
   * An account the caller names as the card's (the client's URL); verified by retrieving the
   * card there, never trusted. The caller checks first that it may open that account.
   */
  accountHint?: string | undefined;
  /** The user whose membership of the card's account to look up in the same query. */
  userId?: string | null;
  /**
   * The caller's member accounts: asked, when neither the hint nor the index knows the card, if
   * there are at most `MEMBER_ACCOUNTS_SEARCHED` of them.
   */
  memberAccounts?: readonly string[];
  /** Index a card found through the hint (the card page, which other card routes follow without a hint). */
  indexHintHit?: boolean;
}

/**
 * The card, fresh from Stripe, with its account: one Stripe call when the hint or the index is
 * right. A hint that is wrong is ignored; an index entry that is wrong is dropped; a card the
 * index does not know is asked for on a few member accounts at most, else not found.
 */
export async function locateCard(deps: LookupDeps, cardId: string, options: LocateOptions = {}): Promise<LocatedCard | undefined> {
  const { stripe, db } = deps;
  if (options.accountHint) {
    const found = await retrieveOn(stripe, cardId, options.accountHint);
    if (found) {
      if (options.indexHintHit) await repair(deps, 'index a card', indexCards(db, [found]));
      return { found };
    }
  }
  const indexed = await locateIndexedCard(db, cardId, options.userId ?? null);
  if (indexed && indexed.account_id !== options.accountHint) {
    const found = await retrieveOn(stripe, cardId, indexed.account_id);
    if (found) return { found, member: indexed.member };
  }
  if (indexed) await repair(deps, 'drop a card Stripe does not have there', deleteIndexedCard(db, cardId));

  // Not indexed (yet): a member's few accounts, never a scan of every connected account.
  const members = (options.memberAccounts ?? []).filter((a) => a !== options.accountHint && a !== indexed?.account_id);
  if (members.length === 0 || (options.memberAccounts?.length ?? 0) > MEMBER_ACCOUNTS_SEARCHED) return undefined;
  const found = await findCard(stripe, cardId, members);
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
  options: { accountHint?: string | undefined; indexHintHit?: boolean } = {},
): Promise<LocatedCard | undefined> {
  const { scope, userId } = caller;
  const hint = options.accountHint && canReachAccount(scope, options.accountHint) ? options.accountHint : undefined;
  return deps.cardMisses.run(
    userId,
    () => locateCard(deps, cardId, { accountHint: hint, memberAccounts: scope.memberships, ...(options.indexHintHit ? { indexHintHit: true } : {}) }),
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

/** Whether what the index said about a card differs from what Stripe just returned. */
function indexIsStale(row: IndexedCard, card: Stripe.Issuing.Card): boolean {
  const holder = card.cardholder as Stripe.Issuing.Cardholder | string;
  const name = typeof holder === 'string' ? row.name : holder.name;
  const email = typeof holder === 'string' ? row.email : (holder.email ?? null);
  return row.status !== card.status || row.last4 !== card.last4 || row.name !== name || row.email !== email;
}

/**
 * Cards of the given accounts (null = every connected account) that pass the filters, newest
 * first, at most `limit`, continuing after `startingAfter`. From the index when it covers the
 * accounts, each card then fetched fresh on its account (so a card whose status or holder
 * changed since it was indexed is judged on what Stripe says now); otherwise from Stripe alone.
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
  // One account and nothing to filter here: Stripe's own list, one call, answers directly.
  if (accountIds?.length === 1 && !needsLocalFiltering(filters)) return searchCards(stripe, accountIds, filters, page);

  const { impossible, ...criteria } = indexCriteria(filters);
  if (impossible) return { data: [], hasMore: false };

  // A card id the index does not know (yet): the one account the list is of, or a member's few
  // accounts, is asked; never every connected account. Counted as a miss when nothing is found.
  const byId = async (cardId: string): Promise<{ data: FoundCard[]; hasMore: boolean }> => {
    const inScope = (located: LocatedCard | undefined): located is LocatedCard =>
      Boolean(located && (!accountIds || accountIds.includes(located.found.account)));
    const locate = () => locateCard(deps, cardId, accountIds?.length === 1 ? { accountHint: accountIds[0] } : { memberAccounts: accountIds ?? [] });
    const located = caller ? await caller.cardMisses.run(caller.userId, locate, (l) => !inScope(l)) : await locate();
    return { data: inScope(located) && matchesFilters(located.found.card, filters) ? [located.found] : [], hasMore: false };
  };
  if (await indexCovers(db, accountIds)) {
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
    const fresh = await fetchFresh(stripe, wanted);
    const stale: FoundCard[] = [];
    const data: FoundCard[] = [];
    for (const [i, row] of wanted.entries()) {
      const found = fresh[i];
      if (!found) {
        await repair(deps, 'drop a card Stripe does not have there', deleteIndexedCard(db, row.card_id));
        continue;
      }
      if (indexIsStale(row, found.card)) stale.push(found);
      if (matchesFilters(found.card, filters)) data.push(found);
    }
    if (stale.length) await repair(deps, 'refresh cards', indexCards(db, stale));
    return { data, hasMore };
  }

  // Not indexed yet (a first start): a card id as above (one card has no second page); other
  // queries from Stripe alone.
  if (criteria.cardId) return page.startingAfter ? { data: [], hasMore: false } : byId(criteria.cardId);
  const accounts = accountIds ?? (await listConnectedAccounts(stripe)).map((a) => a.id);
  return searchCards(stripe, accounts, filters, page);
}
