import { Link } from 'react-router';
import { paths } from '../../../lib/paths.ts';
import { Empty, ErrorMessage, Loading } from '../../../components/status.tsx';
import { useCards } from '../api/get-cards.ts';
import { cardLabel, statusLabel } from './card-label.ts';

/** A compact list of an account's cards, each linking to its card page. */
export function CardLinks({ account }: { account: string }) {
  const cards = useCards({ account });

  if (cards.isPending) return <Loading label="Loading cards…" />;
  if (cards.isError) {
    return <ErrorMessage error={cards.error} title="Could not load the cards" onRetry={() => void cards.refetch()} />;
  }
  const list = cards.data.pages.flatMap((page) => page.data);
  if (list.length === 0) return <Empty>This account has no cards yet.</Empty>;

  return (
    <>
      <ul className="card-links">
        {list.map((card) => (
          <li key={card.id}>
            <Link to={paths.card.href(card.account || account, card.id)}>{cardLabel(card)}</Link>
            <span className="muted small">
              {' '}
              {card.type === 'virtual' ? 'Virtual' : 'Physical'} ·{' '}
              <span className={`badge badge-${card.status}`}>{statusLabel(card.status)}</span>
            </span>
          </li>
        ))}
      </ul>
      {cards.hasNextPage && (
        <button
          type="button"
          className="button-secondary"
          onClick={() => void cards.fetchNextPage()}
          disabled={cards.isFetchingNextPage}
        >
          {cards.isFetchingNextPage ? 'Loading…' : 'More cards'}
        </button>
      )}
    </>
  );
}
