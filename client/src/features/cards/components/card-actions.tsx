import { useEffect, useId, useRef, useState } from 'react';
import { errorMessage } from '../../../lib/api-client.ts';
import type { CardSummary } from '@shared/api.ts';
import { useUpdateCard } from '../api/update-card.ts';
import { statusLabel } from './card-label.ts';
import './card-forms.css';

const REASONS = { lost: 'Lost', stolen: 'Stolen' } as const;
type CancelReason = keyof typeof REASONS;

/**
 * The app's own status actions for a card: freeze (inactive), activate, and cancel as lost or
 * stolen after a confirmation saying that cancellation is permanent (only for roles that may
 * cancel: `canCancel`, from the policy's `cancelCards`). A canceled card offers nothing more.
 */
export function CardActions({
  card,
  canCancel,
  onChanged,
}: {
  card: CardSummary;
  canCancel: boolean;
  onChanged?: (card: CardSummary) => void;
}) {
  const headingId = useId();
  const [message, setMessage] = useState('');
  const [confirming, setConfirming] = useState(false);
  const update = useUpdateCard(card.id, {
    onSuccess: (next) => {
      setConfirming(false);
      setMessage(
        next.status === 'canceled' ? 'Card canceled.' : next.status === 'active' ? 'Card activated.' : 'Card frozen.',
      );
      onChanged?.(next);
    },
  });

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Card status</h2>
      <p>
        Status: <span className={`badge badge-${card.status}`}>{statusLabel(card.status)}</span>
        {card.status === 'canceled' && card.cancellation_reason
          ? ` (${REASONS[card.cancellation_reason as CancelReason] ?? card.cancellation_reason})`
          : ''}
      </p>
      {card.status === 'canceled' ? (
        <p className="notice-canceled">
          This card is canceled. Cancellation is permanent: it can’t be used or reactivated.
        </p>
      ) : (
        <div className="card-actions">
          {card.status === 'active' ? (
            <button
              type="button"
              className="button-secondary"
              disabled={update.isPending}
              onClick={() => update.mutate({ status: 'inactive' })}
            >
              Freeze card
            </button>
          ) : (
            <button type="button" disabled={update.isPending} onClick={() => update.mutate({ status: 'active' })}>
              Activate card
            </button>
          )}
          {canCancel && (
            <button
              type="button"
              className="button-danger"
              disabled={update.isPending}
              onClick={() => {
                update.reset();
                setConfirming(true);
              }}
            >
              Cancel card…
            </button>
          )}
        </div>
      )}
      <div aria-live="polite">
        {message && !update.isError && (
          <p className="form-success" role="status">
            {message}
          </p>
        )}
      </div>
      {update.isError && !confirming && (
        <p className="form-error" role="alert">
          The card could not be changed: {errorMessage(update.error)}
        </p>
      )}
      {confirming && (
        <CancelDialog
          pending={update.isPending}
          error={update.isError ? errorMessage(update.error) : undefined}
          onConfirm={(reason) => update.mutate({ status: 'canceled', cancellation_reason: reason })}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}

function CancelDialog({
  pending,
  error,
  onConfirm,
  onClose,
}: {
  pending: boolean;
  error?: string | undefined;
  onConfirm: (reason: CancelReason) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const [reason, setReason] = useState<CancelReason>('lost');

  // A modal <dialog>: focus moves in, the page behind is inert, Escape closes it. Removing the
  // element on unmount ends the modal state, so no cleanup (a close() there would fire onClose).
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onClose={onClose}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm(reason);
        }}
      >
        <h2 id={titleId}>Cancel this card?</h2>
        <p id={descriptionId}>
          Canceling is permanent: the card stops working at once and can never be activated again. Issue a new card to
          replace it.
        </p>
        <fieldset className="choice-group">
          <legend>Why is it being canceled?</legend>
          {(Object.keys(REASONS) as CancelReason[]).map((value) => (
            <label key={value}>
              <input
                type="radio"
                name="reason"
                value={value}
                checked={reason === value}
                onChange={() => setReason(value)}
              />
              {REASONS[value]}
            </label>
          ))}
        </fieldset>
        {error && (
          <p className="form-error" role="alert">
            The card could not be canceled: {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button-secondary" onClick={() => ref.current?.close()} autoFocus>
            Keep card
          </button>
          <button type="submit" className="button-danger" disabled={pending}>
            {pending ? 'Canceling…' : 'Cancel card permanently'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
