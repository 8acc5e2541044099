import { useId, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { paths } from '../../../lib/paths.ts';
import { ErrorMessage, Empty, Loading } from '../../../components/status.tsx';
import type { ActivitySummary, AuthorizationListQuery, MoneyTotal } from '@shared/activity-filters.ts';
import type { AuthorizationRow } from '@shared/authorizations-api.ts';
import { csvHref, useAuthorizations, useDailyActivity, type ActivitySubject } from '../api/get-authorizations.ts';
import { apiFilters, filterProblems, filtersFrom, hasFilters, NO_FILTERS, withFilters } from '../lib/url-filters.ts';
import type { ActivityFilters } from '../lib/url-filters.ts';
import { cardMask, formatDateTime } from '@shared/card-words.ts';
import { categoryName, formatAmount, words } from '../lib/words.ts';
import { ActivityCharts } from './activity-charts.tsx';
import { ActivityFilterBar } from './activity-filter-bar.tsx';
import { ExplanationView } from './explanation-view.tsx';
import './activity.css';

const PAGE = 10;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const money = (amounts: MoneyTotal[]) => amounts.map((a) => formatAmount(a.amount, a.currency)).join(' + ');

/** "12 authorizations · 9 approved $1,234.00 · 3 declined $50.00": the whole filtered list, not this page. */
function summaryText(summary: ActivitySummary): string {
  const side = (count: number, word: string, amounts: MoneyTotal[]) =>
    `${count.toLocaleString('en-US')} ${word}${count > 0 && amounts.length ? ` ${money(amounts)}` : ''}`;
  return [
    plural(summary.count, 'authorization'),
    side(summary.approved.count, 'approved', summary.approved.amounts),
    side(summary.declined.count, 'declined', summary.declined.amounts),
  ].join(' · ');
}

/**
 * A card's or an account's authorizations, newest first, from the app's copy of Stripe: the last
 * 30 days in two charts, filters kept in the page's address (outcome, decline reason, merchant,
 * amount, status, days), what the filtered list adds up to and its CSV, then the rows: amount,
 * merchant, status, approved or declined with the explanation, and the captures and refunds that
 * followed.
 */
export function AuthorizationsPanel({
  subject,
  editControlsHref,
  live,
}: {
  subject: ActivitySubject;
  /** Where a user who may edit the card's controls finds them (per row's card for an account). */
  editControlsHref?: ((row: AuthorizationRow) => string) | undefined;
  live?: string;
}) {
  const headingId = useId();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const daily = useDailyActivity(subject);
  const currency = daily.data?.currency ?? 'usd';
  const problems = filterProblems(filters, currency);
  const filtered = apiFilters(filters, currency, filters.merchant);
  // Stripe's cursor: the last id of each page seen, to go back; a new filter starts again.
  const filterKey = JSON.stringify(filtered);
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = paging.key === filterKey ? paging.cursors : [];
  const setCursors = (next: string[]) => setPaging({ key: filterKey, cursors: next });
  const query: AuthorizationListQuery = {
    limit: PAGE,
    ...filtered,
    ...(cursors.length ? { starting_after: cursors.at(-1) } : {}),
  };
  const list = useAuthorizations(subject, query);
  const resultsRef = useRef<HTMLParagraphElement>(null);
  const firstFilterRef = useRef<HTMLInputElement>(null);

  /** A filter change is a step in the page's history (Back undoes it); typing replaces its step. */
  const change = (patch: Partial<ActivityFilters>, typing = false) =>
    setParams((prev) => withFilters(prev, patch), { replace: typing, preventScrollReset: true });
  const clear = () => {
    change(NO_FILTERS);
    firstFilterRef.current?.focus();
  };
  const summary = list.data?.summary;
  const filtering = hasFilters(filters);

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        Authorizations{' '}
        {live === 'live' && (
          <span className="badge badge-live" title="New authorizations appear as they happen">
            Live
          </span>
        )}
      </h2>
      {daily.isPending && <Loading label="Loading the last 30 days…" />}
      {daily.isError && <p className="muted small">The charts are not available: {daily.error.message}</p>}
      {daily.data && (
        <ActivityCharts
          daily={daily.data}
          onSelect={(patch) => {
            change(patch);
            // To the list it has just filtered, its new counts read out.
            resultsRef.current?.focus();
          }}
        />
      )}
      <ActivityFilterBar
        idPrefix={headingId}
        filters={filters}
        onChange={change}
        onClear={clear}
        reasons={daily.data?.reasons ?? []}
        currency={currency}
        problems={problems}
        firstControlRef={firstFilterRef}
      />
      <div className="activity-results">
        <p ref={resultsRef} tabIndex={-1} className="activity-summary" role="status">
          {summary ? summaryText(summary) : ''}
        </p>
        {summary && summary.count > 0 && (
          <a className="activity-download" href={csvHref(subject, filtered)} download>
            Download CSV
          </a>
        )}
      </div>
      {list.isPending && <Loading label="Loading authorizations…" />}
      {list.isError && (
        <ErrorMessage
          error={list.error}
          title="Could not load the authorizations"
          onRetry={() => void list.refetch()}
        />
      )}
      {list.data && list.data.data.length === 0 && (
        <Empty>
          {filtering ? (
            <>
              No {filters.outcome ? `${filters.outcome} ` : ''}authorizations match —{' '}
              <button type="button" className="link-button" onClick={clear}>
                clear filters
              </button>
            </>
          ) : (
            'No authorizations yet.'
          )}
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <ol className="authorizations" aria-busy={list.isFetching} aria-label="Authorizations, newest first">
          {list.data.data.map((row) => (
            <li
              key={row.id}
              className={`authorization ${row.approved ? 'approved' : 'declined'}`}
              data-authorization={row.id}
            >
              <div className="authorization-head">
                <span className="authorization-amount">{formatAmount(row.amount, row.currency)}</span>
                <span className={`badge ${row.approved ? 'badge-active' : 'badge-canceled'}`}>
                  {row.approved ? 'Approved' : 'Declined'}
                </span>
                <span className="muted small">{words(row.status)}</span>
              </div>
              <div className="authorization-merchant">
                {row.merchant.name ?? 'Unknown merchant'} · {categoryName(row.merchant.category)}
                {(row.merchant.city || row.merchant.country) &&
                  ` · ${[row.merchant.city, row.merchant.country].filter(Boolean).join(', ')}`}
              </div>
              <div className="muted small">
                <time dateTime={new Date(row.created * 1000).toISOString()}>{formatDateTime(row.created)}</time>
                {'card' in subject ? null : (
                  <>
                    {' · '}
                    <Link to={paths.card.href(row.account, row.card)}>{cardLabel(row)}</Link>
                  </>
                )}
                {row.merchant_currency !== row.currency &&
                  ` · ${formatAmount(row.merchant_amount, row.merchant_currency)} at the merchant`}
              </div>
              {row.explanation && (
                <ExplanationView explanation={row.explanation} editControlsHref={editControlsHref?.(row)} />
              )}
              {row.transactions.length > 0 && (
                <ul className="transactions small" aria-label="Transactions that followed">
                  {row.transactions.map((t) => (
                    <li key={t.id}>
                      {t.type === 'capture' ? 'Captured' : t.type === 'refund' ? 'Refunded' : words(t.type)}{' '}
                      {formatAmount(Math.abs(t.amount), t.currency)} · {formatDateTime(t.created)}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
      {(cursors.length > 0 || list.data?.has_more) && (
        <div className="toolbar">
          <button
            type="button"
            className="button-secondary"
            disabled={cursors.length === 0}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Newer
          </button>
          <button
            type="button"
            className="button-secondary"
            disabled={!list.data?.has_more}
            onClick={() => {
              const last = list.data?.data.at(-1)?.id;
              if (last) setCursors([...cursors, last]);
            }}
          >
            Older
          </button>
        </div>
      )}
    </section>
  );
}

/** "Priya Natarajan •••• 6513", or the card's id when Stripe gave no details. */
function cardLabel(row: AuthorizationRow): string {
  if (!row.card_last4) return `card ${row.card}`;
  return `${row.cardholder_name ? `${row.cardholder_name} ` : 'card '}${cardMask(row.card_last4)}`;
}
