import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { MeResponse } from '@shared/api.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { ErrorMessage } from '../../components/status.tsx';
import { ApiError } from '../../lib/api-client.ts';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { useMe } from '../../lib/me.ts';
import { AuthorizationsPanel } from '../../features/activity/components/authorizations-panel.tsx';
import { LimitsPanel } from '../../features/activity/components/limits-panel.tsx';
import { SimulatePurchaseForm } from '../../features/activity/components/simulate-purchase-form.tsx';
import { useLiveActivity } from '../../features/activity/lib/use-live-activity.ts';
import { useCard } from '../../features/cards/api/get-card.ts';
import { CardActions } from '../../features/cards/components/card-actions.tsx';
import { CardFacts } from '../../features/cards/components/card-facts.tsx';
import { cardLabel, statusLabel } from '../../features/cards/components/card-label.ts';
import { ReportLost } from '../../features/cards/components/report-lost.tsx';
import { ConnectAccountProvider } from '../../features/connect/components/connect-account-provider.tsx';
import { IssuingCard } from '../../features/connect/components/issuing-card.tsx';
import { useComponentNumbers } from '../../features/connect/components/use-component-numbers.ts';
import { VerifyToShowNumbers } from '../../features/connect/components/verify-to-show-numbers.tsx';
import { cardLinks, issuingUi } from '../nav.ts';
import { paths } from '../../lib/paths.ts';
import { NotAllowed, reachesAccount } from './not-allowed.tsx';

export default function CardPage() {
  const { account = '', card: cardId = '' } = useParams();
  const me = useMe().data;
  if (!me) return null;
  // Decided before anything is asked (the server refuses too): no refused request, one message.
  if (!reachesAccount(me, account)) return <NotAllowed what="card" />;
  return <CardContent me={me} account={account} cardId={cardId} />;
}

function CardContent({ me, account, cardId }: { me: MeResponse; account: string; cardId: string }) {
  const card = useCard(cardId, account || undefined);
  // Roles that may only look cards up do not browse accounts; they go back to the lookup.
  const browsesAccounts = me.accountScope !== 'lookup';
  const accounts = useAccounts('', { enabled: browsesAccounts });
  const accountName =
    accounts.data?.data.find((candidate) => candidate.id === account)?.name ?? card.data?.account_name ?? account;
  const title = card.data ? cardLabel(card.data) : 'Card';
  usePageTitle(title);
  // Keys only for a card that shows numbers, and for staff only while the second-factor check is fresh (decision 104).
  const numbers = useComponentNumbers(me, 'issuing_card', account || undefined, card.data);
  // Bumped by the status actions: Stripe's embedded view does not refetch the card by itself.
  const [version, setVersion] = useState(0);
  // New authorizations appear without a reload (server-sent events fed by Stripe's webhooks).
  const live = useLiveActivity({ card: cardId });
  // A card id that belongs to another account than the URL says: the server refuses it (403 card_out_of_scope).
  if (card.error instanceof ApiError && card.error.status === 403) return <NotAllowed what="card" />;

  const ui = issuingUi(me);
  const links = card.data ? cardLinks(me, card.data) : [];
  const editControlsHref = me.permissions.editSpendingControls
    ? `${paths.card.href(account, cardId)}#spend-controls`
    : undefined;
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
      {card.isError && (
        <ErrorMessage error={card.error} title="Could not load this card" onRetry={() => void card.refetch()} />
      )}

      {card.data && me.permissions.updateCardStatus && (
        <CardActions
          card={card.data}
          canCancel={me.permissions.cancelCards}
          onChanged={() => setVersion((n) => n + 1)}
        />
      )}
      {card.data && !me.permissions.updateCardStatus && me.permissions.freezeLostCards && (
        <ReportLost card={card.data} onChanged={() => setVersion((n) => n + 1)} />
      )}

      {links.length > 0 && (
        <p className="card-links">
          {links.map((link, i) => (
            <span key={link.href}>
              {i > 0 && ' · '}
              <Link to={link.href}>{link.label}</Link>
            </span>
          ))}
        </p>
      )}

      {card.data && <LimitsPanel card={card.data.id} />}
      {card.data && me.permissions.makeTestPurchases && card.data.status !== 'canceled' && (
        <SimulatePurchaseForm card={card.data.id} currency={card.data.currency} editControlsHref={editControlsHref} />
      )}
      {card.data && (
        <AuthorizationsPanel
          subject={{ card: card.data.id }}
          live={live}
          editControlsHref={editControlsHref ? () => editControlsHref : undefined}
        />
      )}

      {/* The embedded component's "Spend controls" tab is where controls are edited: decline explanations link here. */}
      <section id="spend-controls" aria-label="Card and spending controls" tabIndex={-1}>
        {me.permissions.useEmbeddedComponents
          ? // Only once the app has confirmed the card is this account's and in the user's scope: the
            // component would otherwise ask Stripe for a card the user may not open (a 404 there).
            card.data?.account === account && (
              <>
                {numbers.offerVerify && <VerifyToShowNumbers what="card" />}
                <ConnectAccountProvider key={numbers.mountKey} account={account}>
                  {/* One card, one set of controls: the component shows this page's card only (no
              switching to another while the status panel above acts on this one), and its own
              freeze/cancel buttons are off (policy: issuing_card card_management). */}
                  <IssuingCard
                    key={version}
                    card={cardId}
                    cardSwitching={false}
                    showSpendControls={ui.showSpendControls}
                    fetchEphemeralKey={numbers.fetchEphemeralKey}
                    keyProblem={numbers.problem}
                  />
                </ConnectAccountProvider>
              </>
            )
          : // Roles without an Account Session (support agents) see what verifies the caller, from the app.
            card.data && <CardFacts card={card.data} />}
      </section>
    </>
  );
}
