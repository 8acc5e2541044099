// The overview (GET /api/overview; issue 20, docs/decisions/160-overview-from-the-mirror.md): what
// needs someone's attention across the accounts a user reaches, from the app's own data only (the
// mirror, the audit trail, the users' tables): no Stripe call, whatever the number of accounts or
// cards. Each section is computed only when the role may see what it is made of.
import type Stripe from 'stripe';
import {
  LOW_BALANCE_RUNWAY_DAYS,
  NEAR_LIMIT_SHARE,
  relativeChange,
  type AccountAttention,
  type HealthProblem,
  type OverviewDaily,
  type OverviewPeriod,
  type OverviewResponse,
  type SensitiveEvent,
} from '../../shared/overview.ts';
import { cardMask } from '../../shared/card-words.ts';
import { awaitingReplacement } from '../../shared/lost-cards.ts';
import { policyFor, type Role } from '../../shared/policy.ts';
import { windowEnd, windowStart } from '../../shared/spending-windows.ts';
import type { Queryable } from '../db/database.ts';
import { issuingBalances } from '../db/issuing-balances.ts';
import { mirroredAccounts } from '../db/mirror-reads.ts';
import {
  accountActivity,
  activityTotals,
  dailyActivity,
  declineReasonCounts,
  limitsNearlyUsed,
  standingLostReports,
  sensitiveAuditRows,
  usersWithoutSafeguards,
  webhookHealth,
  type SensitiveRow,
} from '../db/overview-reads.ts';
import type { Scope } from './access.ts';
import { accountName, issuingReadiness } from './accounts.ts';
import { REASONS } from './decline-explanations.ts';
import { mirrorFreshness } from './mirror-freshness.ts';

const DAY = 86_400;
/** Rows a list section shows; its total says how many there are. */
const LIST_LIMIT = 20;
const SENSITIVE_LIMIT = 10;
const TOP_REASONS = 5;
/** The spending-limit windows that have a current window (per_authorization has none). */
const WINDOWED = ['daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const;

export interface OverviewInput {
  db: Queryable;
  user: { role: Role };
  scope: Scope;
  /** Unix seconds. */
  now: number;
  freshness: { staleSeconds: number; upSince: Date };
}

const PERIOD_WORDS: Record<OverviewPeriod['key'], { days: number; label: string; previous: string }> = {
  today: { days: 1, label: 'Today', previous: 'the same hours yesterday' },
  '7d': { days: 7, label: 'Last 7 days', previous: 'the 7 days before' },
  '30d': { days: 30, label: 'Last 30 days', previous: 'the 30 days before' },
};

/**
 * The headline periods: today since midnight UTC (when Stripe's daily limits reset), and the last
 * 7 and 30 UTC days including today; each compared with the same span N days earlier, so both
 * cover the same days of the week and hours of the day. [from, until), until = now + 1.
 */
export function periodStart(key: OverviewPeriod['key'], now: number): number {
  return windowStart('daily', now)! - (PERIOD_WORDS[key].days - 1) * DAY;
}

export function overviewPeriods(
  now: number,
): Array<
  Pick<OverviewPeriod, 'key' | 'label' | 'previous_label' | 'from' | 'until' | 'previous_from' | 'previous_until'>
> {
  return (Object.keys(PERIOD_WORDS) as OverviewPeriod['key'][]).map((key) => {
    const { days, label, previous } = PERIOD_WORDS[key];
    const from = periodStart(key, now);
    const until = now + 1;
    return {
      key,
      label,
      previous_label: previous,
      from,
      until,
      previous_from: from - days * DAY,
      previous_until: until - days * DAY,
    };
  });
}

const rate = (approved: number, declined: number) =>
  approved + declined === 0 ? null : declined / (approved + declined);

/** The accounts the user's overview covers: every mirrored account, or the user's memberships. */
async function accountsInScope(db: Queryable, scope: Scope): Promise<Stripe.Account[]> {
  const rows = await mirroredAccounts(db, scope.kind === 'memberships' ? scope.memberships : null);
  return rows.map((r) => r.data as unknown as Stripe.Account);
}

export async function buildOverview(input: OverviewInput): Promise<OverviewResponse> {
  const { db, now, scope } = input;
  const permissions = policyFor(input.user.role).permissions;
  const accounts = await accountsInScope(db, scope);
  const ids = accounts.map((a) => a.id);
  const names = new Map(accounts.map((a) => [a.id, accountName(a)]));
  const periods = overviewPeriods(now);
  const thirty = periods.find((p) => p.key === '30d')!;
  const week = periods.find((p) => p.key === '7d')!;

  const [totals, daily, reasons, nearLimit, lost, perAccount, balances, sensitive, users, health] = await Promise.all([
    activityTotals(
      db,
      ids,
      periods.flatMap((p) => [
        { from: p.from, until: p.until },
        { from: p.previous_from, until: p.previous_until },
      ]),
    ),
    dailyActivity(db, ids, thirty.from),
    declineReasonCounts(db, ids, thirty.from),
    limitsNearlyUsed(
      db,
      ids,
      Object.fromEntries(WINDOWED.map((interval) => [interval, windowStart(interval, now)!])),
      NEAR_LIMIT_SHARE,
      LIST_LIMIT,
    ),
    standingLostReports(db, ids),
    accountActivity(db, ids, week.from),
    issuingBalances(db, ids),
    permissions.readAudit ? sensitiveAuditRows(db, SENSITIVE_LIMIT) : undefined,
    permissions.administerUsers ? usersWithoutSafeguards(db) : undefined,
    webhookHealth(db),
  ]);

  // Reported lost and neither replaced nor (for a frozen one) canceled: someone has to act.
  const waiting = lost.filter((r) =>
    awaitingReplacement({
      status: r.status,
      cancellation_reason: r.cancellation_reason,
      lost_reported_at: r.reported_at.toISOString(),
      replaced_by: r.replaced_by,
    }),
  );
  const declinedTotal = reasons.reduce((sum, r) => sum + r.count, 0);
  const freshness = mirrorFreshness(health, { now: new Date(now * 1000), ...input.freshness });

  return {
    generated_at: new Date(now * 1000).toISOString(),
    scope: scope.kind === 'memberships' ? 'memberships' : 'platform',
    account_count: accounts.length,
    periods: periods.map((p, i) => {
      const [current, previous] = [2 * i, 2 * i + 1];
      const sum = (field: 'approved' | 'declined', w: number) => totals.reduce((s, t) => s + t[field][w]!, 0);
      const approved = sum('approved', current);
      const declined = sum('declined', current);
      const previousApproved = sum('approved', previous);
      const previousDeclined = sum('declined', previous);
      return {
        ...p,
        spend: totals
          .filter((t) => t.spend[current]! > 0 || t.spend[previous]! > 0)
          .map((t) => ({
            currency: t.currency,
            amount: t.spend[current]!,
            previous: t.spend[previous]!,
            change: relativeChange(t.spend[current]!, t.spend[previous]!),
          })),
        approved,
        declined,
        previous_approved: previousApproved,
        previous_declined: previousDeclined,
        decline_rate: rate(approved, declined),
        previous_decline_rate: rate(previousApproved, previousDeclined),
      };
    }),
    daily: dailySeries(daily, thirty.from, now),
    declines: {
      from: thirty.from,
      total: declinedTotal,
      reasons: reasons.slice(0, TOP_REASONS).map((r) => ({
        reason: r.reason,
        message: REASONS[r.reason]?.message ?? `Declined (Stripe’s reason: ${r.reason.replaceAll('_', ' ')}).`,
        count: r.count,
      })),
    },
    near_limit: {
      share: NEAR_LIMIT_SHARE,
      total: nearLimit[0]?.total ?? 0,
      cards: nearLimit.map((r) => ({
        card: r.card_id,
        account: r.account_id,
        account_name: names.get(r.account_id) ?? r.account_id,
        last4: r.last4,
        cardholder_name: r.cardholder_name,
        scope: r.scope,
        interval: r.interval,
        amount: r.amount,
        currency: r.currency,
        categories: r.categories,
        spent: r.spent,
        resets_at: windowEnd(r.interval, now) ?? null,
      })),
    },
    lost_cards: {
      total: waiting.length,
      cards: waiting.slice(0, LIST_LIMIT).map((r) => ({
        card: r.card_id,
        account: r.account_id,
        account_name: names.get(r.account_id) ?? r.account_id,
        last4: r.last4,
        cardholder_name: r.cardholder_name,
        reported_at: r.reported_at.toISOString(),
        reported_by: r.reported_by,
      })),
    },
    accounts: accountsNeedingAttention(accounts, perAccount, balances),
    ...(sensitive ? { sensitive_events: sensitive.map(toSensitiveEvent) } : {}),
    ...(users ? { users: { total: users.total, attention: users.rows } } : {}),
    health: {
      last_webhook_at: health.last_webhook_at?.toISOString() ?? null,
      webhook_gap_at: health.webhook_gap_at?.toISOString() ?? null,
      synced_at: freshness.synced_at,
      stale: freshness.stale,
      stripe_reachable: freshness.stripe_reachable,
      stripe_failing_since: freshness.stripe_failing_since,
      problems: healthProblems(health, freshness),
    },
  };
}

/** Every UTC day from `from` to today, per currency seen (0 where nothing happened). */
function dailySeries(rows: Awaited<ReturnType<typeof dailyActivity>>, from: number, now: number): OverviewDaily[] {
  const days: string[] = [];
  for (let t = from; t <= now; t += DAY) days.push(new Date(t * 1000).toISOString().slice(0, 10));
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  return currencies.map((currency) => ({
    currency,
    days: days.map((day) => {
      const row = rows.find((r) => r.day === day && r.currency === currency);
      return {
        day,
        approved: row?.approved ?? 0,
        declined: row?.declined ?? 0,
        approved_count: row?.approved_count ?? 0,
        declined_count: row?.declined_count ?? 0,
      };
    }),
  }));
}

function accountsNeedingAttention(
  accounts: readonly Stripe.Account[],
  activity: Awaited<ReturnType<typeof accountActivity>>,
  balances: Awaited<ReturnType<typeof issuingBalances>>,
): OverviewResponse['accounts'] {
  const attention: AccountAttention[] = [];
  let active = 0;
  for (const account of accounts) {
    const status = issuingReadiness(account).status;
    if (status === 'active') active += 1;
    const reported = balances.find((b) => b.account_id === account.id);
    const spent = activity.get(account.id)?.spend ?? [];
    const accountBalances = (reported?.available ?? []).map(({ amount, currency }) => {
      const spend7d = spent.find((s) => s.currency === currency)?.amount ?? 0;
      return {
        currency,
        available: amount,
        as_of: reported!.reported_at.toISOString(),
        spend_7d: spend7d,
        low: isLowBalance(amount, spend7d),
      };
    });
    if (status !== 'active' || accountBalances.some((b) => b.low)) {
      attention.push({
        account: account.id,
        name: accountName(account),
        card_issuing: status,
        cannot_issue: status !== 'active',
        balances: accountBalances,
      });
    }
  }
  attention.sort((a, b) => Number(b.cannot_issue) - Number(a.cannot_issue) || a.name.localeCompare(b.name));
  return {
    total: accounts.length,
    issuing_active: active,
    attention: attention.slice(0, LIST_LIMIT),
    attention_total: attention.length,
  };
}

/** LOW_BALANCE_RUNWAY_DAYS of spend at the last 7 days' pace, or nothing left at all. */
export function isLowBalance(available: number, spend7d: number): boolean {
  return available <= 0 || available < (spend7d / 7) * LOW_BALANCE_RUNWAY_DAYS;
}

function cardWords(row: SensitiveRow): string {
  return row.card_last4 ? `card ${cardMask(row.card_last4)}` : row.card_id ? `card ${row.card_id}` : 'a card';
}

function roleLabel(role: unknown): string {
  return typeof role === 'string' && (role === 'platform_admin' || role === 'account_user' || role === 'support_agent')
    ? policyFor(role).label
    : String(role);
}

function toSensitiveEvent(row: SensitiveRow): SensitiveEvent {
  const who = row.actor_email ?? 'Someone outside the dashboard';
  const base = {
    id: row.id,
    created_at: row.created_at.toISOString(),
    actor_email: row.actor_email,
    account: row.account_id,
    card: row.card_id,
    subject: row.subject,
  };
  if (row.kind === 'reveal') {
    const granted = row.details.outcome === 'granted';
    return {
      ...base,
      kind: 'reveal',
      summary: granted
        ? `${who} revealed the details of ${cardWords(row)}`
        : `${who} was refused the details of ${cardWords(row)}`,
    };
  }
  if (row.kind === 'card.pin_set')
    return { ...base, kind: 'pin_set', summary: `${who} set the PIN of ${cardWords(row)}` };
  const change = row.details.role as { from?: unknown; to?: unknown } | undefined;
  return {
    ...base,
    kind: 'role_changed',
    summary: `${who} changed the role of ${row.subject ?? 'a user'} from ${roleLabel(change?.from)} to ${roleLabel(change?.to)}`,
  };
}

function healthProblems(
  health: Awaited<ReturnType<typeof webhookHealth>>,
  freshness: ReturnType<typeof mirrorFreshness>,
): HealthProblem[] {
  const problems: HealthProblem[] = [];
  if (!freshness.stripe_reachable) problems.push({ code: 'stripe_unreachable', at: freshness.stripe_failing_since });
  if (!health.last_webhook_at) problems.push({ code: 'no_webhook', at: null });
  // A gap the reconciler has not passed over since.
  if (health.webhook_gap_at && (!health.last_reconcile_at || health.webhook_gap_at > health.last_reconcile_at))
    problems.push({ code: 'webhook_gap', at: health.webhook_gap_at.toISOString() });
  if (freshness.stale) problems.push({ code: 'stale', at: freshness.synced_at });
  return problems;
}
