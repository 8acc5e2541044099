import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { ErrorMessage } from '../../components/status.tsx';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { useMe } from '../../features/auth/api/get-me.ts';
import { useCard } from '../../features/cards/api/get-card.ts';
import { cardLabel, statusLabel } from '../../features/cards/components/card-label.ts';
import { ephemeralKeyFetcher } from '../../features/connect/api/create-ephemeral-key.ts';
import { ConnectAccountProvider } from '../../features/connect/components/connect-account-provider.tsx';
import { IssuingCard } from '../../features/connect/components/issuing-card.tsx';
import { issuingUi } from '../nav.ts';
import { paths } from '../paths.ts';

export default function CardPage() {
  const { account = '', card: cardId = '' } = useParams();
  const me = useMe().data;
  const card = useCard(cardId);
  // Roles that may only look cards up do not browse accounts; they go back to the lookup.
  const browsesAccounts = me?.accountScope !== 'lookup';
  const accounts = useAccounts('', { enabled: browsesAccounts });
  const accountName = accounts.data?.data.find((candidate) => candidate.id === account)?.name ?? account;
  const title = card.data ? cardLabel(card.data) : 'Card';
  usePageTitle(title);
  const fetchEphemeralKey = useMemo(() => ephemeralKeyFetcher(), []);
  if (!me) return null;

  const ui = issuingUi(me);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        {browsesAccounts ? (
          <Link to={paths.account.href(account)}>{accountName}</Link>
        ) : (
          <Link to={paths.cardLookup.href()}>Find a card</Link>
        )}{' '}
        <span aria-hidden="true">›</span> <span aria-current="page">{title}</span>
      </nav>
      <h1>{title}</h1>
      {card.data && (
        <p className="muted">
          <code>{card.data.id}</code> · {card.data.type === 'virtual' ? 'Virtual' : 'Physical'} ·{' '}
          <span className={`badge badge-${card.data.status}`}>{statusLabel(card.data.status)}</span>
        </p>
      )}
      {card.isError && <ErrorMessage error={card.error} title="Could not load this card" onRetry={() => void card.refetch()} />}

      <ConnectAccountProvider account={account}>
        <IssuingCard
          card={cardId}
          cardSwitching={ui.cardSwitching}
          showSpendControls={ui.showSpendControls}
          fetchEphemeralKey={ui.canRevealInComponents ? fetchEphemeralKey : undefined}
        />
      </ConnectAccountProvider>
    </>
  );
}
