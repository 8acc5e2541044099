import type { OverviewResponse } from '@shared/overview.ts';
import {
  AccountsAttention,
  HealthLine,
  LostCardsList,
  NearLimitList,
  SensitiveEvents,
  UsersAttention,
} from './attention-lists.tsx';
import { DailyChart } from './daily-chart.tsx';
import { DeclineReasons } from './decline-reasons.tsx';
import { HeadlineFigures } from './headline-figures.tsx';
import { dateTime } from '../lib/overview-words.ts';
import './overview.css';

/**
 * The overview, top to bottom as a platform admin reads it: the headline figures, the days of the
 * last month, why purchases were declined, then what needs someone (limits, lost cards, accounts,
 * sensitive events, users) and whether webhooks and the live data are healthy.
 */
export function OverviewView({ overview, canCancel }: { overview: OverviewResponse; canCancel: boolean }) {
  const where =
    overview.scope === 'platform'
      ? `All ${overview.account_count} connected ${overview.account_count === 1 ? 'account' : 'accounts'}`
      : `Your ${overview.account_count === 1 ? 'account' : `${overview.account_count} accounts`}`;
  return (
    <>
      <p className="muted">
        {where}, from the dashboard’s copy of Stripe as of {dateTime(overview.generated_at)}. Days are UTC days, as
        Stripe’s daily limits count them.
      </p>
      <HeadlineFigures periods={overview.periods} />
      <div className="overview-grid">
        <DailyChart daily={overview.daily} />
        <DeclineReasons declines={overview.declines} />
      </div>
      <NearLimitList nearLimit={overview.near_limit} />
      <LostCardsList lost={overview.lost_cards} canCancel={canCancel} />
      <AccountsAttention accounts={overview.accounts} />
      {overview.sensitive_events && <SensitiveEvents events={overview.sensitive_events} />}
      {overview.users && <UsersAttention users={overview.users} />}
      <HealthLine health={overview.health} />
    </>
  );
}

/** The page's shape while it loads: grey blocks where the figures and the chart will be. */
export function OverviewSkeleton() {
  return (
    <div className="overview-skeleton" aria-hidden="true">
      <div className="figures">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="figure skeleton-block" />
        ))}
      </div>
      <div className="skeleton-block skeleton-chart" />
      <div className="skeleton-block skeleton-list" />
    </div>
  );
}
