import { useId, useState } from 'react';
import { Link } from 'react-router';
import { paths } from '../../../lib/paths.ts';
import { ErrorMessage, Empty, Loading } from '../../../components/status.tsx';
import type { AuthorizationsQuery, AuthorizationRow } from '@shared/authorizations-api.ts';
import { useAuthorizations, type ActivitySubject } from '../api/get-authorizations.ts';
import { dateTime, formatAmount, words } from '../lib/words.ts';
import { ExplanationView } from './explanation-view.tsx';
import './activity.css';

const PAGE = 10;

/** From a date input (YYYY-MM-DD, local day) to ISO 8601; `end` gives the next day's start (exclusive). */
function isoDay(value: string, end = false): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + (end ? 1 : 0)).toISOString();
}

/**
 * A card's or an account's authorizations, newest first, from Stripe: amount, merchant, status,
 * approved or declined with the explanation, and the captures and refunds that followed.
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
  const [status, setStatus] = useState<AuthorizationsQuery['status'] | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // Stripe's cursor: the last id of each page seen, to go back.
  const [cursors, setCursors] = useState<string[]>([]);
  const query: AuthorizationsQuery = {
    limit: PAGE,
    ...(status ? { status } : {}),
    ...(from ? { from: isoDay(from) } : {}),
    ...(to ? { to: isoDay(to, true) } : {}),
    ...(cursors.length ? { starting_after: cursors.at(-1) } : {}),
  };
  const list = useAuthorizations(subject, query);
  const resetPaging = () => setCursors([]);

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
      <div className="filters activity-filters">
        <div className="field">
          <label htmlFor={`${headingId}-status`}>Status</label>
          <select
            id={`${headingId}-status`}
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as typeof status);
              resetPaging();
            }}
          >
            <option value="">Any</option>
            <option value="pending">Pending</option>
            <option value="closed">Closed</option>
            <option value="reversed">Reversed</option>
            <option value="expired">Expired</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${headingId}-from`}>From</label>
          <input
            id={`${headingId}-from`}
            type="date"
            value={from}
            onChange={(e) => {
              setFrom(e.target.value);
              resetPaging();
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${headingId}-to`}>To</label>
          <input
            id={`${headingId}-to`}
            type="date"
            value={to}
            onChange={(e) => {
              setTo(e.target.value);
              resetPaging();
            }}
          />
        </div>
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
        <Empty>No authorizations{status || from || to ? ' match these filters' : ' yet'}.</Empty>
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
                {row.merchant.name ?? 'Unknown merchant'} · {words(row.merchant.category)}
                {(row.merchant.city || row.merchant.country) &&
                  ` · ${[row.merchant.city, row.merchant.country].filter(Boolean).join(', ')}`}
              </div>
              <div className="muted small">
                <time dateTime={new Date(row.created * 1000).toISOString()}>{dateTime(row.created)}</time>
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
                      {formatAmount(Math.abs(t.amount), t.currency)} · {dateTime(t.created)}
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
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Newer
          </button>
          <button
            type="button"
            className="button-secondary"
            disabled={!list.data?.has_more}
            onClick={() => {
              const last = list.data?.data.at(-1)?.id;
              if (last) setCursors((c) => [...c, last]);
            }}
          >
            Older
          </button>
        </div>
      )}
    </section>
  );
}

/** "Priya Natarajan ···· 6513", or the card's id when Stripe gave no details. */
function cardLabel(row: AuthorizationRow): string {
  if (!row.card_last4) return `card ${row.card}`;
  return `${row.cardholder_name ? `${row.cardholder_name} ` : 'card '}···· ${row.card_last4}`;
}
