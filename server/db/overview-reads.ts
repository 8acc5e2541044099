// What the overview and the accounts list add up (issue 20; docs/decisions/160-overview-from-the-mirror.md):
// from the mirror (authorizations, cards, accounts), the audit trail and the users' tables, each
// section one statement over the caller's accounts, never a query per card or per account.
// Spend is what a spending limit counts (SPEND_SQL: held while pending, plus captured), so the
// overview, the remaining limits and the decline explanations agree on every figure.
import type { Queryable } from './database.ts';
import { SPEND_SQL } from './mirror-reads.ts';

const num = (value: string | number | null | undefined): number => Number(value ?? 0);

// A declined authorization's amount asked for and its deciding request's reason are the columns
// the activity filters keep (migration 157: shown_amount, decline_reason).

export interface Window {
  /** Inclusive, unix seconds. */
  from: number;
  /** Exclusive, unix seconds. */
  until: number;
}

export interface WindowTotals {
  currency: string;
  /** Per window, in the order asked. */
  spend: number[];
  approved: number[];
  declined: number[];
}

/**
 * Per currency, for each window: approved spend and the number of approved and declined
 * authorizations created in it. One range scan per account of the widest window
 * (mirror_authorizations_account_idx), added up by PostgreSQL.
 */
export async function activityTotals(
  db: Queryable,
  accounts: readonly string[],
  windows: readonly Window[],
): Promise<WindowTotals[]> {
  if (accounts.length === 0 || windows.length === 0) return [];
  const params: unknown[] = [
    accounts,
    Math.min(...windows.map((w) => w.from)),
    Math.max(...windows.map((w) => w.until)),
  ];
  const columns = windows.flatMap((w, i) => {
    const inWindow = `a.created >= $${params.push(w.from)} AND a.created < $${params.push(w.until)}`;
    return [
      `coalesce(sum(${SPEND_SQL}) FILTER (WHERE a.approved AND ${inWindow}), 0) AS spend_${i}`,
      `count(*) FILTER (WHERE a.approved AND ${inWindow}) AS approved_${i}`,
      `count(*) FILTER (WHERE NOT a.approved AND ${inWindow}) AS declined_${i}`,
    ];
  });
  const rows = await db.query<Record<string, string | number>>(
    `SELECT a.currency, ${columns.join(', ')}
     FROM mirror_authorizations a
     WHERE a.account_id = ANY($1::text[]) AND a.created >= $2 AND a.created < $3
     GROUP BY a.currency ORDER BY a.currency`,
    params,
  );
  return rows.map((r) => ({
    currency: String(r.currency),
    spend: windows.map((_, i) => num(r[`spend_${i}`])),
    approved: windows.map((_, i) => num(r[`approved_${i}`])),
    declined: windows.map((_, i) => num(r[`declined_${i}`])),
  }));
}

export interface DailyRow {
  day: string;
  currency: string;
  approved: number;
  declined: number;
  approved_count: number;
  declined_count: number;
}

/** Per UTC day and currency since `from`: approved spend, declined amounts asked for, and their counts. */
export async function dailyActivity(db: Queryable, accounts: readonly string[], from: number): Promise<DailyRow[]> {
  if (accounts.length === 0) return [];
  const rows = await db.query<Record<string, string | number>>(
    `SELECT to_char(to_timestamp(a.created) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, a.currency,
       coalesce(sum(${SPEND_SQL}) FILTER (WHERE a.approved), 0) AS approved,
       coalesce(sum(a.shown_amount) FILTER (WHERE NOT a.approved), 0) AS declined,
       count(*) FILTER (WHERE a.approved) AS approved_count,
       count(*) FILTER (WHERE NOT a.approved) AS declined_count
     FROM mirror_authorizations a
     WHERE a.account_id = ANY($1::text[]) AND a.created >= $2
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [accounts, from],
  );
  return rows.map((r) => ({
    day: String(r.day),
    currency: String(r.currency),
    approved: num(r.approved),
    declined: num(r.declined),
    approved_count: num(r.approved_count),
    declined_count: num(r.declined_count),
  }));
}

/** Declined authorizations since `from` by the deciding request's reason, most frequent first. */
export async function declineReasonCounts(
  db: Queryable,
  accounts: readonly string[],
  from: number,
): Promise<Array<{ reason: string; count: number }>> {
  if (accounts.length === 0) return [];
  const rows = await db.query<{ reason: string; count: string | number }>(
    `SELECT a.decline_reason AS reason, count(*) AS count
     FROM mirror_authorizations a
     WHERE a.account_id = ANY($1::text[]) AND a.created >= $2 AND NOT a.approved
     GROUP BY 1 ORDER BY 2 DESC, 1`,
    [accounts, from],
  );
  return rows.map((r) => ({ reason: r.reason, count: num(r.count) }));
}

export interface NearLimitRow {
  card_id: string;
  account_id: string;
  last4: string;
  cardholder_name: string | null;
  scope: 'card' | 'cardholder';
  interval: string;
  amount: number;
  currency: string;
  categories: string[] | null;
  spent: number;
  total: number;
}

/**
 * Spending limits of active cards (and of their cardholders) with at least `share` of the limit
 * spent in its current window, most used first, at most `limit`, with how many there are in all.
 * The rule is the remaining-limit view's (server/domain/spending-usage.ts): a card's limit spans
 * the cards it replaced, a cardholder's all their cards; only approved authorizations in the
 * limit's categories count (no category counts as 'unknown'); `windowStarts` gives each
 * interval's current window start (shared/spending-windows.ts), per_authorization has none.
 * A cardholder's limit is shown on their newest active card. One probe of the covering card or
 * cardholder index per limit.
 */
export async function limitsNearlyUsed(
  db: Queryable,
  accounts: readonly string[],
  windowStarts: Readonly<Record<string, number>>,
  share: number,
  limit: number,
): Promise<NearLimitRow[]> {
  if (accounts.length === 0) return [];
  const intervals = Object.keys(windowStarts);
  const starts = intervals.map((i) => windowStarts[i]!);
  const rows = await db.query<Record<string, unknown>>(
    `WITH RECURSIVE
     card_limits AS (
       SELECT c.card_id, c.account_id, c.cardholder_id, 'card' AS scope, l.value AS lim,
         lower(coalesce(c.data->'spending_controls'->>'spending_limits_currency', c.data->>'currency')) AS currency
       FROM card_index c
       CROSS JOIN LATERAL jsonb_array_elements(
         CASE WHEN jsonb_typeof(c.data->'spending_controls'->'spending_limits') = 'array'
           THEN c.data->'spending_controls'->'spending_limits' ELSE '[]'::jsonb END) l
       WHERE c.account_id = ANY($1::text[]) AND c.status = 'active'
     ),
     holder_cards AS (
       SELECT DISTINCT ON (c.cardholder_id) c.cardholder_id, c.card_id, c.account_id, c.data->>'currency' AS currency
       FROM card_index c
       WHERE c.account_id = ANY($1::text[]) AND c.status = 'active'
       ORDER BY c.cardholder_id, c.created DESC, c.card_id DESC
     ),
     holder_limits AS (
       SELECT hc.card_id, hc.account_id, hc.cardholder_id, 'cardholder' AS scope, l.value AS lim,
         lower(coalesce(h.data->'spending_controls'->>'spending_limits_currency', hc.currency)) AS currency
       FROM holder_cards hc JOIN cardholder_index h ON h.cardholder_id = hc.cardholder_id
       CROSS JOIN LATERAL jsonb_array_elements(
         CASE WHEN jsonb_typeof(h.data->'spending_controls'->'spending_limits') = 'array'
           THEN h.data->'spending_controls'->'spending_limits' ELSE '[]'::jsonb END) l
     ),
     limits AS (
       SELECT x.*, (x.lim->>'amount')::bigint AS amount, x.lim->>'interval' AS interval,
         CASE WHEN jsonb_typeof(x.lim->'categories') = 'array' AND jsonb_array_length(x.lim->'categories') > 0
           THEN ARRAY(SELECT jsonb_array_elements_text(x.lim->'categories')) END AS categories,
         ($3::bigint[])[array_position($2::text[], x.lim->>'interval')] AS window_start
       FROM (SELECT * FROM card_limits UNION ALL SELECT * FROM holder_limits) x
       WHERE x.lim->>'interval' = ANY($2::text[]) AND (x.lim->>'amount')::bigint > 0
     ),
     chain(root, card_id, depth) AS (
       SELECT DISTINCT card_id, card_id, 1 FROM limits WHERE scope = 'card'
       UNION ALL
       SELECT chain.root, c.replacement_for, chain.depth + 1 FROM chain JOIN card_index c ON c.card_id = chain.card_id
       WHERE c.replacement_for IS NOT NULL AND chain.depth < 20
     ),
     used AS (
       SELECT l.*, (
         SELECT coalesce(sum(${SPEND_SQL}), 0) FROM mirror_authorizations a
         WHERE a.account_id = l.account_id AND a.approved AND a.created >= l.window_start
           AND (l.categories IS NULL OR coalesce(a.category, 'unknown') = ANY(l.categories))
           AND CASE WHEN l.scope = 'card'
             THEN a.card_id IN (SELECT chain.card_id FROM chain WHERE chain.root = l.card_id)
             ELSE a.cardholder_id = l.cardholder_id END
       ) AS spent
       FROM limits l
     )
     SELECT u.card_id, u.account_id, c.last4, h.name AS cardholder_name, u.scope, u.interval, u.amount, u.currency,
       u.categories, u.spent, count(*) OVER () AS total
     FROM used u JOIN card_index c ON c.card_id = u.card_id
     LEFT JOIN cardholder_index h ON h.cardholder_id = u.cardholder_id
     WHERE u.spent >= u.amount * $4::float8
     ORDER BY u.spent::float8 / u.amount DESC, u.card_id, u.scope, u.interval
     LIMIT $5`,
    [accounts, intervals, starts, share, limit],
  );
  return rows.map((r) => ({
    card_id: String(r.card_id),
    account_id: String(r.account_id),
    last4: String(r.last4),
    cardholder_name: (r.cardholder_name as string | null) ?? null,
    scope: r.scope === 'cardholder' ? 'cardholder' : 'card',
    interval: String(r.interval),
    amount: num(r.amount as number),
    currency: String(r.currency),
    categories: (r.categories as string[] | null) ?? null,
    spent: num(r.spent as number),
    total: num(r.total as number),
  }));
}

export interface LostCardRow {
  card_id: string;
  account_id: string;
  last4: string;
  status: string;
  cancellation_reason: string | null;
  replaced_by: string | null;
  cardholder_name: string | null;
  reported_at: Date;
  reported_by: string | null;
}

/**
 * Cards whose lost report stands (the rule of ./lost-reports.ts: POST /api/cards/:id/report-lost
 * wrote `card.status_changed` with reason `reported_lost`, and no status change since made the card
 * active again), frozen or canceled as lost, that no card replaces: the candidates for
 * shared/lost-cards.ts `awaitingReplacement`. Newest report first; one row per card.
 */
export async function standingLostReports(db: Queryable, accounts: readonly string[]): Promise<LostCardRow[]> {
  if (accounts.length === 0) return [];
  const rows = await db.query<Record<string, unknown>>(
    `SELECT DISTINCT ON (t.card_id) c.card_id, c.account_id, c.last4, c.status,
       c.data->>'cancellation_reason' AS cancellation_reason, c.data->>'replaced_by' AS replaced_by,
       h.name AS cardholder_name, t.created_at AS reported_at, t.actor_email AS reported_by, t.seq
     FROM audit_trail t
     JOIN card_index c ON c.card_id = t.card_id
     LEFT JOIN cardholder_index h ON h.cardholder_id = c.cardholder_id
     WHERE t.kind = 'card.status_changed' AND t.details->>'reason' = 'reported_lost'
       AND c.account_id = ANY($1::text[]) AND c.status IN ('inactive', 'canceled')
       AND NOT EXISTS (
         SELECT 1 FROM audit_trail later
         WHERE later.card_id = t.card_id AND later.seq > t.seq
           AND later.kind = 'card.status_changed' AND later.details->>'after' = 'active')
       AND NOT EXISTS (SELECT 1 FROM card_index r WHERE r.replacement_for = c.card_id)
     ORDER BY t.card_id, t.seq DESC`,
    [accounts],
  );
  return rows
    .sort((a, b) => Number(b.seq) - Number(a.seq))
    .map((r) => ({
      card_id: String(r.card_id),
      account_id: String(r.account_id),
      last4: String(r.last4),
      status: String(r.status),
      cancellation_reason: (r.cancellation_reason as string | null) ?? null,
      replaced_by: (r.replaced_by as string | null) ?? null,
      cardholder_name: (r.cardholder_name as string | null) ?? null,
      reported_at: new Date(r.reported_at as string),
      reported_by: (r.reported_by as string | null) ?? null,
    }));
}

export interface SensitiveRow {
  id: string;
  kind: string;
  created_at: Date;
  actor_email: string | null;
  account_id: string | null;
  card_id: string | null;
  subject: string | null;
  details: Record<string, unknown>;
  card_last4: string | null;
}

/**
 * The newest reveals of card details (not the components' keys, which every card view asks for),
 * PINs set and role changes of the audit trail, newest first. The kind index, read backwards.
 */
export async function sensitiveAuditRows(db: Queryable, limit: number): Promise<SensitiveRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT t.id, t.kind, t.created_at, t.actor_email, t.account_id, t.card_id, t.subject, t.details, c.last4 AS card_last4
     FROM (
       SELECT * FROM audit_trail
       WHERE kind IN ('reveal', 'card.pin_set') OR (kind = 'user.updated' AND details ? 'role')
       ORDER BY seq DESC LIMIT $1
     ) t LEFT JOIN card_index c ON c.card_id = t.card_id
     ORDER BY t.seq DESC`,
    [limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    kind: String(r.kind),
    created_at: new Date(r.created_at as string),
    actor_email: (r.actor_email as string | null) ?? null,
    account_id: (r.account_id as string | null) ?? null,
    card_id: (r.card_id as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    details: (r.details as Record<string, unknown>) ?? {},
    card_last4: (r.card_last4 as string | null) ?? null,
  }));
}

/**
 * Users who can sign in (enabled, with a password of their own or a single sign-on identity, as
 * users.ts countAdminsWhoCanSignIn: not an invitation still open) and have no confirmed second
 * factor, or have one and no recovery code left; and how many users can sign in.
 */
export async function usersWithoutSafeguards(db: Queryable): Promise<{
  total: number;
  rows: Array<{ id: string; email: string; role: string; problem: 'no_second_factor' | 'no_recovery_codes' }>;
}> {
  const rows = await db.query<{
    id: string;
    email: string;
    role: string;
    factors: string | number;
    codes: string | number;
  }>(
    `SELECT u.id, u.email, u.role,
       (SELECT count(*) FROM second_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS factors,
       (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) AS codes
     FROM users u
     WHERE NOT u.disabled AND (u.password_hash LIKE 'scrypt$%' OR u.oidc_subject IS NOT NULL)
     ORDER BY u.email`,
  );
  const out: Array<{ id: string; email: string; role: string; problem: 'no_second_factor' | 'no_recovery_codes' }> = [];
  for (const r of rows) {
    if (num(r.factors) === 0) out.push({ id: r.id, email: r.email, role: r.role, problem: 'no_second_factor' });
    else if (num(r.codes) === 0) out.push({ id: r.id, email: r.email, role: r.role, problem: 'no_recovery_codes' });
  }
  return { total: rows.length, rows: out };
}

export interface WebhookHealthRow {
  last_webhook_at: Date | null;
  webhook_gap_at: Date | null;
  last_reconcile_at: Date | null;
  stripe_ok_at: Date | null;
  stripe_failing_since: Date | null;
}

export async function webhookHealth(db: Queryable): Promise<WebhookHealthRow> {
  const [row] = await db.query<WebhookHealthRow>(
    'SELECT last_webhook_at, webhook_gap_at, last_reconcile_at, stripe_ok_at, stripe_failing_since FROM mirror_status',
  );
  const date = (value: Date | string | null | undefined) => (value ? new Date(value) : null);
  return {
    last_webhook_at: date(row?.last_webhook_at),
    webhook_gap_at: date(row?.webhook_gap_at),
    last_reconcile_at: date(row?.last_reconcile_at),
    stripe_ok_at: date(row?.stripe_ok_at),
    stripe_failing_since: date(row?.stripe_failing_since),
  };
}

export interface AccountActivityRow {
  account_id: string;
  active_cards: number;
  frozen_cards: number;
  spend: Array<{ currency: string; amount: number }>;
  declines: number;
}

/**
 * Per account: active and frozen cards (card_index_account_status_idx, index-only), approved
 * spend per currency and declines since `since`. One statement for the whole list.
 */
export async function accountActivity(
  db: Queryable,
  accounts: readonly string[],
  since: number,
): Promise<Map<string, AccountActivityRow>> {
  const out = new Map<string, AccountActivityRow>();
  if (accounts.length === 0) return out;
  const rows = await db.query<{
    account_id: string;
    active_cards: string | number;
    frozen_cards: string | number;
    spend: Array<{ currency: string; amount: string | number }> | null;
    declines: string | number;
  }>(
    `WITH cards AS (
       SELECT account_id, count(*) FILTER (WHERE status = 'active') AS active_cards,
         count(*) FILTER (WHERE status = 'inactive') AS frozen_cards
       FROM card_index WHERE account_id = ANY($1::text[]) GROUP BY account_id
     ),
     activity AS (
       SELECT a.account_id, a.currency, coalesce(sum(${SPEND_SQL}) FILTER (WHERE a.approved), 0) AS spent,
         count(*) FILTER (WHERE NOT a.approved) AS declines
       FROM mirror_authorizations a WHERE a.account_id = ANY($1::text[]) AND a.created >= $2
       GROUP BY a.account_id, a.currency
     )
     SELECT ids.account_id, coalesce(c.active_cards, 0) AS active_cards, coalesce(c.frozen_cards, 0) AS frozen_cards,
       (SELECT jsonb_agg(jsonb_build_object('currency', x.currency, 'amount', x.spent) ORDER BY x.currency)
        FROM activity x WHERE x.account_id = ids.account_id AND x.spent > 0) AS spend,
       (SELECT coalesce(sum(x.declines), 0) FROM activity x WHERE x.account_id = ids.account_id) AS declines
     FROM unnest($1::text[]) AS ids(account_id) LEFT JOIN cards c ON c.account_id = ids.account_id`,
    [accounts, since],
  );
  for (const r of rows) {
    out.set(r.account_id, {
      account_id: r.account_id,
      active_cards: num(r.active_cards),
      frozen_cards: num(r.frozen_cards),
      spend: (r.spend ?? []).map((s) => ({ currency: s.currency, amount: num(s.amount) })),
      declines: num(r.declines),
    });
  }
  return out;
}
