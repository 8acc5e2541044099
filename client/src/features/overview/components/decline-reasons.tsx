import { useId } from 'react';
import type { OverviewResponse } from '@shared/overview.ts';
import { Empty } from '../../../components/status.tsx';
import { percent } from '../lib/overview-words.ts';

/** The most frequent reasons Stripe declined for in the last 30 days, in the explanations' words. */
export function DeclineReasons({ declines }: { declines: OverviewResponse['declines'] }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Top decline reasons</h2>
      {declines.total === 0 ? (
        <Empty>No declines in the last 30 days.</Empty>
      ) : (
        <>
          <p className="muted">
            {declines.total} {declines.total === 1 ? 'decline' : 'declines'} in the last 30 days.
          </p>
          <ol className="decline-reasons">
            {declines.reasons.map((r) => (
              <li key={r.reason} data-reason={r.reason}>
                <span className="reason-count">{r.count}</span>
                <span>
                  {r.message} <span className="muted">({percent(r.count / declines.total)} of declines)</span>
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
