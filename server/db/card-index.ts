// The card index tables (migration 020): where each card lives and what lookups search. Writes
// are "latest report wins" per object (`version`, unix seconds of Stripe's report), so a late
// webhook event, the backfill and the app's own writes can arrive in any order.
import type { Queryable } from './database.ts';

export interface CardIndexRow {
  cardId: string;
  accountId: string;
  last4: string;
  type: string;
  status: string;
  cardholderId: string;
  created: number;
  /** The card this one replaced (card spending limits span the chain). */
  replacementFor?: string | null;
  /** Stripe's card as mirrored (server/domain/mirror/objects.ts); absent in a status-only report. */
  data?: Record<string, unknown> | null;
  /** When Stripe reported this state, in milliseconds (migration 148). */
  version: number;
}

export interface CardholderIndexRow {
  cardholderId: string;
  accountId: string;
  name: string;
  email: string | null;
  data?: Record<string, unknown> | null;
  version: number;
}

/**
 * Inserts or refreshes cards, one statement for the batch. A row always records that the card
 * was seen (updated_at); its fields change only when the report is not older than the stored one.
 */
export async function upsertCards(db: Queryable, rows: readonly CardIndexRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO card_index (card_id, account_id, last4, type, status, cardholder_id, created, version, replacement_for, data)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::jsonb[])
     ON CONFLICT (card_id) DO UPDATE SET
       replacement_for = CASE WHEN card_index.version <= EXCLUDED.version THEN EXCLUDED.replacement_for ELSE card_index.replacement_for END,
       data = CASE WHEN card_index.version <= EXCLUDED.version THEN coalesce(EXCLUDED.data, card_index.data) ELSE card_index.data END,
       account_id = CASE WHEN card_index.version <= EXCLUDED.version THEN EXCLUDED.account_id ELSE card_index.account_id END,
       last4 = CASE WHEN card_index.version <= EXCLUDED.version THEN EXCLUDED.last4 ELSE card_index.last4 END,
       type = CASE WHEN card_index.version <= EXCLUDED.version THEN EXCLUDED.type ELSE card_index.type END,
       status = CASE WHEN card_index.version <= EXCLUDED.version THEN EXCLUDED.status ELSE card_index.status END,
       cardholder_id = CASE WHEN card_index.version <= EXCLUDED.version THEN EXCLUDED.cardholder_id ELSE card_index.cardholder_id END,
       created = EXCLUDED.created,
       version = GREATEST(card_index.version, EXCLUDED.version),
       updated_at = now()`,
    [
      rows.map((r) => r.cardId),
      rows.map((r) => r.accountId),
      rows.map((r) => r.last4),
      rows.map((r) => r.type),
      rows.map((r) => r.status),
      rows.map((r) => r.cardholderId),
      rows.map((r) => r.created),
      rows.map((r) => r.version),
      rows.map((r) => r.replacementFor ?? null),
      rows.map((r) => (r.data ? JSON.stringify(r.data) : null)),
    ],
  );
}

/** A status-only report (an event whose object carries no more): applied to a known card if newer. */
export async function updateCardStatus(db: Queryable, cardId: string, status: string, version: number): Promise<void> {
  await db.query(
    `UPDATE card_index SET status = $2, version = $3, updated_at = now(),
       data = CASE WHEN data IS NULL THEN NULL ELSE jsonb_set(data, '{status}', to_jsonb($2::text)) END
     WHERE card_id = $1 AND version <= $3`,
    [cardId, status, version],
  );
}

export async function upsertCardholders(db: Queryable, rows: readonly CardholderIndexRow[]): Promise<void> {
  // One row per cardholder: a batch of cards often repeats its holder, and ON CONFLICT may not
  // touch the same row twice in one statement.
  const byId = new Map<string, CardholderIndexRow>();
  for (const row of rows) {
    const seen = byId.get(row.cardholderId);
    if (!seen || seen.version <= row.version) byId.set(row.cardholderId, row);
  }
  if (byId.size === 0) return;
  const unique = [...byId.values()];
  await db.query(
    `INSERT INTO cardholder_index (cardholder_id, account_id, name, email, version, data)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[])
     ON CONFLICT (cardholder_id) DO UPDATE SET
       account_id = EXCLUDED.account_id, name = EXCLUDED.name, email = EXCLUDED.email,
       data = coalesce(EXCLUDED.data, cardholder_index.data),
       version = EXCLUDED.version, updated_at = now()
     WHERE cardholder_index.version <= EXCLUDED.version`,
    [
      unique.map((r) => r.cardholderId),
      unique.map((r) => r.accountId),
      unique.map((r) => r.name),
      unique.map((r) => r.email),
      unique.map((r) => r.version),
      unique.map((r) => (r.data ? JSON.stringify(r.data) : null)),
    ],
  );
}

export async function deleteIndexedCard(db: Queryable, cardId: string): Promise<void> {
  await db.query('DELETE FROM card_index WHERE card_id = $1', [cardId]);
}

export interface IndexedCardLocation {
  account_id: string;
  type: string;
  /** Whether `userId` is a member of the card's account (false when no user was given). */
  member: boolean;
}

/** Where a card lives, and in the same round trip whether the user is a member of that account. */
export async function locateIndexedCard(
  db: Queryable,
  cardId: string,
  userId: string | null,
): Promise<IndexedCardLocation | undefined> {
  const rows = await db.query<IndexedCardLocation>(
    `SELECT c.account_id, c.type,
       EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = $2 AND m.account_id = c.account_id) AS member
     FROM card_index c WHERE c.card_id = $1`,
    [cardId, userId],
  );
  return rows[0];
}

export interface IndexSearch {
  /** Accounts to search; null = every indexed account. */
  accounts: readonly string[] | null;
  cardId?: string | undefined;
  last4?: string | undefined;
  cardholderId?: string | undefined;
  /** The cardholder's whole email (case-insensitive): by equality, on cardholder_index_email_idx. */
  email?: string | undefined;
  /** Parts of a cardholder's name or email (case-insensitive substrings), all of which must match. */
  texts?: readonly string[] | undefined;
  status?: string | undefined;
  type?: string | undefined;
  /** Continue after this card (newest first: created, then id, descending). */
  startingAfter?: string | undefined;
  limit: number;
}

export interface IndexedCard {
  card_id: string;
  account_id: string;
  status: string;
  last4: string;
  cardholder_id: string;
  name: string | null;
  email: string | null;
}

/** `%…%` for LIKE, with the user's own wildcards taken literally. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Matching cards, newest first, at most `limit + 1` (the extra one says there is more). */
export async function searchIndex(db: Queryable, search: IndexSearch): Promise<IndexedCard[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (search.accounts) where.push(`c.account_id = ANY(${param(search.accounts)}::text[])`);
  if (search.cardId) where.push(`c.card_id = ${param(search.cardId)}`);
  if (search.last4) where.push(`c.last4 = ${param(search.last4)}`);
  if (search.cardholderId) where.push(`c.cardholder_id = ${param(search.cardholderId)}`);
  if (search.email) where.push(`lower(h.email) = ${param(search.email.toLowerCase())}`);
  if (search.status) where.push(`c.status = ${param(search.status)}`);
  if (search.type) where.push(`c.type = ${param(search.type)}`);
  for (const text of search.texts ?? []) {
    const pattern = param(containsPattern(text));
    where.push(`(lower(h.name) LIKE ${pattern} OR lower(h.email) LIKE ${pattern})`);
  }
  if (search.startingAfter) {
    const after = param(search.startingAfter);
    where.push(`(c.created, c.card_id) < (SELECT a.created, a.card_id FROM card_index a WHERE a.card_id = ${after})`);
  }
  const limit = param(search.limit + 1);
  return db.query<IndexedCard>(
    `SELECT c.card_id, c.account_id, c.status, c.last4, c.cardholder_id, h.name, h.email
     FROM card_index c LEFT JOIN cardholder_index h ON h.cardholder_id = c.cardholder_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY c.created DESC, c.card_id DESC
     LIMIT ${limit}`,
    params,
  );
}

/**
 * Whether the index holds every card of these accounts (null = of every connected account it
 * knows): each has completed a backfill. Events keep a backfilled account current.
 */
export async function indexCovers(db: Queryable, accounts: readonly string[] | null): Promise<boolean> {
  const rows = accounts
    ? await db.query<{ missing: number | string }>(
        `SELECT count(*) AS missing FROM unnest($1::text[]) AS a(id)
         WHERE NOT EXISTS (SELECT 1 FROM card_index_accounts x WHERE x.account_id = a.id AND x.backfilled_at IS NOT NULL)`,
        [accounts],
      )
    : await db.query<{ missing: number | string }>(
        `SELECT CASE WHEN EXISTS (SELECT 1 FROM card_index_accounts) THEN
           (SELECT count(*) FROM card_index_accounts WHERE backfilled_at IS NULL) ELSE 1 END AS missing`,
      );
  return Number(rows[0]?.missing ?? 1) === 0;
}

/**
 * Records the accounts a backfill is about to index (their cursors start over); each keeps an
 * earlier completion until it completes again.
 */
export async function startBackfill(db: Queryable, accounts: readonly string[]): Promise<void> {
  await db.query(
    `INSERT INTO card_index_accounts (account_id, backfill_started_at)
     SELECT a, now() FROM unnest($1::text[]) AS a
     ON CONFLICT (account_id) DO UPDATE SET backfill_started_at = now(), cursor = NULL`,
    [accounts],
  );
}

/** Whether this deployment's connected accounts have been listed (its backfill has begun). */
export async function accountsListed(db: Queryable): Promise<boolean> {
  return (await db.query('SELECT 1 FROM card_index_backfill')).length > 0;
}

/** Records, with the accounts to index, that the deployment's accounts have been listed. */
export async function recordAccountsListed(db: Queryable): Promise<void> {
  await db.query(
    'INSERT INTO card_index_backfill (singleton) VALUES (true) ON CONFLICT (singleton) DO UPDATE SET accounts_listed_at = now()',
  );
}

export interface PendingAccount {
  account_id: string;
  /** The last card of the last page recorded, to continue after; null = from the start. */
  cursor: string | null;
}

/** Accounts whose backfill has not completed since it last started, oldest first. */
export async function pendingBackfills(db: Queryable): Promise<PendingAccount[]> {
  return db.query<PendingAccount>(
    `SELECT account_id, cursor FROM card_index_accounts
     WHERE backfilled_at IS NULL OR backfilled_at < backfill_started_at
     ORDER BY backfill_started_at, account_id`,
  );
}

/** Where an account's backfill got to; written in the transaction that records the page. */
export async function recordBackfillCursor(db: Queryable, account: string, cursor: string): Promise<void> {
  await db.query('UPDATE card_index_accounts SET cursor = $2 WHERE account_id = $1', [account, cursor]);
}

/**
 * A connected account the index has never seen (an event of an account connected after the
 * backfill): recorded as still to do. Returns whether it was new.
 */
export async function addAccountToBackfill(db: Queryable, account: string): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO card_index_accounts (account_id, backfill_started_at) VALUES ($1, now())
     ON CONFLICT (account_id) DO NOTHING RETURNING account_id`,
    [account],
  );
  return rows.length > 0;
}

/**
 * Marks an account's backfill complete and drops the cards it did not see (not reported by the
 * listing, by an event or by a write since the backfill started): they no longer exist there.
 */
export async function finishBackfill(db: Queryable, account: string): Promise<number> {
  const dropped = await db.query(
    `DELETE FROM card_index WHERE account_id = $1
       AND updated_at < (SELECT backfill_started_at FROM card_index_accounts WHERE account_id = $1)
     RETURNING card_id`,
    [account],
  );
  await db.query(
    `UPDATE card_index_accounts SET backfilled_at = now(), cursor = NULL,
       cards = (SELECT count(*) FROM card_index WHERE account_id = $1)
     WHERE account_id = $1`,
    [account],
  );
  return dropped.length;
}

/** Accounts the index holds cards of that are no longer connected: their rows go. */
export async function forgetAccountsExcept(db: Queryable, connected: readonly string[]): Promise<void> {
  await db.query('DELETE FROM card_index WHERE NOT (account_id = ANY($1::text[]))', [connected]);
  await db.query('DELETE FROM card_index_accounts WHERE NOT (account_id = ANY($1::text[]))', [connected]);
}

/**
 * How many cards the index holds per account, for those of `accounts` whose backfill has
 * completed (the index then holds all of their cards); the others are absent from the map.
 */
export async function indexedCardCounts(db: Queryable, accounts: readonly string[]): Promise<Map<string, number>> {
  if (accounts.length === 0) return new Map();
  const rows = await db.query<{ account_id: string; cards: number | string }>(
    `SELECT x.account_id, count(c.card_id) AS cards
     FROM card_index_accounts x LEFT JOIN card_index c ON c.account_id = x.account_id
     WHERE x.account_id = ANY($1::text[]) AND x.backfilled_at IS NOT NULL
     GROUP BY x.account_id`,
    [accounts],
  );
  return new Map(rows.map((r) => [r.account_id, Number(r.cards)]));
}

/** An account's indexed cards counted per cardholder and status (one grouped query, the cardholders page). */
export async function cardCountsByCardholder(
  db: Queryable,
  account: string,
): Promise<{ cardholder_id: string; status: string; n: number }[]> {
  const rows = await db.query<{ cardholder_id: string; status: string; n: string | number }>(
    'SELECT cardholder_id, status, count(*) AS n FROM card_index WHERE account_id = $1 GROUP BY cardholder_id, status',
    [account],
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}
