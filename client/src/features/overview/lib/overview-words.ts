// How the overview puts its figures into words: trends ("up 12% on the 7 days before"), rates,
// days, what a health problem means. Money is formatted as everywhere (shared/spending-windows.ts).
import type { HealthProblem, OverviewPeriod, PeriodSpend } from '@shared/overview.ts';
import { INTERVAL_WORDS, formatMoney } from '@shared/spending-windows.ts';
import { formatDateTime } from '@shared/card-words.ts';

export { formatMoney, INTERVAL_WORDS };

/** "12%", "0.5%": a share (0..1) as people read it. */
export function percent(share: number): string {
  const value = share * 100;
  const digits = value !== 0 && Math.abs(value) < 10 && !Number.isInteger(value) ? 1 : 0;
  return `${value.toFixed(digits)}%`;
}

export type TrendDirection = 'up' | 'down' | 'flat' | 'new' | 'none';

/** Which way spend went against the previous period, and the words for it. */
export function spendTrend(spend: PeriodSpend, previousLabel: string): { direction: TrendDirection; words: string } {
  if (spend.previous === 0)
    return spend.amount === 0
      ? { direction: 'none', words: `nothing spent, nor in ${previousLabel}` }
      : { direction: 'new', words: `nothing was spent in ${previousLabel}` };
  const change = spend.change ?? 0;
  if (Math.round(change * 100) === 0) return { direction: 'flat', words: `about the same as ${previousLabel}` };
  return {
    direction: change > 0 ? 'up' : 'down',
    words: `${change > 0 ? 'up' : 'down'} ${percent(Math.abs(change))} on ${previousLabel}`,
  };
}

/** The decline rate's trend, in percentage points (a rate's change read as a rate of a rate confuses). */
export function declineRateTrend(period: OverviewPeriod): { direction: TrendDirection; words: string } {
  const { decline_rate: now, previous_decline_rate: before, previous_label: label } = period;
  if (before === null) return { direction: now === null ? 'none' : 'new', words: `no authorizations in ${label}` };
  if (now === null) return { direction: 'none', words: `${percent(before)} in ${label}` };
  const points = (now - before) * 100;
  if (Math.abs(points) < 0.05) return { direction: 'flat', words: `the same as ${label}` };
  const size = Math.abs(points).toFixed(Math.abs(points) < 10 ? 1 : 0);
  return { direction: points > 0 ? 'up' : 'down', words: `${points > 0 ? 'up' : 'down'} ${size} points on ${label}` };
}

export const TREND_ARROWS: Record<TrendDirection, string> = { up: '▲', down: '▼', flat: '▶', new: '▲', none: '–' };

/** "Mon 3 Jun" for a chart's day (YYYY-MM-DD, UTC). */
export function dayLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
}

/** A moment as the dashboard writes it. */
export function dateTime(iso: string | number): string {
  return formatDateTime(typeof iso === 'number' ? iso : Date.parse(iso) / 1000);
}

export function healthProblemWords(problem: HealthProblem): string {
  const at = problem.at ? dateTime(problem.at) : null;
  switch (problem.code) {
    case 'stripe_unreachable':
      return `Stripe cannot be reached${at ? ` since ${at}` : ''}: pages show the last copy of the data.`;
    case 'no_webhook':
      return 'No webhook has been received from Stripe yet: check the webhook endpoint (npm run doctor).';
    case 'webhook_gap':
      return `A webhook arrived late${at ? ` at ${at}` : ''} (Stripe had retried it): the app is catching up with what it missed.`;
    case 'stale':
      return at
        ? `The data may be out of date: last in step with Stripe at ${at}.`
        : 'The data may be out of date: not in step with Stripe yet.';
  }
}
