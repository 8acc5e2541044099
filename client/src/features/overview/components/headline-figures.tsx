import { useId, type ReactNode } from 'react';
import type { OverviewPeriod } from '@shared/overview.ts';
import {
  TREND_ARROWS,
  declineRateTrend,
  formatMoney,
  percent,
  spendTrend,
  type TrendDirection,
} from '../lib/overview-words.ts';

const SPENT_LABELS: Record<OverviewPeriod['key'], string> = {
  today: 'Spent today',
  '7d': 'Spent in the last 7 days',
  '30d': 'Spent in the last 30 days',
};

function Trend({ direction, words }: { direction: TrendDirection; words: string }) {
  return (
    <span className={`figure-trend trend-${direction}`}>
      <span aria-hidden="true">{TREND_ARROWS[direction]}</span> {words}
    </span>
  );
}

/** One headline figure: a labelled group, its value(s) large, the trend in words below. */
function Figure({ label, children }: { label: string; children: ReactNode }) {
  const id = useId();
  return (
    <div className="figure" role="group" aria-labelledby={id}>
      <span id={id} className="figure-label">
        {label}
      </span>
      {children}
    </div>
  );
}

/**
 * Spend today, in the last 7 and 30 days (approved, per currency), and the decline rate of the
 * last 7 days, each with its trend against the same span before.
 */
export function HeadlineFigures({ periods }: { periods: readonly OverviewPeriod[] }) {
  const headingId = useId();
  const week = periods.find((p) => p.key === '7d');
  return (
    <section aria-labelledby={headingId} className="overview-figures">
      <h2 id={headingId} className="visually-hidden">
        Spend and declines
      </h2>
      <div className="figures">
        {periods.map((period) => (
          <Figure key={period.key} label={SPENT_LABELS[period.key]}>
            {period.spend.length === 0 ? (
              <>
                <span className="figure-value">Nothing</span>
                <Trend direction="none" words={`no approved purchase, nor in ${period.previous_label}`} />
              </>
            ) : (
              period.spend.map((spend) => (
                <span key={spend.currency} className="figure-line">
                  <span className="figure-value" data-currency={spend.currency}>
                    {formatMoney(spend.amount, spend.currency)}
                  </span>
                  <Trend {...spendTrend(spend, period.previous_label)} />
                </span>
              ))
            )}
          </Figure>
        ))}
        {week && (
          <Figure label="Decline rate, last 7 days">
            <span className="figure-value">{week.decline_rate === null ? '–' : percent(week.decline_rate)}</span>
            <span className="figure-detail muted">
              {week.declined} declined of {week.approved + week.declined} authorizations
            </span>
            <Trend {...declineRateTrend(week)} />
          </Figure>
        )}
      </div>
    </section>
  );
}
