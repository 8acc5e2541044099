import { useId } from 'react';
import type { OverviewDaily } from '@shared/overview.ts';
import { BarChart } from '../../../components/charts/bar-chart.tsx';
import { Empty } from '../../../components/status.tsx';
import { dayLabel, formatMoney } from '../lib/overview-words.ts';

const SERIES = [
  { key: 'approved', label: 'Approved', tone: 'approved' },
  { key: 'declined', label: 'Declined', tone: 'declined' },
] as const;

/** What the chart says in one sentence: the totals and the busiest day. */
export function dailySummary(daily: OverviewDaily): string {
  const money = (n: number) => formatMoney(n, daily.currency);
  const approved = daily.days.reduce((sum, d) => sum + d.approved, 0);
  const declined = daily.days.reduce((sum, d) => sum + d.declined, 0);
  const busiest = daily.days.reduce((best, d) => (d.approved > best.approved ? d : best), daily.days[0]!);
  return (
    `Approved ${money(approved)} and declined ${money(declined)} in the last 30 days` +
    (busiest && busiest.approved > 0
      ? `; the most was approved on ${dayLabel(busiest.day)} (${money(busiest.approved)}).`
      : '.')
  );
}

/** Approved and declined amounts per UTC day of the last 30 days, one chart per currency. */
export function DailyChart({ daily }: { daily: readonly OverviewDaily[] }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Approved and declined per day</h2>
      {daily.length === 0 ? (
        <Empty>No purchases in the last 30 days.</Empty>
      ) : (
        daily.map((entry) => (
          <BarChart
            key={entry.currency}
            title={`Last 30 days, ${entry.currency.toUpperCase()} (days in UTC)`}
            summary={dailySummary(entry)}
            categoryHeader="Day"
            categories={entry.days.map((d) => ({ key: d.day, label: dayLabel(d.day) }))}
            series={SERIES}
            values={Object.fromEntries(entry.days.map((d) => [d.day, { approved: d.approved, declined: d.declined }]))}
            format={(n) => formatMoney(n, entry.currency)}
          />
        ))
      )}
    </section>
  );
}
