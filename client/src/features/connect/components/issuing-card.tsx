import { ConnectIssuingCard } from '@stripe/react-connect-js';
import { Loading } from '../../../components/status.tsx';
import type { FetchEphemeralKeyParams, FetchEphemeralKeyResult } from '../api/create-ephemeral-key.ts';
import { ConnectLoadError } from './connect-load-error.tsx';
import { KeyProblem } from './key-problem.tsx';
import { useConnectStatus } from './use-connect-status.ts';

export interface IssuingCardProps {
  card: string;
  /** Shows a dropdown of the account's other cards; off for roles that may not browse. */
  cardSwitching: boolean;
  showSpendControls: boolean;
  fetchEphemeralKey?: (params: FetchEphemeralKeyParams) => Promise<FetchEphemeralKeyResult>;
  /** Why the card's key was refused (the component then shows no "Show numbers"). */
  keyProblem?: string | null;
}

/** Stripe's embedded view of one issued card, for the account of the surrounding provider. */
export function IssuingCard({
  card,
  cardSwitching,
  showSpendControls,
  fetchEphemeralKey,
  keyProblem,
}: IssuingCardProps) {
  const status = useConnectStatus();
  return (
    <section className="embedded" aria-label="Card (Stripe)" aria-busy={!status.started && !status.loadError}>
      {keyProblem && <KeyProblem message={keyProblem} />}
      {status.loadError && <ConnectLoadError loadError={status.loadError} onRetry={() => window.location.reload()} />}
      {!status.started && !status.loadError && (
        <Loading label={status.slow ? 'Still loading the card from Stripe…' : 'Loading card…'} />
      )}
      <ConnectIssuingCard
        defaultCard={card}
        cardSwitching={cardSwitching}
        showSpendControls={showSpendControls}
        fetchEphemeralKey={fetchEphemeralKey}
        onLoadError={status.onLoadError}
        onLoaderStart={status.onLoaderStart}
      />
    </section>
  );
}
