import { useId } from 'react';
import { Link } from 'react-router';
import { paths } from '../../../lib/paths.ts';
import { Empty, ErrorMessage, Loading } from '../../../components/status.tsx';
import { useDebouncedValue } from '../../../hooks/use-debounced-value.ts';
import { useAccounts } from '../api/get-accounts.ts';
import type { AccountSummary } from '@shared/api.ts';
import { formatMoney } from '@shared/spending-windows.ts';

/** Approved spend of the last 7 days, one line per currency; "–" without the figures (lookup roles). */
function spendText(activity: AccountSummary['activity']): string {
  if (!activity) return '–';
  if (activity.spend_7d.length === 0) return 'Nothing';
  return activity.spend_7d.map((s) => formatMoney(s.amount, s.currency)).join(', ');
}

/**
 * The connected accounts the user may see, searchable by name or id (the server filters), each
 * with its card issuing status, the last 7 days' spend and declines and its cards (from the
 * dashboard's copy of Stripe: GET /api/accounts).
 */
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
        <table className="table stack-on-phone" aria-busy={accounts.isPlaceholderData}>
          <caption className="visually-hidden">Connected accounts</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Card issuing</th>
              <th scope="col" className="numeric">
                Spent, 7 days
              </th>
              <th scope="col" className="numeric">
                Declines, 7 days
              </th>
              <th scope="col" className="numeric">
                Active cards
              </th>
              <th scope="col" className="numeric">
                Frozen cards
              </th>
              <th scope="col" className="numeric">
                All cards
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.data.data.map((account) => (
              <tr key={account.id}>
                <td data-label="Account">
                  <Link to={paths.account.href(account.id)}>{account.name || account.id}</Link>
                  {account.email && <div className="muted small">{account.email}</div>}
                  <div className="muted small">
                    <code>{account.id}</code>
                  </div>
                </td>
                <td data-label="Card issuing">
                  {account.card_issuing.status === 'active' ? (
                    'Active'
                  ) : (
                    <span className="badge badge-canceled">Card issuing not active</span>
                  )}
                </td>
                <td data-label="Spent, 7 days" className="numeric">
                  {spendText(account.activity)}
                </td>
                <td data-label="Declines, 7 days" className="numeric">
                  {account.activity?.declines_7d ?? '–'}
                </td>
                <td data-label="Active cards" className="numeric">
                  {account.activity?.active_cards ?? '–'}
                </td>
                <td data-label="Frozen cards" className="numeric">
                  {account.activity?.frozen_cards ?? '–'}
                </td>
                <td data-label="All cards" className="numeric">
                  {account.card_count}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
