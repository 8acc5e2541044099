import { useId } from 'react';
import { Link } from 'react-router';
import { paths } from '../../../lib/paths.ts';
import { Empty, ErrorMessage, Loading } from '../../../components/status.tsx';
import { useDebouncedValue } from '../../../hooks/use-debounced-value.ts';
import { useAccounts } from '../api/get-accounts.ts';

/** The connected accounts the user may see, searchable by name or id (the server filters). */
export function AccountsList({ search, onSearchChange }: { search: string; onSearchChange: (q: string) => void }) {
  const searchId = useId();
  const q = useDebouncedValue(search.trim());
  const accounts = useAccounts(q);

  return (
    <>
      <div role="search" className="toolbar">
        <label htmlFor={searchId}>Search accounts</label>
        <input
          id={searchId}
          type="search"
          value={search}
          placeholder="Name or acct_…"
          autoComplete="off"
          onChange={(event) => onSearchChange(event.target.value)}
        />
      </div>
      {accounts.isPending ? (
        <Loading label="Loading accounts…" />
      ) : accounts.isError ? (
        <ErrorMessage
          error={accounts.error}
          title="Could not load the accounts"
          onRetry={() => void accounts.refetch()}
        />
      ) : accounts.data.data.length === 0 ? (
        <Empty>{q ? `No account matches “${q}”.` : 'There are no connected accounts you can see.'}</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-busy={accounts.isPlaceholderData}>
            <caption className="visually-hidden">Connected accounts</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">ID</th>
                <th scope="col" className="numeric">
                  Cards
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.data.map((account) => (
                <tr key={account.id}>
                  <td>
                    <Link to={paths.account.href(account.id)}>{account.name || account.id}</Link>
                    {account.email && <div className="muted small">{account.email}</div>}
                    {account.card_issuing.status !== 'active' && (
                      <div className="small">
                        <span className="badge badge-canceled">Card issuing not active</span>
                      </div>
                    )}
                  </td>
                  <td>
                    <code>{account.id}</code>
                  </td>
                  <td className="numeric">{account.card_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
