import { useId } from 'react';
import type { LimitUsage, LimitsResponse } from '@shared/authorizations-api.ts';
import { categoryName, formatDateTime, intervalWords } from '@shared/card-words.ts';
import { formatMoney } from '@shared/spending-windows.ts';
import { Skeleton, SkeletonBlock } from '../../../components/skeleton.tsx';
import { ErrorMessage, Empty } from '../../../components/status.tsx';
import { errorMessage } from '../../../lib/api-client.ts';
import { useLimits } from '../api/get-limits.ts';
import './limits-panel.css';

/** Stripe's spending windows start and end at midnight UTC (shared/spending-windows.ts). */
const WINDOW_TIME_ZONE = 'UTC';

/** "in 42 min", "in 9 h", "in 3 days": how far off a reset is. */
function timeUntil(seconds: number, nowSeconds: number): string {
  const minutes = Math.max(1, Math.ceil((seconds - nowSeconds) / 60));
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.floor(hours / 24)} days`;
}

/** "Card limit" or "Cardholder limit (Jenny Rosen)". */
function owner(limit: LimitUsage, data: LimitsResponse): string {
  return limit.scope === 'card' ? 'Card limit' : `Cardholder limit (${data.cardholder.name || data.cardholder.id})`;
}

/** When the limit's window starts again, and in which time zone (Stripe's windows are UTC). */
function resetWords(limit: LimitUsage, nowSeconds: number): string {
  if (limit.interval === 'per_authorization') return 'Applies to each purchase on its own; nothing adds up.';
  if (limit.resets_at === null) return 'Never resets: counts everything spent since the card was issued.';
  return `Resets ${formatDateTime(limit.resets_at, WINDOW_TIME_ZONE)} (${timeUntil(limit.resets_at, nowSeconds)}).`;
}

function LimitItem({ limit, data }: { limit: LimitUsage; data: LimitsResponse }) {
  const money = (amount: number) => formatMoney(amount, limit.currency);
  const spent = limit.spent ?? 0;
  const share = limit.amount > 0 ? Math.min(spent / limit.amount, 1) : 1;
  const level = share >= 1 ? 'full' : share >= 0.8 ? 'near' : 'ok';
  const now = Math.floor(Date.now() / 1000);
  return (
    <li className={`limit limit-${level}`} data-interval={limit.interval} data-scope={limit.scope}>
      <p className="limit-title">
        <strong>{owner(limit, data)}</strong>: {money(limit.amount)} {intervalWords(limit.interval)}
        {limit.categories && <span className="muted"> on {limit.categories.map(categoryName).join(', ')}</span>}
      </p>
      {limit.spent === null ? (
        <p className="limit-figures">Each purchase may be up to {money(limit.amount)}.</p>
      ) : (
        <>
          {/* A picture of the sentence below it (which screen readers read instead). */}
          <div className="limit-bar" aria-hidden="true">
            <span className="limit-bar-spent" style={{ width: `${(share * 100).toFixed(1)}%` }} />
          </div>
          <p className="limit-figures">
            {money(spent)} spent of {money(limit.amount)} · <strong>{money(limit.remaining)} left</strong>
          </p>
        </>
      )}
      <p className="limit-reset muted small">{resetWords(limit, now)}</p>
    </li>
  );
}

/**
 * Every spending limit of the card and its cardholder, each a bar of what was spent in its
 * current window against the limit, with what is left and when (and in which time zone) the
 * window resets. Follows the card's changes through the live feed (useLiveActivity refetches it).
 */
export function LimitsPanel({ card }: { card: string }) {
  const headingId = useId();
  const limits = useLimits(card);
  const data = limits.data;
  return (
    <section className="panel limits-panel" aria-labelledby={headingId} aria-busy={limits.isFetching}>
      <h2 id={headingId}>Remaining limits</h2>
      {limits.isPending && <LimitsSkeleton />}
      {limits.isError && !data && (
        <ErrorMessage error={limits.error} title="Could not load the limits" onRetry={() => void limits.refetch()} />
      )}
      {limits.isError && data && (
        <div className="stale-note" role="status">
          <p>
            Could not refresh the limits ({errorMessage(limits.error)}): showing them as of {formatDateTime(data.as_of)}
            ; they may be out of date.
          </p>
          <button type="button" className="button-secondary" onClick={() => void limits.refetch()}>
            Try again
          </button>
        </div>
      )}
      {data && data.limits.length === 0 && <Empty>No spending limits on this card or its cardholder.</Empty>}
      {data && data.limits.length > 0 && (
        <ul className="limits">
          {data.limits.map((limit, i) => (
            <LimitItem key={`${limit.scope}-${limit.interval}-${i}`} limit={limit} data={data} />
          ))}
        </ul>
      )}
    </section>
  );
}

function LimitsSkeleton() {
  return (
    <Skeleton label="Loading limits…">
      <SkeletonBlock width="60%" />
      <SkeletonBlock height="0.75rem" />
      <SkeletonBlock width="40%" />
    </Skeleton>
  );
}
