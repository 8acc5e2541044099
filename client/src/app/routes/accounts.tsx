import { useSearchParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { AccountsList } from '../../features/accounts/components/accounts-list.tsx';

export default function AccountsPage() {
  usePageTitle('Accounts');
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';

  return (
    <>
      <h1>Connected accounts</h1>
      <p className="muted">
        Each account’s cards, and what they spent and had declined in the last 7 days (UTC days, today included).
      </p>
      <AccountsList search={search} onSearchChange={(q) => setParams(q ? { q } : {}, { replace: true })} />
    </>
  );
}
