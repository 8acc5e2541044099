// The filters of a card's or an account's authorizations (docs/decisions/162-activity-filters-and-export.md),
// from the query as sent to what the mirror compares (server/db/mirror-reads.ts): each value
// checked here so that a mistake is a 400 naming its field, in words, and never reaches SQL as
// something PostgreSQL refuses (a NUL) or misreads (a LIKE wildcard).
import type { AuthorizationExportQuery } from '../../shared/activity-filters.ts';
import type { ActivitySummary } from '../../shared/activity-filters.ts';
import type { AuthorizationFilter, OutcomeTotals } from '../db/mirror-reads.ts';
import { badRequest, HttpError } from '../errors.ts';

/** What is filtered here and not by Stripe's list endpoint: these need the mirror. */
const APP_FILTERS = ['outcome', 'reason', 'merchant', 'amount_min', 'amount_max'] as const;

export function usesAppFilters(query: AuthorizationExportQuery): boolean {
  return APP_FILTERS.some((name) => query[name] !== undefined && query[name] !== '');
}

/** The account's activity is not in the mirror yet (its backfill runs at start): Stripe cannot filter like this. */
export const notMirroredYet = () =>
  new HttpError(
    503,
    'activity_not_mirrored',
    'This account’s authorizations are still being copied from Stripe: filters, totals, charts and exports work in a few minutes.',
  );

function seconds(iso: string | undefined, field: 'from' | 'to'): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw badRequest(`${field} must be a date and time (ISO 8601).`, field);
  return Math.floor(ms / 1000);
}

/** Largest amount accepted: PostgreSQL's bigint and JavaScript's safe integers both hold it. */
const MAX_AMOUNT = 1_000_000_000_000;

function amount(value: string | undefined, field: 'amount_min' | 'amount_max'): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (!/^\d+$/.test(text) || Number(text) > MAX_AMOUNT) {
    throw badRequest(
      `${field} must be a whole number of the currency’s smallest unit, 0 or more (1250 for $12.50).`,
      field,
    );
  }
  return Number(text);
}

// Tabs and line breaks become spaces (a pasted name); any other control character, and half of a
// UTF-16 surrogate pair, belongs in no merchant's name.
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function merchantSearch(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (CONTROL.test(value) || LONE_SURROGATE.test(value)) {
    throw badRequest('merchant may only contain letters, digits, spaces and punctuation.', 'merchant');
  }
  const text = value.replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
}

/** The filter a query asks for, on this account (and card); a 400 naming the field when it cannot be. */
export function activityFilter(
  query: AuthorizationExportQuery,
  account: string,
  card: string | undefined,
): AuthorizationFilter {
  const gte = seconds(query.from, 'from');
  const lt = seconds(query.to, 'to');
  if (gte !== undefined && lt !== undefined && gte >= lt) throw badRequest('from must be before to.', 'from');
  const minAmount = amount(query.amount_min, 'amount_min');
  const maxAmount = amount(query.amount_max, 'amount_max');
  if (minAmount !== undefined && maxAmount !== undefined && minAmount > maxAmount) {
    throw badRequest('amount_min must not be more than amount_max.', 'amount_min');
  }
  if (query.reason && query.outcome === 'approved') {
    throw badRequest(
      'A decline reason keeps declined authorizations only: leave outcome out or set it to declined.',
      'reason',
    );
  }
  return {
    account,
    card,
    status: query.status,
    gte,
    lt,
    approved: query.outcome === undefined ? undefined : query.outcome === 'approved',
    reason: query.reason,
    merchant: merchantSearch(query.merchant),
    minAmount,
    maxAmount,
  };
}

/** The totals of a filtered list as the API answers them: counts, and amounts per currency, largest first. */
export function toSummary(totals: readonly OutcomeTotals[]): ActivitySummary {
  const side = (approved: boolean) => {
    const rows = totals.filter((t) => t.approved === approved);
    return {
      count: rows.reduce((n, r) => n + r.count, 0),
      amounts: rows
        .map((r) => ({ currency: r.currency, amount: r.amount }))
        .sort((a, b) => b.amount - a.amount || a.currency.localeCompare(b.currency)),
    };
  };
  const approved = side(true);
  const declined = side(false);
  return { count: approved.count + declined.count, approved, declined };
}
