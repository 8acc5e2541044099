import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { useMe } from '../../features/auth/api/get-me.ts';
import { CardLinks } from '../../features/cards/components/card-links.tsx';
import { ephemeralKeyFetcher } from '../../features/connect/api/create-ephemeral-key.ts';
import { ConnectAccountProvider } from '../../features/connect/components/connect-account-provider.tsx';
import { IssuingCardsList } from '../../features/connect/components/issuing-cards-list.tsx';
import { issuingUi, navItems } from '../nav.ts';
import { paths } from '../paths.ts';

export default function AccountPage() {
  const { account = '' } = useParams();
  const me = useMe().data;
  const accounts = useAccounts();
  const name = accounts.data?.data.find((candidate) => candidate.id === account)?.name;
  usePageTitle(name ?? account);
  const fetchEphemeralKey = useMemo(() => ephemeralKeyFetcher(), []);
  if (!me) return null;

  const ui = issuingUi(me);
  const showBreadcrumb = navItems(me).some((item) => item.href === paths.accounts.href());
  return (
    <>
      {showBreadcrumb && (
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={paths.accounts.href()}>Accounts</Link> <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">{name ?? account}</span>
        </nav>
      )}
      <h1>{name ?? 'Account'}</h1>
      <p className="muted">
        <code>{account}</code>
      </p>

      <section aria-labelledby="open-card-heading" className="panel">
        <h2 id="open-card-heading">Open a card</h2>
        <CardLinks account={account} />
      </section>

      <section aria-labelledby="cards-heading" className="panel">
        <h2 id="cards-heading">All cards</h2>
        <ConnectAccountProvider account={account}>
          <IssuingCardsList
            showSpendControls={ui.showSpendControls}
            fetchEphemeralKey={ui.canRevealInComponents ? fetchEphemeralKey : undefined}
          />
        </ConnectAccountProvider>
      </section>
    </>
  );
}
