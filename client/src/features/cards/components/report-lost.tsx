import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { CardSummary } from '@shared/api.ts';
import { formatDateTime } from '@shared/card-words.ts';
import { frozenAsLost } from '@shared/lost-cards.ts';
import { errorMessage } from '../../../lib/api-client.ts';
import { useReportCardLost } from '../api/update-card.ts';
import { statusLabel } from './card-label.ts';
import { NoteField } from './audit-note-field.tsx';
import { ReportLostDialog } from './report-lost-dialog.tsx';
import './card-forms.css';

/**
 * For roles that may freeze a card reported lost but not change its status otherwise (support
 * agents): a note for the audit trail, then a confirmation that says what happens (the card is
 * frozen now; an admin then cancels and replaces it), then the freeze. Unfreezing and canceling
 * stay with the account's users and the platform.
 */
export function ReportLost({ card, onChanged }: { card: CardSummary; onChanged?: (card: CardSummary) => void }) {
  const headingId = useId();
  const noteId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState(false);
  const report = useReportCardLost(card.id, {
    onSuccess: (next) => {
      setConfirming(false);
      setDone(true);
      onChanged?.(next);
    },
  });
  // The form (and its button) is gone once the card is frozen: the panel's heading takes the focus.
  useEffect(() => {
    if (done) headingRef.current?.focus();
  }, [done]);

  function submit(event: FormEvent) {
    event.preventDefault();
    report.reset();
    setConfirming(true);
  }

  const lost = frozenAsLost(card);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        Card status
      </h2>
      <p>
        Status: <span className={`badge badge-${card.status}`}>{statusLabel(card.status)}</span>
        {lost && ' (reported lost)'}
      </p>
      {card.status !== 'canceled' && !lost ? (
        <form onSubmit={submit} className="report-lost">
          <NoteField id={noteId} note={note} onChange={setNote} />
          <button type="submit" className="button-danger" disabled={report.isPending}>
            Report lost and freeze…
          </button>
        </form>
      ) : (
        <p className="muted">
          {lost && card.lost_reported_at
            ? `Reported lost on ${formatDateTime(Date.parse(card.lost_reported_at) / 1000)}: the card is frozen and declines every purchase. A platform admin cancels it and issues a replacement with a new number.`
            : card.status === 'inactive'
              ? 'This card is frozen: it declines every purchase. The account’s users or the platform can reactivate or cancel it.'
              : 'This card is canceled and cannot be used.'}
        </p>
      )}
      <div aria-live="polite">
        {done && !report.isError && (
          <p className="form-success" role="status">
            Card frozen. The report is in the audit log.
          </p>
        )}
      </div>
      {report.isError && !confirming && (
        <p className="form-error" role="alert">
          The card could not be frozen: {errorMessage(report.error)}
        </p>
      )}
      {confirming && (
        <ReportLostDialog
          card={card}
          reactivation="Until then the account’s users can activate it again if it turns up."
          report={report}
          note={note}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
