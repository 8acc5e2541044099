import { ConnectIssuingCardsList } from '@stripe/react-connect-js';
import { Loading } from '../../../components/status.tsx';
import type { FetchEphemeralKeyParams, FetchEphemeralKeyResult } from '../api/create-ephemeral-key.ts';
import { ConnectLoadError } from './connect-load-error.tsx';
import { KeyProblem } from './key-problem.tsx';
import { useConnectStatus } from './use-connect-status.ts';

export interface IssuingCardsListProps {
  showSpendControls: boolean;
  /** Omitted for roles that may not reveal card details: the list then offers no "show numbers". */
  fetchEphemeralKey?: (params: FetchEphemeralKeyParams) => Promise<FetchEphemeralKeyResult>;
  /** Why the last card's key was refused (the component then shows no "Show numbers"). */
  keyProblem?: string | null;
}

/** Stripe's embedded issuing cards list for the account of the surrounding provider. */
export function IssuingCardsList({ showSpendControls, fetchEphemeralKey, keyProblem }: IssuingCardsListProps) {
  const status = useConnectStatus();
  return (
    <section className="embedded" aria-label="Cards (Stripe)" aria-busy={!status.started && !status.loadError}>
      {keyProblem && <KeyProblem message={keyProblem} />}
      {status.loadError && <ConnectLoadError loadError={status.loadError} onRetry={() => window.location.reload()} />}
      {!status.started && !status.loadError && (
        <Loading label={status.slow ? 'Still loading the cards from Stripe…' : 'Loading cards…'} />
      )}
      <ConnectIssuingCardsList
        showSpendControls={showSpendControls}
        fetchEphemeralKey={fetchEphemeralKey}
        onLoadError={status.onLoadError}
        onLoaderStart={status.onLoaderStart}
      />
    </section>
  );
}
