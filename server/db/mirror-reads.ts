// Reading the mirror (migration 148, docs/decisions/148-mirror.md): what the pages show, from
// the app's own copy of the platform's Issuing data instead of Stripe. Every query here is
// bounded by an index of migration 148 (card_index primary key, the authorizations' and
// transactions' (card|account|cardholder, created) indexes). Writes are in ./mirror.ts and
// ./card-index.ts.
import type { Queryable } from './database.ts';

type Json = Record<string, unknown>;

export interface MirroredCardRow {
  card_id: string;
  account_id: string;
  /** Stripe's card with its cardholder as an id (null: indexed before the mirror kept objects). */
  card: Json | null;
  /** The cardholder's object (null: not mirrored whole yet). */
  holder: Json | null;
  /** Whether the user asked about is a member of the card's account. */
  member: boolean;
}

const CARD_COLUMNS = `c.card_id, c.account_id, c.data AS card, h.data AS holder`;

/** One card, its cardholder and whether `userId` is a member of its account: one round trip. */
export async function mirroredCard(
  db: Queryable,
  cardId: string,
  userId: string | null,
): Promise<MirroredCardRow | undefined> {
  const rows = await db.query<MirroredCardRow>(
    `SELECT ${CARD_COLUMNS},
       EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = $2 AND m.account_id = c.account_id) AS member
     FROM card_index c LEFT JOIN cardholder_index h ON h.cardholder_id = c.cardholder_id
     WHERE c.card_id = $1`,
    [cardId, userId],
  );
  return rows[0];
}

/** Several cards with their cardholders (a lookup's page, the cards an authorization page names). */
export async function mirroredCards(db: Queryable, cardIds: readonly string[]): Promise<MirroredCardRow[]> {
  if (cardIds.length === 0) return [];
  return db.query<MirroredCardRow>(
    `SELECT ${CARD_COLUMNS}, false AS member
     FROM card_index c LEFT JOIN cardholder_index h ON h.cardholder_id = c.cardholder_id
     WHERE c.card_id = ANY($1::text[])`,
    [cardIds],
  );
}

/**
 * The cards a card's limits span: the card it replaced, and that card's, up the chain (at most
 * 20), starting from `replacementFor`. Ids the mirror does not hold as cards are still returned
 * (their authorizations count all the same).
 */
export async function replacedCards(db: Queryable, replacementFor: string): Promise<string[]> {
  const rows = await db.query<{ card_id: string }>(
    `WITH RECURSIVE chain(card_id, depth) AS (
       SELECT $1::text, 1
       UNION ALL
       SELECT c.replacement_for, chain.depth + 1 FROM chain JOIN card_index c ON c.card_id = chain.card_id
       WHERE c.replacement_for IS NOT NULL AND chain.depth < 20
     )
     SELECT card_id FROM chain ORDER BY depth`,
    [replacementFor],
  );
  return rows.map((r) => r.card_id);
}

// ---- Connected accounts ----

export interface MirroredAccountRow {
  account_id: string;
  name: string;
  data: Json;
}

/** The mirrored accounts (all, or these), newest first as Stripe lists them. */
export async function mirroredAccounts(
  db: Queryable,
  accountIds: readonly string[] | null,
): Promise<MirroredAccountRow[]> {
  return db.query<MirroredAccountRow>(
    `SELECT account_id, name, data FROM mirror_accounts
     ${accountIds ? 'WHERE account_id = ANY($1::text[])' : ''}
     ORDER BY coalesce((data->>'created')::bigint, 0) DESC, account_id DESC`,
    accountIds ? [accountIds] : [],
  );
}

export async function mirroredAccountNames(
  db: Queryable,
  accountIds: readonly string[] | null,
): Promise<Map<string, string>> {
  const rows = await db.query<{ account_id: string; name: string }>(
    `SELECT account_id, name FROM mirror_accounts ${accountIds ? 'WHERE account_id = ANY($1::text[])' : ''}`,
    accountIds ? [accountIds] : [],
  );
  return new Map(rows.map((r) => [r.account_id, r.name]));
}

/**
 * Whether the mirror holds the account's authorizations, transactions and cardholders: its
 * activity backfill has completed (events and the reconciler keep it current from then on).
 */
export async function activityMirrored(db: Queryable, accountId: string): Promise<boolean> {
  const rows = await db.query(
    'SELECT 1 FROM mirror_sync WHERE account_id = $1 AND activity_backfilled_at IS NOT NULL',
    [accountId],
  );
  return rows.length > 0;
}

// ---- Cardholders ----

/** An account's cardholders as mirrored, newest first, at most `limit`. */
export async function mirroredCardholders(
  db: Queryable,
  accountId: string,
  filter: { status?: string | undefined; limit: number },
): Promise<Json[]> {
  const params: unknown[] = [accountId, filter.limit];
  const status = filter.status ? `AND data->>'status' = $${params.push(filter.status)}` : '';
  const rows = await db.query<{ data: Json }>(
    `SELECT data FROM cardholder_index
     WHERE account_id = $1 AND data IS NOT NULL ${status}
     ORDER BY coalesce((data->>'created')::bigint, 0) DESC, cardholder_id DESC
     LIMIT $2`,
    params,
  );
  return rows.map((r) => r.data);
}

export async function mirroredCardholder(
  db: Queryable,
  accountId: string,
  cardholderId: string,
): Promise<Json | undefined> {
  const rows = await db.query<{ data: Json }>(
    'SELECT data FROM cardholder_index WHERE cardholder_id = $1 AND account_id = $2 AND data IS NOT NULL',
    [cardholderId, accountId],
  );
  return rows[0]?.data;
}

// ---- Authorizations and transactions ----

/** The filters of an authorizations list (server/domain/activity-filters.ts reads them from the query). */
export interface AuthorizationFilter {
  account: string;
  card?: string | undefined;
  status?: string | undefined;
  /** created >= gte, created < lt (unix seconds), as Stripe's `created` filter. */
  gte?: number | undefined;
  lt?: number | undefined;
  approved?: boolean | undefined;
  /** A decline reason (migration 157's decline_reason): declined authorizations only. */
  reason?: string | undefined;
  /** Part of merchant_data.name, any case; LIKE's wildcards in it match themselves. */
  merchant?: string | undefined;
  /** The amount the pages show (migration 157's shown_amount), inclusive, smallest unit. */
  minAmount?: number | undefined;
  maxAmount?: number | undefined;
}

export interface AuthorizationSearch extends AuthorizationFilter {
  startingAfter?: string | undefined;
  limit: number;
}

/** `%`, `_` and the escape character itself match only themselves in a LIKE pattern. */
export const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The WHERE clauses of a filter, its values pushed through `param`. The card's or the account's
 * range of mirror_authorizations_card_idx or _account_idx (migration 157), whose INCLUDE columns
 * hold everything else a filter compares.
 */
function filterClauses(filter: AuthorizationFilter, param: (value: unknown) => string): string[] {
  const where = [`account_id = ${param(filter.account)}`];
  if (filter.card) where.push(`card_id = ${param(filter.card)}`);
  if (filter.status) where.push(`status = ${param(filter.status)}`);
  if (filter.gte !== undefined) where.push(`created >= ${param(filter.gte)}`);
  if (filter.lt !== undefined) where.push(`created < ${param(filter.lt)}`);
  if (filter.approved !== undefined) where.push(filter.approved ? 'approved' : 'NOT approved');
  if (filter.reason) where.push(`decline_reason = ${param(filter.reason)}`);
  if (filter.merchant) where.push(`merchant_name ILIKE ${param(`%${likeLiteral(filter.merchant)}%`)} ESCAPE '\\'`);
  if (filter.minAmount !== undefined) where.push(`shown_amount >= ${param(filter.minAmount)}`);
  if (filter.maxAmount !== undefined) where.push(`shown_amount <= ${param(filter.maxAmount)}`);
  return where;
}

/**
 * One page of authorizations, newest first (created, then the order the mirror learned of them:
 * migration 151), at most `limit + 1` (the extra
 * one says there is more); undefined when the cursor is not an authorization of this list.
 */
export async function mirroredAuthorizations(db: Queryable, search: AuthorizationSearch): Promise<Json[] | undefined> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = filterClauses(search, param);
  if (search.startingAfter) {
    const [cursor] = await db.query<{ created: string | number; seq: string | number }>(
      `SELECT created, seq FROM mirror_authorizations WHERE id = $1 AND account_id = $2 ${search.card ? 'AND card_id = $3' : ''}`,
      search.card ? [search.startingAfter, search.account, search.card] : [search.startingAfter, search.account],
    );
    if (!cursor) return undefined;
    where.push(`(created, seq) < (${param(Number(cursor.created))}::bigint, ${param(Number(cursor.seq))}::bigint)`);
  }
  const rows = await db.query<{ data: Json }>(
    `SELECT data FROM mirror_authorizations WHERE ${where.join(' AND ')}
     ORDER BY created DESC, seq DESC LIMIT ${param(search.limit + 1)}`,
    params,
  );
  return rows.map((r) => r.data);
}

/** Where a batch of an export ends: the next batch starts after it. */
export interface BatchCursor {
  created: number;
  seq: number;
}

/**
 * The next `limit` authorizations of a filtered list after `after` (null: from the newest), in
 * the list's order: a CSV export reads any number of rows this way, one batch in memory at a time.
 */
export async function mirroredAuthorizationBatch(
  db: Queryable,
  filter: AuthorizationFilter,
  after: BatchCursor | null,
  limit: number,
): Promise<{ rows: Json[]; next: BatchCursor | null }> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = filterClauses(filter, param);
  if (after) where.push(`(created, seq) < (${param(after.created)}::bigint, ${param(after.seq)}::bigint)`);
  const rows = await db.query<{ data: Json; created: string | number; seq: string | number }>(
    `SELECT data, created, seq FROM mirror_authorizations WHERE ${where.join(' AND ')}
     ORDER BY created DESC, seq DESC LIMIT ${param(limit)}`,
    params,
  );
  const last = rows.at(-1);
  return {
    rows: rows.map((r) => r.data),
    next: last && rows.length === limit ? { created: Number(last.created), seq: Number(last.seq) } : null,
  };
}

export interface OutcomeTotals {
  approved: boolean;
  currency: string;
  count: number;
  amount: number;
}

/** What a filtered list adds up to, per outcome and currency: one index-only pass (migration 157). */
export async function mirroredAuthorizationTotals(
  db: Queryable,
  filter: AuthorizationFilter,
): Promise<OutcomeTotals[]> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const rows = await db.query<{ approved: boolean; currency: string; count: string | number; amount: string | number }>(
    `SELECT approved, currency, count(*) AS count, coalesce(sum(shown_amount), 0) AS amount
     FROM mirror_authorizations WHERE ${filterClauses(filter, param).join(' AND ')}
     GROUP BY approved, currency`,
    params,
  );
  return rows.map((r) => ({
    approved: r.approved,
    currency: r.currency,
    count: Number(r.count),
    amount: Number(r.amount),
  }));
}

export interface DayBucketRow {
  /** 1 for [edges[0], edges[1]), and so on. */
  bucket: number;
  approved: boolean;
  currency: string;
  reason: string | null;
  count: number;
  amount: number;
}

/**
 * A card's or an account's authorizations in [edges[0], edges.at(-1)) counted and added up per
 * bucket between consecutive edges (days), outcome, currency and decline reason: one index-only
 * range of mirror_authorizations_card_idx or _account_idx (migration 157).
 */
export async function mirroredDailyTotals(
  db: Queryable,
  scope: { account: string; card?: string | undefined },
  edges: readonly number[],
): Promise<DayBucketRow[]> {
  const params: unknown[] = [edges];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = filterClauses({ ...scope, gte: edges[0], lt: edges.at(-1) }, param);
  const rows = await db.query<{
    bucket: number;
    approved: boolean;
    currency: string;
    reason: string | null;
    count: string | number;
    amount: string | number;
  }>(
    `SELECT width_bucket(created, $1::bigint[]) AS bucket, approved, currency, decline_reason AS reason,
       count(*) AS count, coalesce(sum(shown_amount), 0) AS amount
     FROM mirror_authorizations WHERE ${where.join(' AND ')}
     GROUP BY 1, 2, 3, 4`,
    params,
  );
  return rows.map((r) => ({
    bucket: Number(r.bucket),
    approved: r.approved,
    currency: r.currency,
    reason: r.reason,
    count: Number(r.count),
    amount: Number(r.amount),
  }));
}

/**
 * The transactions of these authorizations, oldest first per authorization. Within a second a
 * capture comes before what follows it (a refund needs its capture; webhooks may deliver them in
 * either order), then the order the mirror learned of them.
 */
export async function transactionsOf(db: Queryable, authorizationIds: readonly string[]): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  if (authorizationIds.length === 0) return out;
  const rows = await db.query<{ authorization_id: string; data: Json }>(
    `SELECT authorization_id, data FROM mirror_transactions WHERE authorization_id = ANY($1::text[]) ORDER BY created, (type <> 'capture'), seq`,
    [authorizationIds],
  );
  for (const row of rows) out.set(row.authorization_id, [...(out.get(row.authorization_id) ?? []), row.data]);
  return out;
}

export interface MirroredSpend {
  id: string;
  created: number;
  category: string | null;
  status: string;
  approved: boolean;
  amount: number;
  /** The sum of the authorization's capture transactions (negative: money leaving the balance). */
  captured: number;
}

type SpendFilter = { cards: readonly string[] } | { cardholder: string };

/**
 * Approved authorizations of these cards (or of this cardholder) created since `since`, each
 * with what its captures add up to (kept on the row by the ingest: migration 153): what a
 * spending limit counts (server/domain/spending-usage.ts). One index-only scan.
 */
export async function mirroredSpend(
  db: Queryable,
  account: string,
  filter: SpendFilter,
  since: number,
): Promise<MirroredSpend[]> {
  const byCards = 'cards' in filter;
  const rows = await db.query<{
    id: string;
    created: string | number;
    category: string | null;
    status: string;
    approved: boolean;
    amount: string | number;
    captured: string | number;
  }>(
    `SELECT a.id, a.created, a.category, a.status, a.approved, a.amount, a.captured
     FROM mirror_authorizations a
     WHERE a.account_id = $1 AND ${byCards ? 'a.card_id = ANY($2::text[])' : 'a.cardholder_id = $2'} AND a.created >= $3 AND a.approved`,
    [account, byCards ? filter.cards : filter.cardholder, since],
  );
  return rows.map((r) => ({
    id: r.id,
    created: Number(r.created),
    category: r.category,
    status: r.status,
    approved: r.approved,
    amount: Number(r.amount),
    captured: Number(r.captured),
  }));
}

/** A window a limit counts: [from, until] (unix seconds), its categories (null: all), leaving out `except`. */
export interface SpendWindow {
  from: number;
  until: number;
  categories: readonly string[] | null;
  except?: string | undefined;
}

/**
 * What each window has spent, added up by PostgreSQL in one pass over the widest window
 * (index-only, migration 153). The windows' edges cut time into buckets, and the windows'
 * category lists make a bit mask of the lists a row's category is in: rows are added up per
 * (bucket, mask), a few rows back (not ~10,000 for a busy cardholder's year), whatever the number
 * of windows; each window is then the sum of its buckets and masks. (A sum per window with
 * FILTER costs rows x windows: a page of 25 declines asks for 125 windows, 58 ms on a busy
 * cardholder.) The rule is spendOf's (server/domain/spending-usage.ts) on the row's captured
 * sum: approved, the captures plus, while pending, what is held beyond them; an authorization
 * counting nothing or less counts nothing; no category counts as 'unknown'. The windows'
 * `except` ids (the declined authorizations being explained) come back one row each, left out
 * of their own window only.
 */
export async function mirroredSpendTotals(
  db: Queryable,
  account: string,
  filter: SpendFilter,
  windows: readonly SpendWindow[],
): Promise<number[]> {
  if (windows.length === 0) return [];
  // Buckets are half-open, [edge, next edge): a window [from, until] is the buckets from `from` to `until + 1`.
  const edges = [...new Set(windows.flatMap((w) => [w.from, w.until + 1]))].sort((a, b) => a - b);
  const excepts = [...new Set(windows.flatMap((w) => (w.except === undefined ? [] : [w.except])))];
  // The distinct category lists; a window's list is bit `listOf(w)` of the mask (-1: every category).
  const listKey = (w: SpendWindow) => (w.categories?.length ? JSON.stringify([...w.categories].sort()) : '');
  const lists = new Map<string, readonly string[]>();
  for (const w of windows) if (listKey(w)) lists.set(listKey(w), w.categories!);
  const listOf = (w: SpendWindow) => (listKey(w) ? [...lists.keys()].indexOf(listKey(w)) : -1);
  const params: unknown[] = [account, byCardsParam(filter), edges[0], edges.at(-1)! - 1, edges, excepts];
  const mask = lists.size
    ? [...lists.values()]
        .map(
          (list, i) =>
            `CASE WHEN coalesce(a.category, 'unknown') = ANY($${params.push(list)}::text[]) THEN ${2 ** i} ELSE 0 END`,
        )
        .join(' + ')
    : '0';
  const rows = await db.query<{ bucket: number; mask: number; except_id: string | null; spend: string | number }>(
    `SELECT width_bucket(a.created, $5::bigint[]) AS bucket, ${mask} AS mask, NULL AS except_id, sum(${SPEND_SQL}) AS spend
     FROM mirror_authorizations a
     WHERE ${SPEND_WHERE('cards' in filter)} AND NOT (a.id = ANY($6::text[]))
     GROUP BY 1, 2
     UNION ALL
     SELECT width_bucket(a.created, $5::bigint[]), ${mask}, a.id, ${SPEND_SQL}
     FROM mirror_authorizations a
     WHERE a.id = ANY($6::text[]) AND ${SPEND_WHERE('cards' in filter)}`,
    params,
  );
  return windows.map((w) => {
    // width_bucket numbers from 1: bucket i is [edges[i - 1], edges[i]).
    const first = edges.indexOf(w.from) + 1;
    const last = edges.indexOf(w.until + 1);
    const list = listOf(w);
    let total = 0;
    for (const r of rows) {
      if (r.bucket < first || r.bucket > last || (r.except_id !== null && r.except_id === w.except)) continue;
      if (list >= 0 && !(Number(r.mask) & (2 ** list))) continue;
      total += Number(r.spend);
    }
    return total;
  });
}

const byCardsParam = (filter: SpendFilter) => ('cards' in filter ? filter.cards : filter.cardholder);
/** What an approved authorization counts (spendOf), from its row (alias `a`; the overview adds it up too). */
export const SPEND_SQL = `GREATEST(-a.captured + CASE WHEN a.status = 'pending' THEN GREATEST(a.amount + a.captured, 0) ELSE 0 END, 0)`;
/** The scope's approved authorizations in [$3, $4]: one range of mirror_authorizations_card_idx or _cardholder_idx. */
const SPEND_WHERE = (byCards: boolean) =>
  `a.account_id = $1 AND ${byCards ? 'a.card_id = ANY($2::text[])' : 'a.cardholder_id = $2'} AND a.created >= $3 AND a.created <= $4 AND a.approved`;
