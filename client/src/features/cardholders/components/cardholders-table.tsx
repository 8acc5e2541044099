import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import type { CardholderDetails } from '@shared/api.ts';
import { CardholderLimitsForm } from './cardholder-limits-form.tsx';
import { limitsText } from './limits-text.ts';
import './cardholders.css';

const STATUS_WORDS: Record<string, string> = { active: 'Active', inactive: 'Inactive', blocked: 'Blocked' };

/** An account's cardholders: who, their cards by status, and their own spending limits. */
export function CardholdersTable({
  holders,
  busy,
  canEditLimits,
  cardsHref,
}: {
  holders: CardholderDetails[];
  busy: boolean;
  canEditLimits: boolean;
  /** The account's cards of one cardholder (the card lookup, filtered). */
  cardsHref: (holder: CardholderDetails) => string;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <div className="table-scroll">
      <table className="table stack-on-phone" aria-busy={busy}>
        <caption className="visually-hidden">Cardholders</caption>
        <thead>
          <tr>
            <th scope="col">Cardholder</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Cards</th>
            <th scope="col">Cardholder limits</th>
            {canEditLimits && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {holders.map((holder) => {
            const total = holder.cards.active + holder.cards.inactive + holder.cards.canceled;
            return (
              <Fragment key={holder.id}>
                <tr>
                  <td data-label="Cardholder">
                    {holder.name}
                    {holder.email && <div className="muted small">{holder.email}</div>}
                    {holder.requirements.past_due.length > 0 && (
                      <div className="muted small">Stripe needs: {holder.requirements.past_due.join(', ')}</div>
                    )}
                  </td>
                  <td data-label="Type">{holder.type === 'company' ? 'Company' : 'Person'}</td>
                  <td data-label="Status">
                    <span className={`badge badge-${holder.status}`}>
                      {STATUS_WORDS[holder.status] ?? holder.status}
                    </span>
                  </td>
                  <td data-label="Cards">
                    {total === 0 ? (
                      'None'
                    ) : (
                      <Link to={cardsHref(holder)}>
                        {holder.cards.active} active
                        {holder.cards.inactive ? `, ${holder.cards.inactive} inactive` : ''}
                        {holder.cards.canceled ? `, ${holder.cards.canceled} canceled` : ''}
                      </Link>
                    )}
                  </td>
                  <td data-label="Cardholder limits">
                    {limitsText(holder.spending_controls as Record<string, unknown>)}
                  </td>
                  {canEditLimits && (
                    // The row's action: no label on a phone, the button says what it does.
                    <td>
                      <button
                        type="button"
                        className="button-secondary"
                        aria-expanded={editing === holder.id}
                        onClick={() => setEditing(editing === holder.id ? null : holder.id)}
                      >
                        Edit limits<span className="visually-hidden"> of {holder.name}</span>
                      </button>
                    </td>
                  )}
                </tr>
                {editing === holder.id && (
                  <tr>
                    <td colSpan={canEditLimits ? 6 : 5}>
                      <CardholderLimitsForm holder={holder} onDone={() => setEditing(null)} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
