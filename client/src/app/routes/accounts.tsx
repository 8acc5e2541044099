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
      <AccountsList search={search} onSearchChange={(q) => setParams(q ? { q } : {}, { replace: true })} />
    </>
  );
}
