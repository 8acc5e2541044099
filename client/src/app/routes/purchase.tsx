import { usePageTitle } from '../../components/page-title.ts';
import { useMe } from '../../features/auth/api/get-me.ts';
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
        Pay a test amount with one of your cards to see how its status and spending controls decide. If the card declines,
        this page says which control declined it.
      </p>
      <TestPurchase />
    </>
  );
}
