import { useId } from 'react';
import { ErrorMessage, Empty, Loading } from '../../../components/status.tsx';
import { useLimits } from '../api/get-limits.ts';
import { INTERVAL_WORDS, dateTime, formatAmount, words } from '../lib/words.ts';

/** Every spending limit of the card and its cardholder: spent in the current window, remaining, reset. */
export function LimitsPanel({ card }: { card: string }) {
  const headingId = useId();
  const limits = useLimits(card);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Remaining limits</h2>
      {limits.isPending && <Loading label="Loading limits…" />}
      {limits.isError && (
        <ErrorMessage error={limits.error} title="Could not load the limits" onRetry={() => void limits.refetch()} />
      )}
      {limits.data && limits.data.limits.length === 0 && (
        <Empty>No spending limits on this card or its cardholder.</Empty>
      )}
      {limits.data && limits.data.limits.length > 0 && (
        <div className="table-scroll">
          <table className="table limits" aria-busy={limits.isFetching}>
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col" className="numeric">
                  Spent
                </th>
                <th scope="col" className="numeric">
                  Remaining
                </th>
                <th scope="col">Resets</th>
              </tr>
            </thead>
            <tbody>
              {limits.data.limits.map((limit, i) => (
                <tr key={i} data-interval={limit.interval} data-scope={limit.scope}>
                  <th scope="row">
                    {limit.scope === 'card'
                      ? 'Card'
                      : `Cardholder (${limits.data.cardholder.name || limits.data.cardholder.id})`}
                    : {formatAmount(limit.amount, limit.currency)}{' '}
                    {INTERVAL_WORDS[limit.interval] ?? words(limit.interval)}
                    {limit.categories && (
                      <span className="muted small"> on {limit.categories.map(words).join(', ')}</span>
                    )}
                  </th>
                  <td className="numeric">{limit.spent === null ? '—' : formatAmount(limit.spent, limit.currency)}</td>
                  <td className="numeric limit-remaining">{formatAmount(limit.remaining, limit.currency)}</td>
                  <td>
                    {limit.resets_at
                      ? dateTime(limit.resets_at)
                      : limit.interval === 'per_authorization'
                        ? 'Each purchase'
                        : 'Never'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
