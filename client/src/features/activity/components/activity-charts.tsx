import { BarChart, type ChartValues } from '../../../components/charts/bar-chart.tsx';
import { declineReasonLabel, type DailyActivityResponse } from '@shared/activity-filters.ts';
import { formatAmount } from '../lib/words.ts';
import type { ActivityFilters } from '../lib/url-filters.ts';

/** "Mar 5" for 2025-03-05, whatever the viewer's zone (the day is already theirs). */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The last 30 days in two pictures: approved and declined amounts per day, and declines per day
 * stacked by reason. A bar, or its number in the table under "Show the numbers", filters the list
 * to that day and outcome (or reason).
 */
export function ActivityCharts({
  daily,
  onSelect,
}: {
  daily: DailyActivityResponse;
  onSelect: (patch: Partial<ActivityFilters>) => void;
}) {
  const currency = daily.currency ?? 'usd';
  const money = (n: number) => formatAmount(n, currency);
  const categories = daily.days.map((d) => ({ key: d.day, label: dayLabel(d.day) }));
  const amounts: ChartValues = Object.fromEntries(
    daily.days.map((d) => [d.day, { approved: d.approved.amount, declined: d.declined.amount }]),
  );
  const approved = daily.days.reduce((n, d) => n + d.approved.amount, 0);
  const declined = daily.days.reduce((n, d) => n + d.declined.amount, 0);
  const declines = daily.days.reduce((n, d) => n + d.declined.count, 0);
  const perReason: ChartValues = Object.fromEntries(
    daily.days.map((d) => [d.day, Object.fromEntries(d.reasons.map((r) => [r.reason, r.count]))]),
  );
  const reasonTotals = daily.reasons.map((reason) => ({
    reason,
    count: daily.days.reduce((n, d) => n + (d.reasons.find((r) => r.reason === reason)?.count ?? 0), 0),
  }));
  const days = daily.days.length;
  const others = daily.other_currencies.map(
    (c) => `${plural(c.count, 'authorization')} in ${c.currency.toUpperCase()}`,
  );
  const theDay = (day: string) => ({ from: day, to: day });

  return (
    <div className="activity-charts">
      <BarChart
        title={`Approved and declined per day, last ${days} days`}
        summary={`Approved ${money(approved)} and declined ${money(declined)} in the last ${days} days.${others.length ? ` Not shown: ${others.join(', ')}.` : ''}`}
        categoryHeader="Day"
        categories={categories}
        series={[
          { key: 'approved', label: 'Approved', tone: 'approved' },
          { key: 'declined', label: 'Declined', tone: 'declined' },
        ]}
        values={amounts}
        format={money}
        onSelect={(day, series) =>
          onSelect({ ...theDay(day), outcome: series === 'declined' ? 'declined' : 'approved', reason: '' })
        }
      />
      {declines > 0 ? (
        <BarChart
          title={`Decline reasons per day, last ${days} days`}
          summary={`${plural(declines, 'decline')} in the last ${days} days: ${reasonTotals
            .map((r) => `${declineReasonLabel(r.reason)}: ${r.count}`)
            .join('; ')}.`}
          categoryHeader="Day"
          categories={categories}
          series={daily.reasons.map((reason, i) => ({ key: reason, label: declineReasonLabel(reason), tone: i }))}
          values={perReason}
          format={(n) => String(n)}
          stacked
          onSelect={(day, reason) => onSelect({ ...theDay(day), outcome: 'declined', reason })}
        />
      ) : (
        <p className="muted activity-no-declines">No declines in the last {days} days.</p>
      )}
    </div>
  );
}
