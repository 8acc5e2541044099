// The mirror's tables beyond cards and cardholders (those are the card index's, ./card-index.ts):
// connected accounts, authorizations, transactions, and how far each account is in step with
// Stripe (migration 148, docs/decisions/148-mirror.md). Writes are "latest report wins" on
// `version` (milliseconds), so webhooks, the backfill, the reconciler and the app's own writes
// may arrive in any order.
import type { Queryable } from './database.ts';

export interface MirrorAccountRow {
  accountId: string;
  name: string;
  data: Record<string, unknown>;
  version: number;
}

export interface MirrorAuthorizationRow {
  id: string;
  accountId: string;
  cardId: string;
  cardholderId: string | null;
  created: number;
  status: string;
  approved: boolean;
  amount: number;
  currency: string;
  category: string | null;
  data: Record<string, unknown>;
  version: number;
}

export interface MirrorTransactionRow {
  id: string;
  accountId: string;
  cardId: string;
  authorizationId: string | null;
  created: number;
  type: string;
  amount: number;
  currency: string;
  data: Record<string, unknown>;
  version: number;
}

/** Keeps the newest report of each id in a batch (ON CONFLICT may not touch a row twice). */
function newestById<T extends { version: number }>(rows: readonly T[], id: (row: T) => string): T[] {
  const byId = new Map<string, T>();
  for (const row of rows) {
    const seen = byId.get(id(row));
    if (!seen || seen.version <= row.version) byId.set(id(row), row);
  }
  return [...byId.values()];
}

const json = (value: unknown): string => JSON.stringify(value);

export async function upsertAccounts(db: Queryable, rows: readonly MirrorAccountRow[]): Promise<void> {
  const unique = newestById(rows, (r) => r.accountId);
  if (unique.length === 0) return;
  await db.query(
    `INSERT INTO mirror_accounts (account_id, name, data, version)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bigint[])
     ON CONFLICT (account_id) DO UPDATE SET
       name = EXCLUDED.name, data = EXCLUDED.data, version = EXCLUDED.version, updated_at = now()
     WHERE mirror_accounts.version <= EXCLUDED.version`,
    [
      unique.map((r) => r.accountId),
      unique.map((r) => r.name),
      unique.map((r) => json(r.data)),
      unique.map((r) => r.version),
    ],
  );
}

/**
 * A `capability.updated` event carries the capability, not the account: its status is set on a
 * mirrored account if the event is newer (the requirements follow with the account's own event
 * or the reconciler's fetch).
 */
export async function updateAccountCapability(
  db: Queryable,
  accountId: string,
  capability: string,
  status: string,
  version: number,
): Promise<void> {
  await db.query(
    `UPDATE mirror_accounts SET data = jsonb_set(data, ARRAY['capabilities', $2::text], to_jsonb($3::text), true), version = $4, updated_at = now()
     WHERE account_id = $1 AND version <= $4 AND jsonb_typeof(data->'capabilities') = 'object'`,
    [accountId, capability, status, version],
  );
}

/** A row as mirror_write() (migration 153) reads it: the table's columns, snake_case. */
function authorizationJson(r: MirrorAuthorizationRow) {
  return {
    id: r.id,
    account_id: r.accountId,
    card_id: r.cardId,
    cardholder_id: r.cardholderId,
    created: r.created,
    status: r.status,
    approved: r.approved,
    amount: r.amount,
    currency: r.currency,
    category: r.category,
    data: r.data,
    version: r.version,
  };
}

function transactionJson(r: MirrorTransactionRow) {
  return {
    id: r.id,
    account_id: r.accountId,
    card_id: r.cardId,
    authorization_id: r.authorizationId,
    created: r.created,
    type: r.type,
    amount: r.amount,
    currency: r.currency,
    data: r.data,
    version: r.version,
  };
}

/**
 * Authorizations and transactions in one round trip (migration 153's `mirror_write`): "latest
 * report wins" on `version`, and every authorization touched gets the sum of its captures
 * (`captured`, what the spend reads), exact whichever of an authorization and its captures
 * arrives first. With `reported`, that account's "reported" mark too (./mirror.ts recordReported).
 */
export async function writeActivity(
  db: Queryable,
  write: {
    authorizations?: readonly MirrorAuthorizationRow[];
    transactions?: readonly MirrorTransactionRow[];
    reported?: string | undefined;
  },
): Promise<void> {
  const auths = newestById(write.authorizations ?? [], (r) => r.id);
  const txns = newestById(write.transactions ?? [], (r) => r.id);
  if (auths.length === 0 && txns.length === 0 && !write.reported) return;
  await db.query('SELECT mirror_write($1::jsonb, $2::jsonb, $3::text)', [
    json(auths.map(authorizationJson)),
    json(txns.map(transactionJson)),
    write.reported ?? null,
  ]);
}

export async function upsertAuthorizations(db: Queryable, rows: readonly MirrorAuthorizationRow[]): Promise<void> {
  if (rows.length > 0) await writeActivity(db, { authorizations: rows });
}

export async function upsertTransactions(db: Queryable, rows: readonly MirrorTransactionRow[]): Promise<void> {
  if (rows.length > 0) await writeActivity(db, { transactions: rows });
}

/** Accounts no longer connected: their mirrored data goes (cards go with the card index's own rule). */
export async function forgetMirrorAccountsExcept(db: Queryable, connected: readonly string[]): Promise<void> {
  for (const table of ['mirror_accounts', 'mirror_authorizations', 'mirror_transactions', 'mirror_sync']) {
    await db.query(`DELETE FROM ${table} WHERE NOT (account_id = ANY($1::text[]))`, [connected]);
  }
}

// ---- How far each account is in step (mirror_sync, mirror_status) ----

export interface ActivityBackfill {
  account_id: string;
  authorizations_cursor: string | null;
  transactions_cursor: string | null;
  /**
   * When the account's card backfill started (unix seconds): the reconciler's first pass lists
   * events from there, so a change between the card listing and this backfill is not lost.
   */
  started: number | string;
}

/** Accounts whose cards are mirrored but whose authorizations and transactions are still to backfill. */
export async function pendingActivityBackfills(db: Queryable): Promise<ActivityBackfill[]> {
  return db.query<ActivityBackfill>(
    `SELECT x.account_id, s.authorizations_cursor, s.transactions_cursor,
       floor(extract(epoch FROM x.backfill_started_at))::bigint AS started
     FROM card_index_accounts x LEFT JOIN mirror_sync s ON s.account_id = x.account_id
     WHERE x.backfilled_at IS NOT NULL AND x.backfilled_at >= x.backfill_started_at AND s.activity_backfilled_at IS NULL
     ORDER BY x.account_id`,
  );
}

export async function recordActivityCursor(
  db: Queryable,
  account: string,
  kind: 'authorizations' | 'transactions',
  cursor: string,
): Promise<void> {
  await db.query(
    `INSERT INTO mirror_sync (account_id, ${kind}_cursor) VALUES ($1, $2)
     ON CONFLICT (account_id) DO UPDATE SET ${kind}_cursor = EXCLUDED.${kind}_cursor`,
    [account, cursor],
  );
}

/** The account's activity is backfilled; from now on the reconciler follows its events from `since`. */
export async function finishActivityBackfill(db: Queryable, account: string, since: number): Promise<void> {
  await db.query(
    `INSERT INTO mirror_sync (account_id, activity_backfilled_at, events_created, reconciled_at, reported_at)
     VALUES ($1, now(), $2, now(), now())
     ON CONFLICT (account_id) DO UPDATE SET activity_backfilled_at = now(), authorizations_cursor = NULL,
       transactions_cursor = NULL, events_created = coalesce(mirror_sync.events_created, EXCLUDED.events_created),
       reconciled_at = now(), reported_at = now()`,
    [account, since],
  );
}

/** Forgets the activity backfill of these accounts (an operator's full resync backfills them again). */
export async function restartActivityBackfill(db: Queryable, accounts: readonly string[]): Promise<void> {
  await db.query(
    `UPDATE mirror_sync SET activity_backfilled_at = NULL, authorizations_cursor = NULL, transactions_cursor = NULL
     WHERE account_id = ANY($1::text[])`,
    [accounts],
  );
}

export interface ReconcileTarget {
  account_id: string;
  /** The newest event applied (unix seconds); the next pass lists events from a little before it. */
  events_created: number | null;
}

/**
 * Accounts for the reconciler's next pass, at most `limit`: those reported most recently first
 * (where a lost webhook is likeliest to matter), then those reconciled longest ago.
 */
export async function reconcileTargets(db: Queryable, limit: number): Promise<ReconcileTarget[]> {
  const rows = await db.query<{ account_id: string; events_created: string | number | null }>(
    `SELECT account_id, events_created FROM mirror_sync
     WHERE activity_backfilled_at IS NOT NULL
     ORDER BY reconciled_at ASC NULLS FIRST, account_id
     LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    account_id: r.account_id,
    events_created: r.events_created === null ? null : Number(r.events_created),
  }));
}

export async function recordReconciled(db: Queryable, account: string, eventsCreated: number | null): Promise<void> {
  await db.query(
    `UPDATE mirror_sync SET reconciled_at = now(), events_created = GREATEST(coalesce(events_created, 0), coalesce($2, 0))
     WHERE account_id = $1`,
    [account, eventsCreated],
  );
}

/**
 * Something (a webhook, a write, a fetch) just reported this account's data. At most once a
 * second (migration 153's `mirror_reported`): concurrent events of one account do not queue on
 * its row, and "updated … ago" is shown in minutes.
 */
export async function recordReported(db: Queryable, account: string): Promise<void> {
  await db.query('SELECT mirror_reported($1::text)', [account]);
}

/** Seconds after its creation past which a received event says deliveries were failing. */
export const WEBHOOK_GAP_SECONDS = 60;

/** Whether a gap was seen since `since` (the reconciler's last pass). */
export async function webhookGapSince(db: Queryable, since: Date): Promise<boolean> {
  const [row] = await db.query<{ gap: boolean }>(
    'SELECT coalesce(webhook_gap_at > $1, false) AS gap FROM mirror_status',
    [since],
  );
  return Boolean(row?.gap);
}

export async function recordReconcilePass(db: Queryable): Promise<void> {
  await db.query('UPDATE mirror_status SET last_reconcile_at = now()');
}

/** Stripe answered (ok) or could not be reached (the first failure since the last answer is kept). */
export async function recordStripeContact(db: Queryable, ok: boolean): Promise<void> {
  await db.query(
    ok
      ? 'UPDATE mirror_status SET stripe_ok_at = now(), stripe_failing_since = NULL'
      : 'UPDATE mirror_status SET stripe_failing_since = coalesce(stripe_failing_since, now())',
  );
}

export interface MirrorStatus {
  webhook_gap_at?: Date | null;
  last_webhook_at: Date | null;
  last_reconcile_at: Date | null;
  stripe_ok_at: Date | null;
  stripe_failing_since: Date | null;
}

export async function mirrorStatus(db: Queryable): Promise<MirrorStatus> {
  const [row] = await db.query<MirrorStatus>(
    'SELECT last_webhook_at, last_reconcile_at, stripe_ok_at, stripe_failing_since FROM mirror_status',
  );
  return row ?? { last_webhook_at: null, last_reconcile_at: null, stripe_ok_at: null, stripe_failing_since: null };
}

/**
 * The creation time (unix seconds) of the newest connected account the mirror holds; null when
 * it holds none. The reconciler lists accounts from there: Stripe sends the platform no event
 * when it creates an account through the API.
 */
export async function newestMirroredAccount(db: Queryable): Promise<number | null> {
  const [row] = await db.query<{ created: string | number | null }>(
    "SELECT max((data->>'created')::bigint) AS created FROM mirror_accounts",
  );
  return row?.created == null ? null : Number(row.created);
}
