// A card's or an account's authorizations as the dashboard shows them: from the mirror
// (docs/decisions/148-mirror.md) with the filters, order and cursor of Stripe's list endpoint,
// or from that endpoint for an account the mirror has not backfilled yet; each row with the
// captures and refunds that followed and, when declined, the explanation (./decline-explanations.ts).
import type Stripe from 'stripe';
import type { ActivitySummary, AuthorizationListQuery } from '../../shared/activity-filters.ts';
import type { AuthorizationRow, AuthorizationsQuery } from '../../shared/authorizations-api.ts';
import { badRequest } from '../errors.ts';
import { activityFilter, notMirroredYet, toSummary, usesAppFilters } from './activity-filters.ts';
import { explainAuthorization, requestedAmount } from './decline-explanations.ts';
import type { Queryable } from '../db/database.ts';
import {
  activityMirrored,
  mirroredAuthorizations,
  mirroredAuthorizationTotals,
  transactionsOf,
  type AuthorizationFilter,
} from '../db/mirror-reads.ts';
import { cardsFromMirror, mirrorSpendSource } from './mirror/read.ts';
import {
  SpendHistory,
  StripeSpendSource,
  earliestWindow,
  type CallCounter,
  type SpendSource,
} from './spending-usage.ts';

export interface AuthorizationPage {
  data: AuthorizationRow[];
  has_more: boolean;
  /** What the whole filtered list adds up to; null when it is read from Stripe (not mirrored yet). */
  summary: ActivitySummary | null;
}

function seconds(iso: string | undefined, field: string): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw badRequest('Not a date and time.', field);
  return Math.floor(ms / 1000);
}

/** Stripe's list parameters from the app's query (from inclusive, to exclusive). */
export function listParams(query: AuthorizationsQuery): Stripe.Issuing.AuthorizationListParams {
  const from = seconds(query.from, 'from');
  const to = seconds(query.to, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw badRequest('`from` must be before `to`.', 'from');
  const created = { ...(from !== undefined ? { gte: from } : {}), ...(to !== undefined ? { lt: to } : {}) };
  return {
    limit: query.limit ?? 25,
    ...(query.status ? { status: query.status } : {}),
    ...(Object.keys(created).length ? { created } : {}),
    ...(query.starting_after ? { starting_after: query.starting_after } : {}),
  };
}

function cardOf(auth: Stripe.Issuing.Authorization): Stripe.Issuing.Card | string {
  return auth.card;
}

export function toRow(
  auth: Stripe.Issuing.Authorization,
  account: string,
  explanation?: AuthorizationRow['explanation'],
): AuthorizationRow {
  const card = cardOf(auth);
  const last = auth.request_history?.at(-1);
  // Stripe embeds the card (with its cardholder) in an authorization: names, not ids, on the page.
  const embedded = typeof card === 'string' ? null : card;
  const holder = embedded?.cardholder as Stripe.Issuing.Cardholder | string | undefined;
  return {
    id: auth.id,
    card: embedded ? embedded.id : (card as string),
    card_last4: embedded?.last4 ?? null,
    cardholder_name: holder && typeof holder === 'object' ? holder.name : null,
    account,
    created: auth.created,
    amount: auth.approved ? auth.amount : requestedAmount(auth),
    currency: auth.currency,
    merchant_amount: auth.approved ? auth.merchant_amount : (last?.merchant_amount ?? auth.merchant_amount),
    merchant_currency: auth.merchant_currency,
    merchant: {
      name: auth.merchant_data?.name ?? null,
      category: auth.merchant_data?.category ?? 'unknown',
      city: auth.merchant_data?.city ?? null,
      country: auth.merchant_data?.country ?? null,
    },
    status: auth.status,
    approved: auth.approved,
    reason: last?.reason ?? null,
    ...(explanation ? { explanation } : {}),
    transactions: (auth.transactions ?? []).map((t) => ({
      id: t.id,
      type: t.type,
      amount: t.amount,
      currency: t.currency,
      created: t.created,
    })),
  };
}

/**
 * Where an account's authorizations and spending histories are read: the mirror once it holds
 * the account's activity (no Stripe call), else Stripe's list endpoint (the account's backfill
 * has not completed yet).
 */
export async function spendSourceFor(
  deps: ActivityDeps,
  account: string,
  counter: CallCounter = { calls: 0 },
): Promise<SpendSource> {
  return (await activityMirrored(deps.db, account))
    ? mirrorSpendSource(deps.db, account)
    : new StripeSpendSource(deps.stripe, account, counter);
}

export interface ActivityDeps {
  stripe: Stripe;
  db: Queryable;
}

/**
 * Rows with explanations. A spending-controls decline needs the spend before it: one history per
 * card, read once for the whole page, reaching back to the earliest window any row needs.
 */
export async function explainPage(
  source: SpendSource,
  auths: Stripe.Issuing.Authorization[],
  account: string,
  cardFor: (auth: Stripe.Issuing.Authorization) => Stripe.Issuing.Card | undefined,
): Promise<AuthorizationRow[]> {
  const histories = new Map<string, SpendHistory>();
  const since = new Map<string, number>();
  for (const auth of auths) {
    const card = cardFor(auth);
    if (auth.approved || !card || auth.request_history?.at(-1)?.reason !== 'spending_controls') continue;
    const start = earliestWindow(card, auth.created);
    since.set(card.id, Math.min(since.get(card.id) ?? start, start));
  }
  for (const [cardId, start] of since) {
    const card = auths.map(cardFor).find((c) => c?.id === cardId)!;
    histories.set(cardId, new SpendHistory(source, card, start));
  }
  return Promise.all(
    auths.map(async (auth) => {
      const card = cardFor(auth);
      if (auth.approved || !card) return toRow(auth, account);
      const history = histories.get(card.id) ?? new SpendHistory(source, card, auth.created);
      return toRow(auth, account, await explainAuthorization(card, auth, history));
    }),
  );
}

/**
 * Mirrored authorizations as Stripe returns them: each with its transactions and (on an
 * account's list) its card and cardholder embedded, as Stripe expands them.
 */
export async function asStripeAuthorizations(
  db: Queryable,
  account: string,
  rows: readonly Record<string, unknown>[],
  card: Stripe.Issuing.Card | undefined,
): Promise<Stripe.Issuing.Authorization[]> {
  const transactions = await transactionsOf(
    db,
    rows.map((r) => String(r.id)),
  );
  const cards = card
    ? new Map([[card.id, { card, account }]])
    : await cardsFromMirror(
        db,
        rows.map((r) => String(r.card)),
      );
  return rows.map((data) => {
    const own = transactions.get(String(data.id));
    return {
      ...data,
      card: cards.get(String(data.card))?.card ?? data.card,
      transactions: own ?? data.transactions ?? [],
    } as unknown as Stripe.Issuing.Authorization;
  });
}

/**
 * One page of a card's (or, without `card`, an account's) authorizations from the mirror, with
 * the filters (./activity-filters.ts) and Stripe's order (newest first).
 */
async function mirroredPage(
  db: Queryable,
  filter: AuthorizationFilter,
  query: AuthorizationListQuery,
  card: Stripe.Issuing.Card | undefined,
): Promise<{ auths: Stripe.Issuing.Authorization[]; hasMore: boolean }> {
  const limit = query.limit ?? 25;
  const rows = await mirroredAuthorizations(db, { ...filter, startingAfter: query.starting_after, limit });
  if (!rows) throw badRequest('starting_after must be an authorization of the list being paged.', 'starting_after');
  const auths = await asStripeAuthorizations(db, filter.account, rows.slice(0, limit), card);
  return { auths, hasMore: rows.length > limit };
}

/**
 * One page of a card's (or, without `card`, an account's) authorizations, and what the whole
 * filtered list adds up to. The filters Stripe's list endpoint lacks (outcome, reason, merchant,
 * amount) need the mirror: before the account's backfill they answer 503.
 */
export async function listAuthorizations(
  deps: ActivityDeps,
  account: string,
  query: AuthorizationListQuery,
  card: Stripe.Issuing.Card | undefined,
  counter: CallCounter = { calls: 0 },
): Promise<AuthorizationPage> {
  const cardFor = (auth: Stripe.Issuing.Authorization) => {
    if (card) return card;
    const embedded = cardOf(auth);
    return typeof embedded === 'string' ? undefined : embedded;
  };
  if (await activityMirrored(deps.db, account)) {
    const filter = activityFilter(query, account, card?.id);
    const [{ auths, hasMore }, totals] = await Promise.all([
      mirroredPage(deps.db, filter, query, card),
      mirroredAuthorizationTotals(deps.db, filter),
    ]);
    return {
      data: await explainPage(mirrorSpendSource(deps.db, account), auths, account, cardFor),
      has_more: hasMore,
      summary: toSummary(totals),
    };
  }
  if (usesAppFilters(query)) throw notMirroredYet();
  counter.calls += 1;
  const page = await deps.stripe.issuing.authorizations.list(
    { ...listParams(query), ...(card ? { card: card.id } : {}) },
    { stripeContext: account },
  );
  const data = await explainPage(new StripeSpendSource(deps.stripe, account, counter), page.data, account, cardFor);
  return { data, has_more: page.has_more, summary: null };
}
