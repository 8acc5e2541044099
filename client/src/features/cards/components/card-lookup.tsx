import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { paths } from '../../../lib/paths.ts';
import { Empty, ErrorMessage, Loading } from '../../../components/status.tsx';
import type { CardSummary } from '@shared/api.ts';
import { LOOKUP_TOO_BROAD, specificLookup } from '@shared/lookup-query.ts';
import { LOOKUP_RULES } from '@shared/policy.ts';
import { ApiError } from '../../../lib/api-client.ts';
import { useCards } from '../api/get-cards.ts';
import { cardLabel, statusLabel } from './card-label.ts';

/**
 * Finds cards in any account the user reaches by card id, last four digits or cardholder
 * (support agents may not browse accounts, only look cards up). The query lives in the URL so
 * that a lookup can be shared and survives a reload.
 */
export function CardLookup({
  query,
  onQueryChange,
  specificOnly = false,
  revealHref,
}: {
  query: string;
  onQueryChange: (q: string) => void;
  /** The user finds one card at a time (lookup scope): the hint says how specific to be (LOOKUP_RULES). */
  specificOnly?: boolean;
  /** Where to reveal a card's details, when the user may (the page decides from the policy). */
  revealHref?: (card: CardSummary) => string | undefined;
}) {
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const [draft, setDraft] = useState(query);
  // Back and forward change the query from outside; the box follows (React's "adjust state
  // when a prop changes" pattern, without remounting and losing focus).
  const [shownQuery, setShownQuery] = useState(query);
  if (query !== shownQuery) {
    setShownQuery(query);
    setDraft(query);
  }
  const q = query.trim();
  // A lookup the server would refuse as too broad for this role is refused here, with the
  // server's words, without asking (the server checks again).
  const tooBroad = specificOnly && q.length > 0 && !specificLookup({ q });
  const cards = useCards({ q }, { enabled: q.length > 0 && !tooBroad });
  // The message that belongs to the search box: the browser's refusal, or the server's naming `q`
  // (e.g. more matches than one lookup may show).
  const fieldError = tooBroad
    ? LOOKUP_TOO_BROAD.message
    : cards.error instanceof ApiError && cards.error.field === LOOKUP_TOO_BROAD.field
      ? cards.error.message
      : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    onQueryChange(draft.trim());
  }

  const list = cards.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <form role="search" className="toolbar" onSubmit={submit}>
        <label htmlFor={inputId}>Find a card</label>
        <input
          id={inputId}
          type="search"
          value={draft}
          autoComplete="off"
          aria-describedby={fieldError ? `${errorId} ${hintId}` : hintId}
          aria-invalid={fieldError ? true : undefined}
          placeholder={specificOnly ? 'ic_…, full email, or 4242 Smith' : 'ic_…, 4242 or cardholder name'}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit">Search</button>
        <p id={hintId} className="muted small toolbar-hint">
          {specificOnly
            ? `Card id, the cardholder’s full email, the last four digits with part of the name, or at least ${LOOKUP_RULES.minTextLength} letters of the name.`
            : 'Card id, last four digits, or the cardholder’s name or email.'}
        </p>
        {fieldError && (
          <p id={errorId} className="form-error toolbar-hint" role="alert">
            {fieldError}
          </p>
        )}
      </form>
      {!q || fieldError ? null : cards.isPending ? (
        <Loading label="Searching…" />
      ) : cards.isError ? (
        <ErrorMessage error={cards.error} title="The search failed" onRetry={() => void cards.refetch()} />
      ) : list.length === 0 ? (
        <Empty>No card matches “{q}”.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table stack-on-phone" aria-busy={cards.isPlaceholderData}>
            <caption className="visually-hidden">Cards matching “{q}”</caption>
            <thead>
              <tr>
                <th scope="col">Card</th>
                <th scope="col">Cardholder</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Account</th>
                {revealHref && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.map((card) => (
                <tr key={card.id}>
                  <td data-label="Card">
                    <Link to={paths.card.href(card.account, card.id)}>{cardLabel(card)}</Link>
                    <div className="muted small">
                      <code>{card.id}</code>
                    </div>
                  </td>
                  <td data-label="Cardholder">
                    {card.cardholder.name || 'Unnamed cardholder'}
                    {card.cardholder.email && <div className="muted small">{card.cardholder.email}</div>}
                  </td>
                  <td data-label="Type">{card.type === 'virtual' ? 'Virtual' : 'Physical'}</td>
                  <td data-label="Status">
                    <span className={`badge badge-${card.status}`}>{statusLabel(card.status)}</span>
                  </td>
                  <td data-label="Account">{card.account_name ?? <code>{card.account}</code>}</td>
                  {revealHref && (
                    <td>
                      {(() => {
                        const href = revealHref(card);
                        return href ? (
                          <Link to={href} aria-label={`Reveal details of ${cardLabel(card)}`}>
                            Reveal details
                          </Link>
                        ) : null;
                      })()}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q && cards.hasNextPage && (
        <button
          type="button"
          className="button-secondary"
          onClick={() => void cards.fetchNextPage()}
          disabled={cards.isFetchingNextPage}
        >
          {cards.isFetchingNextPage ? 'Loading…' : 'More results'}
        </button>
      )}
    </>
  );
}
