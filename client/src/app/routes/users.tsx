import { usePageTitle } from '../../components/page-title.ts';
import { Loading } from '../../components/status.tsx';
import { useMe } from '../../lib/me.ts';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { UsersAdmin } from '../../features/users/components/users-admin.tsx';

export default function UsersPage() {
  usePageTitle('Users');
  const me = useMe();
  // The accounts feature's list, handed to the users feature (features do not import each other).
  const accounts = useAccounts('', { enabled: me.data?.permissions.administerUsers === true });
  if (!me.data) return <Loading label="Loading…" />;
  if (!me.data.permissions.administerUsers) {
    return (
      <>
        <h1>Users</h1>
        <p className="status status-error" role="alert">
          Your role does not administer users.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Users</h1>
      <UsersAdmin myRole={me.data.user.role} myId={me.data.user.id} accountChoices={accounts.data?.data} />
    </>
  );
}
