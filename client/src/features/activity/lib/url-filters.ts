// The authorizations panel's filters live in the page's address (?outcome=declined&reason=…), so
// that a filtered view can be shared and Back returns to the previous one. Amounts are kept as
// typed (in the currency's main unit: "12.50") and sent in its smallest unit, as the API reads them.
import type { AuthorizationExportQuery } from '@shared/activity-filters.ts';
import type { AuthorizationsQuery } from '@shared/authorizations-api.ts';
import { isZeroDecimal } from '@shared/spending-windows.ts';

export interface ActivityFilters {
  outcome: '' | 'approved' | 'declined';
  reason: string;
  merchant: string;
  /** As typed, in the currency's main unit. */
  min: string;
  max: string;
  status: '' | NonNullable<AuthorizationsQuery['status']>;
  /** Local days, YYYY-MM-DD (date inputs). */
  from: string;
  to: string;
}

export const FILTER_PARAMS = ['outcome', 'reason', 'merchant', 'min', 'max', 'status', 'from', 'to'] as const;

const STATUSES = ['pending', 'closed', 'reversed', 'expired'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFrom(params: URLSearchParams): ActivityFilters {
  const outcome = params.get('outcome');
  const status = params.get('status');
  const day = (name: string) => {
    const value = params.get(name) ?? '';
    return DAY.test(value) ? value : '';
  };
  return {
    outcome: outcome === 'approved' || outcome === 'declined' ? outcome : '',
    reason: /^[a-z_]{1,64}$/.test(params.get('reason') ?? '') ? params.get('reason')! : '',
    merchant: (params.get('merchant') ?? '').slice(0, 100),
    min: (params.get('min') ?? '').slice(0, 20),
    max: (params.get('max') ?? '').slice(0, 20),
    status: (STATUSES as readonly string[]).includes(status ?? '') ? (status as ActivityFilters['status']) : '',
    from: day('from'),
    to: day('to'),
  };
}

export const NO_FILTERS: ActivityFilters = {
  outcome: '',
  reason: '',
  merchant: '',
  min: '',
  max: '',
  status: '',
  from: '',
  to: '',
};

export function hasFilters(filters: ActivityFilters): boolean {
  return FILTER_PARAMS.some((name) => filters[name] !== '');
}

/** The page's address with these filters, keeping whatever else it holds. */
export function withFilters(params: URLSearchParams, filters: Partial<ActivityFilters>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [name, value] of Object.entries(filters)) {
    if (value) next.set(name, value);
    else next.delete(name);
  }
  return next;
}

/**
 * "12.50" in the currency's smallest unit (1250; "500" yen is 500); undefined when empty; null
 * when it is not an amount.
 */
export function minorUnits(text: string, currency: string): number | undefined | null {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return undefined;
  const zero = isZeroDecimal(currency);
  if (!(zero ? /^\d{1,10}$/ : /^\d{1,10}(\.\d{1,2})?$/).test(trimmed)) return null;
  if (zero) return Number(trimmed);
  const [whole, fraction = ''] = trimmed.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** From a date input (YYYY-MM-DD, local day) to ISO 8601; `end` gives the next day's start (exclusive). */
export function isoDay(value: string, end = false): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + (end ? 1 : 0)).toISOString();
}

export interface FilterProblems {
  min?: string;
  max?: string;
  to?: string;
}

/** What is wrong with the filters as typed, in words, for the field at fault (the server would refuse them). */
export function filterProblems(filters: ActivityFilters, currency: string): FilterProblems {
  const example = isZeroDecimal(currency) ? '500' : '12.50';
  const min = minorUnits(filters.min, currency);
  const max = minorUnits(filters.max, currency);
  const problems: FilterProblems = {};
  if (min === null) problems.min = `Enter an amount such as ${example}.`;
  if (max === null) problems.max = `Enter an amount such as ${example}.`;
  if (typeof min === 'number' && typeof max === 'number' && min > max)
    problems.max = 'The max amount must not be less than the min.';
  if (filters.from && filters.to && filters.to < filters.from)
    problems.to = 'The last day must not be before the first.';
  return problems;
}

/** The API's filters (the list's, the export's) from the page's; amounts that are wrong are left out. */
export function apiFilters(filters: ActivityFilters, currency: string, merchant: string): AuthorizationExportQuery {
  const problems = filterProblems(filters, currency);
  const min = problems.min ? undefined : minorUnits(filters.min, currency);
  const max = problems.max ? undefined : minorUnits(filters.max, currency);
  return {
    ...(filters.outcome ? { outcome: filters.outcome } : {}),
    ...(filters.reason ? { reason: filters.reason } : {}),
    ...(merchant.trim() ? { merchant: merchant.trim() } : {}),
    ...(typeof min === 'number' ? { amount_min: String(min) } : {}),
    ...(typeof max === 'number' ? { amount_max: String(max) } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.from ? { from: isoDay(filters.from) } : {}),
    ...(filters.to && !problems.to ? { to: isoDay(filters.to, true) } : {}),
  };
}
