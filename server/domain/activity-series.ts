// The daily series behind the activity charts (docs/decisions/162-activity-filters-and-export.md):
// per day of the last N days, cut at midnight in the viewer's time zone, the approved and the
// declined authorizations (count and amount) and the declines by reason, from the mirror in one
// query (server/db/mirror-reads.ts mirroredDailyTotals), no Stripe call.
import type { DailyActivityQuery, DailyActivityResponse } from '../../shared/activity-filters.ts';
import { activityMirrored, mirroredDailyTotals } from '../db/mirror-reads.ts';
import type { Queryable } from '../db/database.ts';
import { badRequest } from '../errors.ts';
import { notMirroredYet } from './activity-filters.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `tz`; a 400 naming `tz` when it is no IANA time zone this server knows. */
function wallClock(tz: string): Intl.DateTimeFormat {
  let format = formatters.get(tz);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw badRequest('tz must be a time zone such as Europe/Paris or America/New_York.', 'tz');
    }
    if (formatters.size > 500) formatters.clear();
    formatters.set(tz, format);
  }
  return format;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

function localParts(
  format: Intl.DateTimeFormat,
  ms: number,
): LocalDate & { hour: number; minute: number; second: number } {
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** How far the wall clock of the zone is ahead of UTC at `ms` (milliseconds, whole seconds). */
function offsetAt(format: Intl.DateTimeFormat, ms: number): number {
  const p = localParts(format, ms);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant (unix seconds) the local date begins. The offset at a first guess may differ from
 * the offset at midnight when a clock change falls between them, so the candidates are midnight
 * at each offset met on the way, and the day begins at the earliest that falls on that date:
 * where midnight does not exist (clocks jump from 00:00 to 01:00), when the clock jumps.
 */
export function localMidnight(tz: string, date: LocalDate): number {
  const format = wallClock(tz);
  const midnightUtc = Date.UTC(date.year, date.month - 1, date.day);
  const first = midnightUtc - offsetAt(format, midnightUtc);
  const second = midnightUtc - offsetAt(format, first);
  const third = midnightUtc - offsetAt(format, second);
  const onTheDate = [first, second, third]
    .filter((t) => {
      const p = localParts(format, t);
      return p.year === date.year && p.month === date.month && p.day === date.day;
    })
    .sort((a, b) => a - b);
  return Math.floor((onTheDate[0] ?? second) / 1000);
}

const iso = (d: LocalDate) =>
  `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** The last `count` local dates up to the one containing `nowSeconds`, oldest first, and their edges (count + 1). */
export function dayEdges(tz: string, nowSeconds: number, count: number): { days: string[]; edges: number[] } {
  const today = localParts(wallClock(tz), nowSeconds * 1000);
  const dates: LocalDate[] = [];
  for (let i = count - 1; i >= -1; i--) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day - i));
    dates.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
  }
  return { days: dates.slice(0, count).map(iso), edges: dates.map((d) => localMidnight(tz, d)) };
}

/** Per day, the card's (with `card`) or the account's authorizations in one currency. */
export async function dailyActivity(
  db: Queryable,
  scope: { account: string; card?: { id: string; currency: string } | undefined },
  query: DailyActivityQuery,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<DailyActivityResponse> {
  const tz = query.tz?.trim() || 'UTC';
  const { days, edges } = dayEdges(tz, nowSeconds, query.days ?? 30);
  if (!(await activityMirrored(db, scope.account))) throw notMirroredYet();
  const rows = await mirroredDailyTotals(db, { account: scope.account, card: scope.card?.id }, edges);

  // The currency asked for, else the card's, else the one most authorizations of these days used.
  const perCurrency = new Map<string, number>();
  for (const r of rows) perCurrency.set(r.currency, (perCurrency.get(r.currency) ?? 0) + r.count);
  const busiest = [...perCurrency].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const currency = query.currency ?? scope.card?.currency ?? busiest ?? null;

  const out = days.map((day, i) => ({
    day,
    start: edges[i]!,
    end: edges[i + 1]!,
    approved: { count: 0, amount: 0 },
    declined: { count: 0, amount: 0 },
    reasons: new Map<string, number>(),
  }));
  const reasonTotals = new Map<string, number>();
  for (const r of rows) {
    const day = out[r.bucket - 1];
    if (!day || r.currency !== currency) continue;
    const side = r.approved ? day.approved : day.declined;
    side.count += r.count;
    side.amount += r.amount;
    if (!r.approved) {
      const reason = r.reason ?? 'unknown';
      day.reasons.set(reason, (day.reasons.get(reason) ?? 0) + r.count);
      reasonTotals.set(reason, (reasonTotals.get(reason) ?? 0) + r.count);
    }
  }
  const reasons = [...reasonTotals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason]) => reason);
  return {
    time_zone: tz,
    currency,
    days: out.map((d) => ({
      ...d,
      reasons: reasons.filter((r) => d.reasons.has(r)).map((reason) => ({ reason, count: d.reasons.get(reason)! })),
    })),
    reasons,
    other_currencies: [...perCurrency]
      .filter(([c]) => c !== currency)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([c, count]) => ({ currency: c, count })),
  };
}
