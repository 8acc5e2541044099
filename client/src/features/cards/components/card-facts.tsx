import { useId } from 'react';
import type { CardSummary } from '@shared/api.ts';
import { statusLabel } from './card-label.ts';

/**
 * What a support agent needs to verify a caller, shown by the app itself (support agents get no
 * Account Session, so no embedded component): cardholder, last four digits, type, status.
 */
export function CardFacts({ card }: { card: CardSummary }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Card</h2>
      <dl className="facts">
        <dt>Cardholder</dt>
        <dd>{card.cardholder.name}</dd>
        <dt>Email</dt>
        <dd>{card.cardholder.email ?? '—'}</dd>
        <dt>Last four digits</dt>
        <dd>{card.last4}</dd>
        <dt>Type</dt>
        <dd>{card.type === 'virtual' ? 'Virtual' : 'Physical'}</dd>
        <dt>Status</dt>
        <dd>
          {statusLabel(card.status)}
          {card.cancellation_reason ? ` (${card.cancellation_reason})` : ''}
        </dd>
      </dl>
    </section>
  );
}
