import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import type { CardSummary, MeResponse } from '@shared/api.ts';
import { cardMask, cardTypeName, formatDateTime } from '@shared/card-words.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { Skeleton, SkeletonBlock } from '../../components/skeleton.tsx';
import { ErrorMessage } from '../../components/status.tsx';
import { ApiError, errorMessage } from '../../lib/api-client.ts';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { useMe } from '../../lib/me.ts';
import { AuthorizationsPanel } from '../../features/activity/components/authorizations-panel.tsx';
import { LimitsPanel } from '../../features/activity/components/limits-panel.tsx';
import { LiveFeedNotice } from '../../features/activity/components/live-feed-notice.tsx';
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
import './card.css';

/** Where Stripe's card component is, with its "Spend controls" tab: decline explanations link here. */
const SPEND_CONTROLS_ID = 'spend-controls';

export default function CardPage() {
  const { account = '', card: cardId = '' } = useParams();
  const me = useMe().data;
  if (!me) return null;
  // Decided before anything is asked (the server refuses too): no refused request, one message.
  if (!reachesAccount(me, account)) return <NotAllowed what="card" />;
  return <CardContent me={me} account={account} cardId={cardId} />;
}

/**
 * A link to `#spend-controls` (a decline's "Edit spending controls", from this page or another)
 * brings the card component's section into view and moves focus to it, once it is on the page;
 * again for each new navigation to it (the same link followed twice). Stripe's issuing_card
 * component has no way to open its "Spend controls" tab from outside (its setters: defaultCard,
 * cardSwitching, showSpendControls, fetchEphemeralKey), so the section's heading and text say
 * where the controls are.
 */
function useScrollToSection(id: string, present: boolean): void {
  const location = useLocation();
  const handled = useRef<string | null>(null);
  useEffect(() => {
    if (location.hash !== `#${id}` || !present || handled.current === location.key) return;
    const target = document.getElementById(id);
    if (!target) return;
    handled.current = location.key;
    const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    target.scrollIntoView({ block: 'start', behavior: reduced ? 'auto' : 'smooth' });
    target.focus({ preventScroll: true });
  }, [id, present, location.hash, location.key]);
}

function CardContent({ me, account, cardId }: { me: MeResponse; account: string; cardId: string }) {
  const card = useCard(cardId, account || undefined);
  // Roles that may only look cards up do not browse accounts; they go back to the lookup.
  const browsesAccounts = me.accountScope !== 'lookup';
  const accounts = useAccounts('', { enabled: browsesAccounts });
  const accountName =
    accounts.data?.data.find((candidate) => candidate.id === account)?.name ?? card.data?.account_name ?? account;
  const title = card.data ? cardLabel(card.data) : card.isPending ? 'Loading card…' : 'Card';
  usePageTitle(title);
  // Keys only for a card that shows numbers, and for staff only while the second-factor check is fresh (decision 104).
  const numbers = useComponentNumbers(me, 'issuing_card', account || undefined, card.data);
  // Bumped by the status actions: Stripe's embedded view does not refetch the card by itself.
  const [version, setVersion] = useState(0);
  // New authorizations, and the card's own changes (its spending controls saved in Stripe's
  // component, its status), reach the page without a reload (server-sent events fed by Stripe's webhooks).
  const live = useLiveActivity({ card: cardId });
  // Roles with an Account Session see Stripe's card component; the others (support agents)
  // verify a caller from the app's own facts, shown first.
  const embedded = me.permissions.useEmbeddedComponents;
  const showsComponent = embedded && card.data?.account === account;
  useScrollToSection(SPEND_CONTROLS_ID, Boolean(showsComponent));

  const breadcrumb = (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      {browsesAccounts ? (
        <Link to={paths.account.href(account)}>{accountName}</Link>
      ) : (
        <Link to={paths.cardLookup.href()}>Find a card</Link>
      )}{' '}
      <span aria-hidden="true">›</span> <span aria-current="page">{card.data ? title : 'Card'}</span>
    </nav>
  );

  // A card id that belongs to another account than the URL says: the server refuses it (403 card_out_of_scope).
  if (card.error instanceof ApiError && card.error.status === 403) return <NotAllowed what="card" />;
  if (!card.data) {
    if (card.isPending) return <CardPageSkeleton breadcrumb={breadcrumb} />;
    const missing = card.error instanceof ApiError && card.error.status === 404;
    return (
      <>
        {breadcrumb}
        <h1>{missing ? 'No such card' : 'Card'}</h1>
        {missing ? (
          <div className="status status-error" role="alert">
            <p>
              <strong>This card does not exist</strong> (or not on this account): <code>{cardId}</code>.
            </p>
            <p>
              {browsesAccounts ? (
                <Link to={paths.account.href(account)}>Back to {accountName}</Link>
              ) : (
                <Link to={paths.cardLookup.href()}>Find a card</Link>
              )}
            </p>
          </div>
        ) : (
          <ErrorMessage error={card.error} title="Could not load this card" onRetry={() => void card.refetch()} />
        )}
      </>
    );
  }

  const data = card.data;
  const links = cardLinks(me, data);
  const editControlsHref = me.permissions.editSpendingControls
    ? `${paths.card.href(account, cardId)}#${SPEND_CONTROLS_ID}`
    : undefined;
  const actions = (
    <>
      {me.permissions.updateCardStatus && (
        <CardActions card={data} canCancel={me.permissions.cancelCards} onChanged={() => setVersion((n) => n + 1)} />
      )}
      {!me.permissions.updateCardStatus && me.permissions.freezeLostCards && (
        <ReportLost card={data} onChanged={() => setVersion((n) => n + 1)} />
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
    </>
  );

  const hero = (
    <header className="card-hero">
      <CardTile card={data} />
      <div className="card-hero-text">
        <h1>{title}</h1>
        <p className="muted card-meta">
          {cardTypeName(data.type)} · <span className={`badge badge-${data.status}`}>{statusLabel(data.status)}</span> ·{' '}
          <code>{data.id}</code>
        </p>
        {card.isError && <StaleCard card={card} />}
      </div>
    </header>
  );

  return (
    <div className="card-page">
      {breadcrumb}
      {embedded ? (
        <>
          {/* The card and what may be done with it; then Stripe's card component (the seed's
              centrepiece) with the limits beside it. */}
          <div className="card-top">
            {hero}
            <div className="card-hero-actions">{actions}</div>
          </div>
          <LiveFeedNotice state={live} what="this card’s page" />
          <div className="card-main">
            <SpendControlsSection me={me} account={account} card={data} version={version} numbers={numbers} />
            <LimitsPanel card={data.id} />
          </div>
        </>
      ) : (
        <>
          {/* Support agents: what verifies the caller first, the limits beside it, then what they may do. */}
          {hero}
          <LiveFeedNotice state={live} what="this card’s page" />
          <div className="card-main">
            <CardFacts card={data} />
            <LimitsPanel card={data.id} />
          </div>
          <div className="card-hero-actions">{actions}</div>
        </>
      )}

      <AuthorizationsPanel
        subject={{ card: data.id }}
        live={live}
        editControlsHref={editControlsHref ? () => editControlsHref : undefined}
      />
      {me.permissions.makeTestPurchases && data.status !== 'canceled' && (
        <SimulatePurchaseForm card={data.id} currency={data.currency} editControlsHref={editControlsHref} />
      )}
    </div>
  );
}

/** The card drawn as a card: a picture of the heading and facts beside it (screen readers read those). */
function CardTile({ card }: { card: CardSummary }) {
  return (
    <div className={`card-tile card-tile-${card.status}`} aria-hidden="true">
      <span className="card-tile-brand">{card.brand}</span>
      <span className="card-tile-number">{cardMask(card.last4)}</span>
      <span className="card-tile-holder">{card.cardholder.name || 'Unnamed cardholder'}</span>
      <span className="card-tile-type">{cardTypeName(card.type)}</span>
    </div>
  );
}

/** The card could not be fetched again: what the page shows stays, said to be possibly out of date. */
function StaleCard({ card }: { card: ReturnType<typeof useCard> }) {
  return (
    <div className="stale-note" role="status">
      <p>
        Could not refresh this card ({errorMessage(card.error)}): showing it as of{' '}
        {formatDateTime(Math.floor(card.dataUpdatedAt / 1000))}; it may be out of date.
      </p>
      <button type="button" className="button-secondary" onClick={() => void card.refetch()}>
        Try again
      </button>
    </div>
  );
}

function SpendControlsSection({
  me,
  account,
  card,
  version,
  numbers,
}: {
  me: MeResponse;
  account: string;
  card: CardSummary;
  version: number;
  numbers: ReturnType<typeof useComponentNumbers>;
}) {
  const headingId = useId();
  const ui = issuingUi(me);
  return (
    <section id={SPEND_CONTROLS_ID} className="panel card-component" aria-labelledby={headingId} tabIndex={-1}>
      <h2 id={headingId}>{ui.showSpendControls ? 'Card and spending controls' : 'Card'}</h2>
      {ui.showSpendControls && (
        <p className="muted small">
          Change this card’s limits and merchant categories in the <strong>Spend controls</strong> tab of Stripe’s card
          view below. The remaining limits follow each change.
        </p>
      )}
      {/* Only once the app has confirmed the card is this account's and in the user's scope: the
          component would otherwise ask Stripe for a card the user may not open (a 404 there). */}
      {card.account === account && (
        <>
          {numbers.offerVerify && <VerifyToShowNumbers what="card" />}
          <ConnectAccountProvider key={numbers.mountKey} account={account}>
            {/* One card, one set of controls: the component shows this page's card only (no
                switching to another while the actions above act on this one), and its own
                freeze/cancel buttons are off (policy: issuing_card card_management). A status
                changed anywhere (the actions above, a live update) loads it again. */}
            <IssuingCard
              key={`${version}-${card.status}`}
              card={card.id}
              cardSwitching={false}
              showSpendControls={ui.showSpendControls}
              fetchEphemeralKey={numbers.fetchEphemeralKey}
              keyProblem={numbers.problem}
            />
          </ConnectAccountProvider>
        </>
      )}
    </section>
  );
}

/** The page's shape while the card loads (a card missing from the mirror is asked of Stripe, which may be slow). */
function CardPageSkeleton({ breadcrumb }: { breadcrumb: ReactNode }) {
  return (
    <div className="card-page">
      {breadcrumb}
      <h1 className="visually-hidden">Loading card…</h1>
      <Skeleton label="Loading the card…" className="card-hero card-hero-skeleton">
        <SkeletonBlock width="15rem" height="9rem" />
        <SkeletonBlock width="60%" height="1.6rem" />
        <SkeletonBlock width="40%" />
      </Skeleton>
      <div className="card-main" aria-hidden="true">
        <div className="panel">
          <SkeletonBlock width="50%" height="1.15rem" />
          <SkeletonBlock height="12rem" />
        </div>
        <div className="panel">
          <SkeletonBlock width="50%" height="1.15rem" />
          <SkeletonBlock height="4rem" />
        </div>
      </div>
    </div>
  );
}
