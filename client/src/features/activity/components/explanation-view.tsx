import { Link } from 'react-router';
import type { Explanation } from '@shared/authorizations-api.ts';
import { INTERVAL_WORDS, formatAmount, words } from '../lib/words.ts';

/**
 * Why Stripe declined a purchase, what to do next, the controls it ran into, and, for users who
 * may edit controls, a link straight to them.
 */
export function ExplanationView({
  explanation,
  editControlsHref,
}: {
  explanation: Explanation;
  editControlsHref?: string | undefined;
}) {
  const controls = explanation.controls ?? [];
  return (
    <div className="explanation">
      <p className="explanation-message">{explanation.message}</p>
      <p className="explanation-next muted">{explanation.next_step}</p>
      {controls.length > 0 && (
        <ul className="explanation-controls" aria-label="Matching controls">
          {controls.map((control, i) => (
            <li key={i}>
              <strong>
                {control.scope === 'stripe' ? 'Stripe maximum' : control.scope === 'card' ? 'Card' : 'Cardholder'}
                {control.type === 'spending_limit' && control.amount !== undefined && control.currency
                  ? `: limit ${formatAmount(control.amount, control.currency)} ${INTERVAL_WORDS[control.interval ?? ''] ?? ''}${control.categories?.length ? ` on ${control.categories.map(words).join(', ')}` : ''}`
                  : `: ${words(control.type)}`}
              </strong>
              {control.spent !== undefined && control.currency && (
                <> · already spent {formatAmount(control.spent, control.currency)}</>
              )}
            </li>
          ))}
        </ul>
      )}
      {editControlsHref && explanation.reason === 'spending_controls' && (
        <p className="small">
          <Link to={editControlsHref}>Edit spending controls</Link>
        </p>
      )}
    </div>
  );
}
