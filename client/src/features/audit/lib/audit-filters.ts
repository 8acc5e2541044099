import type { AuditFilters } from '../api/get-audit.ts';
import type { AuditFormValues } from '../components/audit-filters.tsx';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Midnight at the start of a calendar day (YYYY-MM-DD) in the user's time zone, as ISO 8601. */
function startOfDay(day: string, addDays = 0): string | undefined {
  if (!DAY.test(day)) return undefined;
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const start = new Date(year, month - 1, date + addDays);
  return Number.isNaN(start.getTime()) ? undefined : start.toISOString();
}

/**
 * The API's filters for what the form says: `from` inclusive at the start of the first day,
 * `to` exclusive at the start of the day after the last one, so "To 3 May" includes 3 May.
 */
export function toAuditFilters(values: AuditFormValues): AuditFilters {
  const filters: AuditFilters = {};
  if (values.kind) filters.kind = values.kind;
  if (values.account) filters.account = values.account;
  if (values.card) filters.card = values.card;
  if (values.user) filters.user = values.user;
  const from = startOfDay(values.fromDate);
  const to = startOfDay(values.toDate, 1);
  if (from) filters.from = from;
  if (to) filters.to = to;
  return filters;
}

export function formValuesFrom(params: URLSearchParams): AuditFormValues {
  return {
    kind: params.get('kind') ?? '',
    account: params.get('account') ?? '',
    card: params.get('card') ?? '',
    user: params.get('user') ?? '',
    fromDate: params.get('from') ?? '',
    toDate: params.get('to') ?? '',
  };
}

export function searchParamsFrom(values: AuditFormValues): Record<string, string> {
  const entries = {
    kind: values.kind,
    account: values.account,
    card: values.card,
    user: values.user,
    from: values.fromDate,
    to: values.toDate,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value));
}
