import { useState } from 'react';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';

/**
 * In place of the component's "Show numbers" while the second-factor check is not fresh (staff
 * roles, docs/decisions/104): the check, asked here; once it passes, /api/me says fresh and the
 * page remounts the component with its key callback (a new Account Session too: the check
 * replaced the app session, see useStepUp).
 */
export function VerifyToShowNumbers({ what }: { what: 'card' | 'cards' }) {
  const [asking, setAsking] = useState(false);
  if (asking) {
    return (
      <StepUpPrompt
        action={what === 'card' ? "show this card's numbers" : 'show these cards’ numbers'}
        intro={`Card numbers are shown only shortly after a check of your second factor. Confirm it is you to show ${what === 'card' ? "this card's" : 'these cards’'} numbers.`}
        onVerified={() => setAsking(false)}
        onCancel={() => setAsking(false)}
      />
    );
  }
  return (
    <p className="verify-numbers">
      <button type="button" className="button-secondary" onClick={() => setAsking(true)}>
        Verify to show numbers
      </button>{' '}
      <span className="muted small">Card numbers need a recent check of your second factor.</span>
    </p>
  );
}
