import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../../../lib/api-client.ts';
import type { CardSummary } from '@shared/api.ts';
import { useReportCardLost } from '../api/update-card.ts';
import { statusLabel } from './card-label.ts';
import './card-forms.css';

/**
 * For roles that may freeze a card reported lost but not change its status otherwise (support
 * agents): one button that freezes it, with a note for the audit trail. Unfreezing and canceling
 * stay with the account's users and the platform.
 */
export function ReportLost({ card, onChanged }: { card: CardSummary; onChanged?: (card: CardSummary) => void }) {
  const headingId = useId();
  const noteId = useId();
  const [note, setNote] = useState('');
  const [done, setDone] = useState(false);
  const report = useReportCardLost(card.id, {
    onSuccess: (next) => {
      setDone(true);
      onChanged?.(next);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    report.mutate(note.trim() ? { note: note.trim() } : {});
  }

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Card status</h2>
      <p>
        Status: <span className={`badge badge-${card.status}`}>{statusLabel(card.status)}</span>
      </p>
      {card.status === 'active' ? (
        <form onSubmit={submit} className="report-lost">
          <div className="field">
            <label htmlFor={noteId}>Note for the audit log (optional)</label>
            <input
              id={noteId}
              value={note}
              maxLength={500}
              onChange={(e) => setNote(e.target.value)}
              placeholder="e.g. ticket, how the caller was verified"
            />
          </div>
          <button type="submit" className="button-danger" disabled={report.isPending}>
            {report.isPending ? 'Freezing…' : 'Report lost and freeze'}
          </button>
        </form>
      ) : (
        <p className="muted">
          {card.status === 'inactive'
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
      {report.isError && (
        <p className="form-error" role="alert">
          The card could not be frozen: {errorMessage(report.error)}
        </p>
      )}
    </section>
  );
}
