import { Link } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { ErrorMessage, Loading } from '../../components/status.tsx';
import { useOverview } from '../../features/overview/api/get-overview.ts';
import { OverviewSkeleton, OverviewView } from '../../features/overview/components/overview-view.tsx';
import { useMe } from '../../lib/me.ts';
import { paths } from '../../lib/paths.ts';

/** `/overview`: the first screen of platform admins (and of account users with several accounts). */
export default function OverviewPage() {
  usePageTitle('Overview');
  const me = useMe().data;
  if (!me) return null;
  // Decided from /api/me before anything is asked (the server refuses too, 403).
  if (!me.permissions.viewOverview) {
    return (
      <>
        <h1>Overview</h1>
        <div className="status status-error" role="alert">
          <p>
            <strong>Not for your role.</strong> The overview adds up the accounts a role browses; yours finds one card
            at a time.
          </p>
          <p>
            <Link to={paths.cardLookup.href()}>Find a card</Link>
          </p>
        </div>
      </>
    );
  }
  return <Overview canCancel={me.permissions.cancelCards} />;
}

function Overview({ canCancel }: { canCancel: boolean }) {
  const overview = useOverview();
  return (
    <>
      <h1>Overview</h1>
      {overview.isPending ? (
        <>
          <Loading label="Loading the overview…" />
          <OverviewSkeleton />
        </>
      ) : overview.isError ? (
        <ErrorMessage
          error={overview.error}
          title="Could not load the overview"
          onRetry={() => void overview.refetch()}
        />
      ) : (
        <OverviewView overview={overview.data} canCancel={canCancel} />
      )}
    </>
  );
}
