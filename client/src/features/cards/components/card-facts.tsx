import { useId } from 'react';
import type { CardSummary } from '@shared/api.ts';
import { cardMask, cardTypeName, formatDate } from '@shared/card-words.ts';
import { statusLabel } from './card-label.ts';

const CANCELLATION_REASONS: Record<string, string> = {
  lost: 'lost',
  stolen: 'stolen',
  design_rejected: 'design rejected',
};

/**
 * What a support agent needs to verify a caller, shown by the app itself (support agents get no
 * Account Session, so no embedded component) and first on the card page: cardholder, email, last
 * four digits, type, status, when it was issued.
 */
export function CardFacts({ card }: { card: CardSummary }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Verify the caller</h2>
      <dl className="facts">
        <dt>Cardholder</dt>
        <dd>{card.cardholder.name || 'Unnamed cardholder'}</dd>
        <dt>Email</dt>
        <dd>{card.cardholder.email ?? '—'}</dd>
        <dt>Card number</dt>
        <dd>{cardMask(card.last4)}</dd>
        <dt>Type</dt>
        <dd>{cardTypeName(card.type)}</dd>
        <dt>Status</dt>
        <dd>
          {statusLabel(card.status)}
          {card.cancellation_reason
            ? ` (${CANCELLATION_REASONS[card.cancellation_reason] ?? card.cancellation_reason})`
            : ''}
        </dd>
        <dt>Issued</dt>
        <dd>{formatDate(card.created)}</dd>
      </dl>
    </section>
  );
}
