import { Link, useNavigate, useSearchParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { Loading } from '../../components/status.tsx';
import { useMe } from '../../lib/me.ts';
import { paths } from '../../lib/paths.ts';
import { SecuritySettings } from '../../features/second-factor/components/security-settings.tsx';
import { SsoLink } from '../../features/second-factor/components/sso-link.tsx';
import { safeReturnPath } from '../../features/second-factor/lib/return-path.ts';

/** What the page a user came from is called, for the pages that send users here to enrol. */
const returnName = (target: string) =>
  target.split(/[?#]/)[0] === paths.setPin.path ? 'Set a PIN' : 'the page you came from';

/**
 * The Security page. `?returnTo=<path of this app>`: a page that needs a second factor (Set a
 * PIN) sent the user here; once one is set up (and its recovery codes saved) the user goes back.
 */
export default function SecurityPage() {
  usePageTitle('Security');
  const me = useMe();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const returnTo = safeReturnPath(params.get('returnTo'));
  if (!me.data) return <Loading label="Loading…" />;
  const hasFactor = me.data.secondFactor.enrolled.some((m) => m !== 'recovery_code');
  return (
    <>
      <h1>Security</h1>
      {returnTo && (
        <p className="status status-empty">
          {hasFactor ? (
            <>
              You have a second factor. <Link to={returnTo}>Go back to {returnName(returnTo)}</Link>
            </>
          ) : (
            <>
              Set up an authenticator app or a passkey below; then you go back to {returnName(returnTo)}.{' '}
              <Link to={returnTo}>Go back without one</Link>
            </>
          )}
        </p>
      )}
      <SecuritySettings
        me={me.data}
        onFactorAdded={returnTo ? () => void navigate(returnTo, { replace: true }) : undefined}
      />
      {/* Not while a role must still enrol a factor: that session may do nothing else yet. */}
      {me.data.secondFactor.pending === null && <SsoLink />}
    </>
  );
}
