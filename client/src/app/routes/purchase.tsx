import { useId } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../../components/status.tsx';
import { usePageTitle } from '../../components/page-title.ts';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { useMe } from '../../lib/me.ts';
import { TestPurchase } from '../../features/payments/components/test-purchase-form.tsx';

export default function PurchasePage() {
  usePageTitle('Test purchase');
  const me = useMe().data;
  if (!me) return null;
  if (!me.permissions.makeTestPurchases) {
    return (
      <>
        <h1>Test purchase</h1>
        <div className="status status-error" role="alert">
          <p>
            <strong>Not allowed.</strong> Your role may not make test purchases.
          </p>
        </div>
      </>
    );
  }
  return (
    <>
      <h1>Test purchase</h1>
      <p className="muted">
        Pay a test amount with one of your cards to see how its status and spending controls decide. If the card
        declines, this page says which control declined it.
      </p>
      <PurchaseOnAccount />
    </>
  );
}

/**
 * The purchase runs on one connected account: the card's own (Stripe's issued test cards work
 * only within their account). `?account=acct_…` preselects it; otherwise the first one listed.
 */
function PurchaseOnAccount() {
  const accounts = useAccounts();
  const [params, setParams] = useSearchParams();
  const selectId = useId();
  if (accounts.isPending) return <Loading label="Loading accounts…" />;
  if (accounts.isError)
    return (
      <ErrorMessage
        error={accounts.error}
        title="Accounts could not be loaded"
        onRetry={() => void accounts.refetch()}
      />
    );
  const list = accounts.data.data;
  if (list.length === 0) return <p className="status">No connected account to make a purchase on.</p>;
  const wanted = params.get('account');
  const account = list.find((a) => a.id === wanted)?.id ?? list[0]!.id;
  return (
    <>
      <div className="field">
        <label htmlFor={selectId}>Account taking the payment</label>
        <select
          id={selectId}
          value={account}
          onChange={(event) => {
            const next = new URLSearchParams(params);
            next.set('account', event.target.value);
            setParams(next, { replace: true });
          }}
        >
          {list.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
      <TestPurchase account={account} />
    </>
  );
}
