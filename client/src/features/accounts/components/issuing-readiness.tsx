import { useId, type ReactNode } from 'react';
import type { IssuingReadiness } from '@shared/api.ts';
import './issuing-readiness.css';

const WHY: Record<Exclude<IssuingReadiness['status'], 'active'>, string> = {
  inactive:
    'Stripe has not activated card issuing for this account yet, so no cardholder or card can be created on it.',
  pending:
    'Stripe is checking the information this account provided; card issuing usually becomes active within a few minutes.',
  not_requested:
    'This account has not requested Stripe’s card_issuing capability, so no cardholder or card can be created on it.',
};

/**
 * Why an account cannot issue cards yet: its `card_issuing` capability is not active, and what
 * Stripe still needs (its `requirements.currently_due`), in words. Nothing when it can.
 */
export function IssuingNotReady({ readiness, children }: { readiness: IssuingReadiness; children?: ReactNode }) {
  const headingId = useId();
  if (readiness.status === 'active') return null;
  return (
    <section aria-labelledby={headingId} className="panel issuing-not-ready">
      <h2 id={headingId}>Card issuing is not active</h2>
      <p>{WHY[readiness.status]}</p>
      {readiness.currently_due.length > 0 && (
        <>
          <p>Stripe still needs:</p>
          <ul aria-label="What Stripe still needs">
            {readiness.currently_due.map((item) => (
              <li key={item}>{item}</li>
            ))}
          </ul>
          <details>
            <summary>Stripe’s field names</summary>
            <p className="muted small">
              {readiness.currently_due_fields.map((field) => (
                <code key={field}>{field} </code>
              ))}
            </p>
          </details>
        </>
      )}
      {children}
      <p className="muted small">
        The platform provides these through Stripe’s account update API (in test mode, <code>npm run seed</code> does it
        with Stripe’s test values); <code>npm run doctor</code> lists every account’s status.
      </p>
    </section>
  );
}
