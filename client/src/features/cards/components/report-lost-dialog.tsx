// The confirmation before a card is reported lost (decision 164), one for every role that may
// report it: the card freezes now, and a platform admin then cancels and replaces it. Who may
// activate it again if it turns up differs by role: the caller says (`reactivation`).
import type { ReactNode } from 'react';
import type { CardSummary } from '@shared/api.ts';
import { cardMask } from '@shared/card-words.ts';
import { ConfirmDialog } from '../../../components/confirm-dialog.tsx';
import { errorMessage } from '../../../lib/api-client.ts';

export function ReportLostDialog({
  card,
  reactivation,
  report,
  note,
  onCancel,
  children,
}: {
  card: Pick<CardSummary, 'last4' | 'cardholder'>;
  /** The sentence saying who may activate the card again if it turns up. */
  reactivation: string;
  /** The report's mutation (useReportCardLost). */
  report: { isPending: boolean; isError: boolean; error: unknown; mutate: (body: { note?: string }) => void };
  /** The audit note typed for the report. */
  note: string;
  onCancel: () => void;
  /** Shown in the dialog under the description (the note's field, where it is typed there). */
  children?: ReactNode;
}) {
  return (
    <ConfirmDialog
      title={`Report ${cardMask(card.last4)} lost?`}
      description={
        <>
          <p>
            The card is frozen now: it declines every purchase from this moment. Then a platform admin cancels it for
            good and can issue {card.cardholder.name || 'the cardholder'} a replacement with a new number.
          </p>
          <p>{reactivation}</p>
        </>
      }
      confirmLabel="Report lost and freeze"
      pendingLabel="Freezing…"
      pending={report.isPending}
      error={report.isError ? `The card could not be frozen: ${errorMessage(report.error)}` : undefined}
      onConfirm={() => report.mutate(note.trim() ? { note: note.trim() } : {})}
      onCancel={onCancel}
    >
      {children}
    </ConfirmDialog>
  );
}
