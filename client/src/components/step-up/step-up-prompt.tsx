import { Link } from 'react-router';
import { paths } from '../../lib/paths.ts';
import { useMe } from '../../lib/me.ts';
import { SecondFactorCheck } from './second-factor-check.tsx';

/**
 * Asked in place when the server answers 403 `step_up_required`: the check with whatever the
 * user has enrolled, or, with nothing enrolled, the way to the Security page. The heading names
 * what the check unlocks (`action`: "reveal card details for ···· 4242", "disable
 * ada@example.com"), so that a prompt is never a bare "prove it" of unclear purpose.
 */
export function StepUpPrompt({
  action,
  intro,
  onVerified,
  onCancel,
}: {
  /** What the check unlocks, as the end of "Confirm it is you to …" (lower case, no full stop). */
  action: string;
  intro: string;
  onVerified: () => void;
  onCancel: () => void;
}) {
  const me = useMe();
  const methods = me.data?.secondFactor.enrolled ?? [];
  return (
    <section className="step-up-panel" aria-labelledby="step-up-heading">
      <h2 id="step-up-heading">Confirm it is you to {action}</h2>
      {methods.length === 0 ? (
        <>
          <p>{intro} You have no second factor yet.</p>
          <p>
            <Link to={paths.security.href()}>Set one up on the Security page</Link>, then come back.{' '}
            <button type="button" className="link-button" onClick={onCancel}>
              Cancel
            </button>
          </p>
        </>
      ) : (
        <SecondFactorCheck methods={methods} intro={intro} onVerified={onVerified} onCancel={onCancel} />
      )}
    </section>
  );
}
