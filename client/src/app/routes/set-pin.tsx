import { useLocation, useSearchParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { Empty, ErrorMessage, Loading } from '../../components/status.tsx';
import { useMe } from '../../lib/me.ts';
import { useCards } from '../../features/cards/api/get-cards.ts';
import { cardLabel } from '../../features/cards/components/card-label.ts';
import { useConfig } from '../../lib/config.ts';
import { SetPinForm } from '../../features/pin/components/set-pin-form.tsx';
import { SecondFactorFirst } from '../../features/pin/components/second-factor-first.tsx';
import { paths } from '../../lib/paths.ts';

/**
 * Set the PIN of one of the user's cards (`?card=ic_…` preselects it). The second factor comes
 * first: without one the user is sent to enrol and comes back here, same card (decision 165).
 */
export default function SetPinPage() {
  usePageTitle('Set a PIN');
  const [params] = useSearchParams();
  const location = useLocation();
  const me = useMe().data;
  const allowed = me?.permissions.setPin ?? false;
  const config = useConfig();
  // The cards the user reaches (its own accounts' cards); a canceled card keeps no PIN.
  const cards = useCards({}, { enabled: allowed });
  if (!me) return null;

  const heading = <h1>Set a PIN</h1>;
  if (!allowed) {
    return (
      <>
        {heading}
        <Empty>Your role may not set card PINs.</Empty>
      </>
    );
  }
  if (cards.isPending || config.isPending)
    return (
      <>
        {heading}
        <Loading label="Loading your cards…" />
      </>
    );
  if (cards.isError) {
    return (
      <>
        {heading}
        <ErrorMessage error={cards.error} title="Could not load your cards" onRetry={() => void cards.refetch()} />
      </>
    );
  }
  if (config.isError) {
    return (
      <>
        {heading}
        <ErrorMessage
          error={config.error}
          title="Could not load the configuration"
          onRetry={() => void config.refetch()}
        />
      </>
    );
  }

  const options = cards.data.pages
    .flatMap((page) => page.data)
    .filter((card) => card.status !== 'canceled')
    .map((card) => ({
      id: card.id,
      label: `${cardLabel(card)} (${card.type === 'virtual' ? 'virtual' : 'physical'})`,
    }));

  return (
    <>
      {heading}
      <p className="muted">Cardholders use the PIN at terminals and ATMs that ask for one.</p>
      {options.length === 0 ? (
        <Empty>You have no card whose PIN can be set.</Empty>
      ) : (
        <SecondFactorFirst me={me} enrolHref={paths.security.href(`${location.pathname}${location.search}`)}>
          <SetPinForm
            cards={options}
            initialCard={params.get('card') ?? undefined}
            issuingKeyUrl={config.data.issuingKeyUrl}
          />
        </SecondFactorFirst>
      )}
      {cards.hasNextPage && (
        <button
          type="button"
          className="button-secondary"
          onClick={() => void cards.fetchNextPage()}
          disabled={cards.isFetchingNextPage}
        >
          {cards.isFetchingNextPage ? 'Loading…' : 'More cards'}
        </button>
      )}
    </>
  );
}
