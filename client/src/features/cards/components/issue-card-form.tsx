import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { paths } from '../../../lib/paths.ts';
import { ErrorMessage, Loading } from '../../../components/status.tsx';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import type { CardSummary, CreateCardBody } from '@shared/api.ts';
import { useCreateCard } from '../api/create-card.ts';
import { useCardholders } from '../api/get-cardholders.ts';
import { newRequestId } from '../../../lib/request-id.ts';
import { cardLabel } from './card-label.ts';
import './card-forms.css';

// Stripe Issuing's card currencies (US, EU and UK programs).
const CURRENCIES = [
  { value: 'usd', label: 'USD — US dollar' },
  { value: 'eur', label: 'EUR — Euro' },
  { value: 'gbp', label: 'GBP — British pound' },
];

/**
 * Issues a card on one connected account: cardholder, virtual or physical, currency and first
 * status. Physical cards ship to the cardholder's billing address (the server sets it).
 */
export function IssueCardForm({
  account,
  onIssued,
  disabledReason,
}: {
  account: string;
  onIssued?: (card: CardSummary) => void;
  /** Set while the account cannot issue cards (its card_issuing capability is not active). */
  disabledReason?: string;
}) {
  const ids = { cardholder: useId(), currency: useId(), error: useId(), disabled: useId() };
  const holders = useCardholders(account);
  const [cardholder, setCardholder] = useState('');
  const [type, setType] = useState<'virtual' | 'physical'>('virtual');
  const [currency, setCurrency] = useState('usd');
  const [status, setStatus] = useState<'active' | 'inactive'>('active');
  // One id per filled-in form: a second click on "Issue card" returns the same card.
  const [requestId, setRequestId] = useState(newRequestId);
  const [issued, setIssued] = useState<CardSummary>();
  const create = useCreateCard({
    onSuccess: (card) => {
      setIssued(card);
      setRequestId(newRequestId());
      onIssued?.(card);
    },
  });

  if (disabledReason) {
    return (
      <form className="issue-card-form" aria-label="Issue a card" aria-describedby={ids.disabled}>
        <p className="status status-empty" id={ids.disabled}>
          {disabledReason}
        </p>
        <button type="submit" disabled>
          Issue card
        </button>
      </form>
    );
  }
  if (holders.isPending) return <Loading label="Loading cardholders…" />;
  if (holders.isError) {
    return (
      <ErrorMessage
        error={holders.error}
        title="Could not load the cardholders"
        onRetry={() => void holders.refetch()}
      />
    );
  }
  if (holders.data.data.length === 0) {
    return <p className="status status-empty">This account has no cardholders yet, so no card can be issued.</p>;
  }

  const chosen = cardholder || holders.data.data[0]!.id;
  const fieldError = create.error instanceof ApiError ? create.error.field : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    setIssued(undefined);
    const input: CreateCardBody = { account, cardholder: chosen, type, currency, status, request_id: requestId };
    create.mutate(input);
  }

  return (
    <form
      className="issue-card-form"
      onSubmit={submit}
      aria-label="Issue a card"
      aria-describedby={create.isError ? ids.error : undefined}
    >
      <div className="field">
        <label htmlFor={ids.cardholder}>Cardholder</label>
        <select
          id={ids.cardholder}
          value={chosen}
          aria-invalid={fieldError === 'cardholder' || undefined}
          onChange={(event) => setCardholder(event.target.value)}
        >
          {holders.data.data.map((holder) => (
            <option key={holder.id} value={holder.id}>
              {holder.name}
              {holder.email ? ` (${holder.email})` : ''}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="choice-group">
        <legend>Card type</legend>
        <label>
          <input
            type="radio"
            name="type"
            value="virtual"
            checked={type === 'virtual'}
            onChange={() => setType('virtual')}
          />
          Virtual
        </label>
        <label>
          <input
            type="radio"
            name="type"
            value="physical"
            checked={type === 'physical'}
            onChange={() => setType('physical')}
          />
          Physical
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor={ids.currency}>Currency</label>
        <select
          id={ids.currency}
          value={currency}
          aria-invalid={fieldError === 'currency' || undefined}
          onChange={(event) => setCurrency(event.target.value)}
        >
          {CURRENCIES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="choice-group">
        <legend>Initial status</legend>
        <label>
          <input
            type="radio"
            name="status"
            value="active"
            checked={status === 'active'}
            onChange={() => setStatus('active')}
          />
          Active
        </label>
        <label>
          <input
            type="radio"
            name="status"
            value="inactive"
            checked={status === 'inactive'}
            onChange={() => setStatus('inactive')}
          />
          Frozen
        </label>
      </fieldset>
      <div className="form-actions">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Issuing…' : 'Issue card'}
        </button>
        <div aria-live="polite">
          {issued && (
            <p className="form-success" role="status">
              Card issued: <Link to={paths.card.href(issued.account, issued.id)}>{cardLabel(issued)}</Link>
            </p>
          )}
        </div>
        {create.isError && (
          <p className="form-error" role="alert" id={ids.error}>
            Could not issue the card: {errorMessage(create.error)}
          </p>
        )}
      </div>
    </form>
  );
}
