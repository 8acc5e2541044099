import { useId, useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { MeResponse } from '@shared/api.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { Empty, ErrorMessage, Loading } from '../../components/status.tsx';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { useMe } from '../../lib/me.ts';
import { useAccountCardholders } from '../../features/cardholders/api/cardholders.ts';
import { CardholdersTable } from '../../features/cardholders/components/cardholders-table.tsx';
import { CreateCardholderForm } from '../../features/cardholders/components/create-cardholder-form.tsx';
import { paths } from '../../lib/paths.ts';
import { browsesAccount, NotAllowed } from './not-allowed.tsx';

type Status = 'active' | 'inactive' | 'blocked';
const isStatus = (v: string | null): v is Status => v === 'active' || v === 'inactive' || v === 'blocked';

/** An account's cardholders: search, status, their cards and limits; creating one. */
export default function CardholdersPage() {
  const { account = '' } = useParams();
  const me = useMe().data;
  if (!me) return null;
  // Decided before anything is asked (the server refuses too): no refused request, one message.
  if (!me.permissions.viewCardholders || !browsesAccount(me, account))
    return <NotAllowed what="account" lookupOnly={me.accountScope === 'lookup'} />;
  return <CardholdersContent me={me} account={account} />;
}

function CardholdersContent({ me, account }: { me: MeResponse; account: string }) {
  const accounts = useAccounts();
  const name = accounts.data?.data.find((candidate) => candidate.id === account)?.name;
  usePageTitle(`Cardholders · ${name ?? 'Account'}`);
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const statusParam = params.get('status');
  const status = isStatus(statusParam) ? statusParam : undefined;
  const query = useMemo(() => ({ ...(q ? { q } : {}), ...(status ? { status } : {}) }), [q, status]);
  const holders = useAccountCardholders(account, query);
  const ids = { q: useId(), status: useId() };

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.account.href(account)}>{name ?? 'Account'}</Link> <span aria-hidden="true">›</span>{' '}
        <span aria-current="page">Cardholders</span>
      </nav>
      <h1>Cardholders</h1>

      <form
        className="cardholder-filters"
        role="search"
        aria-label="Cardholder filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="field">
          <label htmlFor={ids.q}>Search cardholders</label>
          <input
            id={ids.q}
            type="search"
            value={q}
            placeholder="Name, email or phone"
            onChange={(e) => set('q', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.status}>Status</label>
          <select id={ids.status} value={status ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="inactive">Inactive</option>
            <option value="blocked">Blocked</option>
          </select>
        </div>
      </form>

      {holders.isPending ? (
        <Loading label="Loading cardholders…" />
      ) : holders.isError ? (
        <ErrorMessage
          error={holders.error}
          title="Could not load the cardholders"
          onRetry={() => void holders.refetch()}
        />
      ) : holders.data.data.length === 0 ? (
        <Empty>{q || status ? 'No cardholder matches.' : 'This account has no cardholders yet.'}</Empty>
      ) : (
        <>
          <CardholdersTable
            holders={holders.data.data}
            busy={holders.isPlaceholderData}
            canEditLimits={me.permissions.editSpendingControls}
            cardsHref={(holder) => paths.cardLookup.href(holder.email ?? holder.name)}
          />
          {holders.data.truncated && (
            <p className="muted">Showing the first 1,000 cardholders; search to narrow them down.</p>
          )}
        </>
      )}

      {me.permissions.manageCardholders && (
        <section aria-labelledby="create-cardholder-heading" className="panel">
          <h2 id="create-cardholder-heading">Create a cardholder</h2>
          <CreateCardholderForm account={account} />
        </section>
      )}
    </>
  );
}
