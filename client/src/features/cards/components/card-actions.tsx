import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import type { CardSummary } from '@shared/api.ts';
import { cardMask, formatDateTime } from '@shared/card-words.ts';
import { awaitingReplacement, frozenAsLost } from '@shared/lost-cards.ts';
import { announce } from '../../../components/announce.ts';
import { ConfirmDialog } from '../../../components/confirm-dialog.tsx';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';
import { useStepUpDue } from '../../../components/step-up/step-up-due.ts';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { useMe } from '../../../lib/me.ts';
import { paths } from '../../../lib/paths.ts';
import { NoteField } from './audit-note-field.tsx';
import { ReportLostDialog } from './report-lost-dialog.tsx';
import { useReplaceCard } from '../api/replace-card.ts';
import { useReportCardLost, useUpdateCard } from '../api/update-card.ts';
import { statusLabel } from './card-label.ts';
import './card-forms.css';

const REASONS = { lost: 'Lost', stolen: 'Stolen' } as const;
type CancelReason = keyof typeof REASONS;
type Asking = 'cancel' | 'report-lost' | 'replace' | null;

const masked = (card: Pick<CardSummary, 'last4'>) => cardMask(card.last4);

/** What the page says after a replacement, carried to the new card's page (navigation state). */
interface ReplacedState {
  replacedNotice?: { card: string; text: string };
}

/**
 * The app's own status actions for a card: freeze (inactive), activate, report lost, and cancel
 * as lost or stolen after a confirmation saying that cancellation is permanent (only for roles
 * that may cancel: `canCancel`, from the policy's `cancelCards`). A card reported lost offers its
 * replacement to roles that may replace cards (policy `replaceCards`, platform admins): it is
 * canceled and a new card issued, and the page moves to the new card (decision 164). Risky
 * actions are confirmed in a dialog whose safe choice has the focus; each outcome is announced.
 */
export function CardActions(props: CardActionsProps) {
  // Another card (the page moved to a replacement) starts afresh: no message, dialog or prompt of the last one.
  return <CardActionsOf key={props.card.id} {...props} />;
}

interface CardActionsProps {
  card: CardSummary;
  canCancel: boolean;
  onChanged?: (card: CardSummary) => void;
}

function CardActionsOf({ card, canCancel, onChanged }: CardActionsProps) {
  const headingId = useId();
  const noteId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const me = useMe().data;
  const canReportLost = me?.permissions.freezeLostCards ?? false;
  const canReplace = me?.permissions.replaceCards ?? false;
  const navigate = useNavigate();
  const location = useLocation();
  const carried = (location.state as ReplacedState | null)?.replacedNotice;
  const [message, setMessage] = useState(carried?.card === card.id ? carried.text : '');
  const [asking, setAsking] = useState<Asking>(null);
  const [stepUp, setStepUp] = useState(false);
  const [note, setNote] = useState('');
  // After a change the button pressed may be gone (Freeze becomes Activate): the panel's heading
  // takes the focus once the dialog has left, never <body>.
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (!refocus) return;
    setRefocus(false);
    if (!document.activeElement || document.activeElement === document.body) headingRef.current?.focus();
  }, [refocus]);

  const done = (next: CardSummary, text: string) => {
    setAsking(null);
    setMessage(text);
    setRefocus(true);
    onChanged?.(next);
  };
  const update = useUpdateCard(card.id, {
    onSuccess: (next) =>
      done(
        next,
        next.status === 'canceled' ? 'Card canceled.' : next.status === 'active' ? 'Card activated.' : 'Card frozen.',
      ),
  });
  const report = useReportCardLost(card.id, {
    onSuccess: (next) => done(next, `Card ${masked(next)} reported lost and frozen.`),
  });
  const stepUpDue = useStepUpDue('replaceCards');
  const replace = useReplaceCard(card.id, {
    onSuccess: ({ canceled, replacement }) => {
      setAsking(null);
      onChanged?.(canceled);
      const text = `Card ${masked(canceled)} is canceled. Its replacement, ${masked(replacement)}, is issued to ${replacement.cardholder.name || 'the cardholder'}${replacement.status === 'active' ? ' and ready to use' : ''}.`;
      announce(text);
      void navigate(paths.card.href(replacement.account, replacement.id), {
        state: { replacedNotice: { card: replacement.id, text } } satisfies ReplacedState,
      });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'step_up_required') {
        setAsking(null);
        setStepUp(true);
      }
    },
  });
  const sendReplace = (checked = false) => {
    if (!checked && stepUpDue()) {
      setAsking(null);
      setStepUp(true);
      return;
    }
    replace.mutate(note.trim() ? { note: note.trim() } : {});
  };

  const ask = (what: Asking) => {
    update.reset();
    report.reset();
    replace.reset();
    setNote('');
    setAsking(what);
  };
  const pending = update.isPending || report.isPending || replace.isPending;
  const lost = frozenAsLost(card);
  const replaceable = canReplace && awaitingReplacement(card);
  const failure = update.error ?? report.error ?? (replace.error && !stepUp ? replace.error : null);
  const holder = card.cardholder.name || 'the cardholder';

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        Card status
      </h2>
      <p>
        Status: <span className={`badge badge-${card.status}`}>{statusLabel(card.status)}</span>
        {card.status === 'canceled' && card.cancellation_reason
          ? ` (${REASONS[card.cancellation_reason as CancelReason] ?? card.cancellation_reason})`
          : ''}
        {lost && ' (reported lost)'}
      </p>
      {card.lost_reported_at && !card.replaced_by && card.status !== 'active' && (
        <p className="notice-lost">
          Reported lost on {formatDateTime(Date.parse(card.lost_reported_at) / 1000)}.{' '}
          {card.status === 'inactive'
            ? 'The card is frozen: it declines every purchase. '
            : 'The card is canceled and has not been replaced yet. '}
          {replaceable
            ? 'Cancel it and issue a replacement with a new number below.'
            : 'A platform admin cancels it and issues a replacement with a new number.'}
        </p>
      )}
      {card.replacement_for && (
        <p>
          This card replaces an earlier one.{' '}
          <Link to={paths.card.href(card.account, card.replacement_for)}>Open the card it replaces</Link>
        </p>
      )}
      {card.status === 'canceled' ? (
        <>
          <p className="notice-canceled">
            This card is canceled. Cancellation is permanent: it can’t be used or reactivated.
          </p>
          {card.replaced_by && (
            <p>
              <Link to={paths.card.href(card.account, card.replaced_by)}>Open the card that replaces it</Link>
            </p>
          )}
        </>
      ) : null}
      {(card.status !== 'canceled' || replaceable) && (
        <div className="card-actions">
          {replaceable && (
            <button type="button" className="button-danger" disabled={pending} onClick={() => ask('replace')}>
              {card.status === 'canceled' ? 'Issue a replacement…' : 'Cancel and replace…'}
            </button>
          )}
          {card.status === 'active' && (
            <button
              type="button"
              className="button-secondary"
              disabled={pending}
              onClick={() => update.mutate({ status: 'inactive' })}
            >
              Freeze card
            </button>
          )}
          {card.status === 'inactive' && (
            <button type="button" disabled={pending} onClick={() => update.mutate({ status: 'active' })}>
              {lost ? 'Activate card (found again)' : 'Activate card'}
            </button>
          )}
          {canReportLost && card.status !== 'canceled' && !lost && (
            <button type="button" className="button-secondary" disabled={pending} onClick={() => ask('report-lost')}>
              Report lost…
            </button>
          )}
          {canCancel && card.status !== 'canceled' && (
            <button type="button" className="button-danger" disabled={pending} onClick={() => ask('cancel')}>
              Cancel card…
            </button>
          )}
        </div>
      )}
      {stepUp && (
        <StepUpPrompt
          action={`cancel and replace ${masked(card)}`}
          intro="Replacing a card needs a second-factor check within the last few minutes."
          onVerified={() => {
            setStepUp(false);
            sendReplace(true);
          }}
          onCancel={() => {
            setStepUp(false);
            replace.reset();
            setRefocus(true);
          }}
        />
      )}
      {replace.isPending && !asking && <p className="muted">Replacing the card…</p>}
      <div aria-live="polite">
        {message && !failure && (
          <p className="form-success" role="status">
            {message}
          </p>
        )}
      </div>
      {failure && !asking && (
        <p className="form-error" role="alert">
          The card could not be changed: {errorMessage(failure)}
        </p>
      )}
      {asking === 'cancel' && (
        <CancelDialog
          pending={update.isPending}
          error={update.isError ? errorMessage(update.error) : undefined}
          onConfirm={(reason) => update.mutate({ status: 'canceled', cancellation_reason: reason })}
          onClose={() => setAsking(null)}
        />
      )}
      {asking === 'report-lost' && (
        <ReportLostDialog
          card={card}
          reactivation="Until then the card can be activated again if it turns up."
          report={report}
          note={note}
          onCancel={() => setAsking(null)}
        >
          <NoteField id={noteId} note={note} onChange={setNote} />
        </ReportLostDialog>
      )}
      {asking === 'replace' && (
        <ConfirmDialog
          title={`Cancel and replace ${masked(card)}?`}
          description={
            <p>
              {card.status === 'canceled'
                ? 'The lost card is canceled already. '
                : 'The lost card is canceled for good, as lost. '}
              {holder} gets a new {card.type === 'virtual' ? 'virtual' : 'physical'} card with a new number and the same
              spending controls
              {card.type === 'virtual'
                ? ', active at once.'
                : ', shipped to the lost card’s address and activated once it arrives.'}
            </p>
          }
          confirmLabel="Cancel and replace"
          pendingLabel="Replacing…"
          pending={replace.isPending}
          error={
            replace.isError && !stepUp ? `The card could not be replaced: ${errorMessage(replace.error)}` : undefined
          }
          onConfirm={() => sendReplace()}
          onCancel={() => setAsking(null)}
        >
          <NoteField id={noteId} note={note} onChange={setNote} />
        </ConfirmDialog>
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
  const [reason, setReason] = useState<CancelReason>('lost');
  return (
    <ConfirmDialog
      title="Cancel this card?"
      description="Canceling is permanent: the card stops working at once and can never be activated again. Issue a new card to replace it."
      cancelLabel="Keep card"
      confirmLabel="Cancel card permanently"
      pendingLabel="Canceling…"
      pending={pending}
      error={error ? `The card could not be canceled: ${error}` : undefined}
      onConfirm={() => onConfirm(reason)}
      onCancel={onClose}
    >
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
    </ConfirmDialog>
  );
}
