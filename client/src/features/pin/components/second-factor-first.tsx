import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { MeResponse } from '@shared/api.ts';
import { stepUpDue } from '../../../components/step-up/step-up-due.ts';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';

/**
 * Before the PIN is asked for: the second factor setting a PIN needs (issue 20, item 6). A user
 * without one is told why and sent to enrol (`enrolHref`, which brings them back here with the
 * same card); a user whose last check is too old is checked first, so that the PIN is not typed
 * and then held while the check is asked. The form still asks again if the check runs out while
 * the PIN is typed (set-pin-form.tsx), and the server decides either way.
 */
export function SecondFactorFirst({
  me,
  enrolHref,
  children,
}: {
  me: MeResponse;
  enrolHref: string;
  children: ReactNode;
}) {
  // The policy's word (shared/policy.ts stepUp.setPin), as /api/me gives it.
  const needed = me.secondFactor.stepUp.setPin;
  const hasFactor = me.secondFactor.enrolled.some((method) => method !== 'recovery_code');
  // Decided when the page opens; after the check /api/me says fresh, and the form shows.
  const [checkDue, setCheckDue] = useState(() => needed && hasFactor && stepUpDue(me, 'setPin'));
  const [cancelled, setCancelled] = useState(false);

  if (needed && !hasFactor) {
    return (
      <div className="status status-error">
        <p>
          <strong>Setting a PIN needs a second factor.</strong> You have none yet: with an authenticator app or a
          passkey, a stolen password alone cannot change the PIN of your cards.
        </p>
        <p>
          <Link to={enrolHref}>Set up a second factor</Link>. You come back here afterwards.
        </p>
      </div>
    );
  }
  if (checkDue && cancelled) {
    return (
      <p>
        Setting a PIN needs a recent second-factor check.{' '}
        <button type="button" className="link-button" onClick={() => setCancelled(false)}>
          Confirm it is you
        </button>
      </p>
    );
  }
  if (checkDue) {
    return (
      <StepUpPrompt
        action="set a PIN"
        intro="Setting a PIN needs a second-factor check within the last few minutes, before you type the PIN."
        onVerified={() => setCheckDue(false)}
        onCancel={() => setCancelled(true)}
      />
    );
  }
  return <>{children}</>;
}
