import { usePageTitle } from '../../components/page-title.ts';
import { Loading } from '../../components/status.tsx';
import { useMe } from '../../lib/me.ts';
import { SecuritySettings } from '../../features/second-factor/components/security-settings.tsx';
import { SsoLink } from '../../features/second-factor/components/sso-link.tsx';

export default function SecurityPage() {
  usePageTitle('Security');
  const me = useMe();
  if (!me.data) return <Loading label="Loading…" />;
  return (
    <>
      <h1>Security</h1>
      <SecuritySettings me={me.data} />
      {/* Not while a role must still enrol a factor: that session may do nothing else yet. */}
      {me.data.secondFactor.pending === null && <SsoLink />}
    </>
  );
}
