import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import type { AccountSummary, MeResponse } from '@shared/api.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { Skeleton, SkeletonBlock } from '../../components/skeleton.tsx';
import { ErrorMessage } from '../../components/status.tsx';
import { useAccount } from '../../features/accounts/api/get-account.ts';
import { IssuingNotReady } from '../../features/accounts/components/issuing-readiness.tsx';
import {
  FinishOnboardingButton,
  OnboardingOutcome,
  useHostedOnboarding,
} from '../../features/accounts/components/finish-onboarding.tsx';
import { AuthorizationsPanel } from '../../features/activity/components/authorizations-panel.tsx';
import { LiveFeedNotice } from '../../features/activity/components/live-feed-notice.tsx';
import { useLiveActivity } from '../../features/activity/lib/use-live-activity.ts';
import { useMe } from '../../lib/me.ts';
import { CardLinks } from '../../features/cards/components/card-links.tsx';
import { IssueCardForm } from '../../features/cards/components/issue-card-form.tsx';
import { ConnectAccountProvider } from '../../features/connect/components/connect-account-provider.tsx';
import { IssuingCardsList } from '../../features/connect/components/issuing-cards-list.tsx';
import { useComponentNumbers } from '../../features/connect/components/use-component-numbers.ts';
import { VerifyToShowNumbers } from '../../features/connect/components/verify-to-show-numbers.tsx';
import { issuingUi, navItems } from '../nav.ts';
import { paths } from '../../lib/paths.ts';
import { browsesAccount, NotAllowed } from './not-allowed.tsx';

export default function AccountPage() {
  const { account = '' } = useParams();
  const me = useMe().data;
  if (!me) return null;
  // Decided before anything is asked: the server refuses too, and a refused request is an error
  // in the browser's console; the user gets one plain message instead.
  if (!browsesAccount(me, account)) return <NotAllowed what="account" lookupOnly={me.accountScope === 'lookup'} />;
  return <AccountGate me={me} account={account} />;
}

/**
 * Whether the account exists is decided once, at the top, by one request (the server learns an
 * account connected since its mirror's last pass there): an unknown one is one message, and none
 * of the panels asks about it.
 */
function AccountGate({ me, account }: { me: MeResponse; account: string }) {
  const found = useAccount(account);
  const showBreadcrumb = navItems(me).some((item) => item.href === paths.accounts.href());
  const breadcrumb = (name: string) =>
    showBreadcrumb && (
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.accounts.href()}>Accounts</Link> <span aria-hidden="true">›</span>{' '}
        <span aria-current="page">{name}</span>
      </nav>
    );
  usePageTitle(found.summary?.name ?? (found.missing ? 'No such account' : account));

  if (found.summary)
    return <AccountContent me={me} summary={found.summary} breadcrumb={breadcrumb(found.summary.name)} />;
  if (found.missing) {
    return (
      <>
        {breadcrumb(account)}
        <h1>No such account</h1>
        <div className="status status-error" role="alert">
          <p>
            <strong>There is no connected account {account}</strong> on this platform. Check the address, or choose the
            account from the list.
          </p>
          {showBreadcrumb && (
            <p>
              <Link to={paths.accounts.href()}>All accounts</Link>
            </p>
          )}
        </div>
      </>
    );
  }
  if (found.isError) {
    return (
      <>
        {breadcrumb(account)}
        <h1>Account</h1>
        <ErrorMessage error={found.error} title="Could not load this account" onRetry={() => void found.refetch()} />
      </>
    );
  }
  return (
    <>
      {breadcrumb(account)}
      <h1 className="visually-hidden">Loading account…</h1>
      <Skeleton label="Loading the account…">
        <SkeletonBlock width="40%" height="1.6rem" />
        <SkeletonBlock width="25%" />
        <SkeletonBlock height="10rem" />
      </Skeleton>
    </>
  );
}

function AccountContent({
  me,
  summary,
  breadcrumb,
}: {
  me: MeResponse;
  summary: AccountSummary;
  breadcrumb: ReactNode;
}) {
  const account = summary.id;
  // Stripe refuses cardholders and cards until the account's card_issuing capability is active.
  const canIssue = summary.card_issuing.status === 'active';
  // For staff only while the second-factor check is fresh (decision 104).
  const numbers = useComponentNumbers(me, 'issuing_cards_list', account);
  // Bumped when a card is issued: Stripe's embedded list does not reload by itself.
  const [listVersion, setListVersion] = useState(0);
  const live = useLiveActivity({ account });
  // Stripe's hosted onboarding, and what the page says when Stripe sends the user back (decision 157).
  const onboarding = useHostedOnboarding(account, me.permissions.finishOnboarding);
  const ui = issuingUi(me);

  return (
    <>
      {breadcrumb}
      {/* The account and whether it can issue cards. */}
      <h1>{summary.name}</h1>
      <p className="muted small">
        <code>{account}</code>
      </p>
      {me.permissions.finishOnboarding && <OnboardingOutcome onboarding={onboarding} />}
      <IssuingNotReady readiness={summary.card_issuing}>
        {me.permissions.finishOnboarding && <FinishOnboardingButton onboarding={onboarding} />}
      </IssuingNotReady>
      {(me.permissions.viewCardholders || me.permissions.makeTestPurchases) && (
        <ul className="account-links">
          {me.permissions.viewCardholders && (
            <li>
              <Link to={paths.cardholders.href(account)}>Cardholders</Link>: search them, see their cards, their
              spending limits{me.permissions.manageCardholders ? ', and create new ones' : ''}.
            </li>
          )}
          {me.permissions.makeTestPurchases && (
            <li>
              <Link to={paths.purchase.href()}>Make a test purchase</Link> with one of these cards.
            </li>
          )}
        </ul>
      )}
      <LiveFeedNotice state={live} what="this account’s page" />

      {/* Its cards: Stripe's list first, then the app's card pages. */}
      <section aria-labelledby="cards-heading" className="panel">
        <h2 id="cards-heading">All cards</h2>
        {numbers.offerVerify && <VerifyToShowNumbers what="cards" />}
        {/* The list's table is wider than a phone: it scrolls in its own box (reachable by keyboard), not the page. */}
        <div className="table-scroll" role="region" aria-label="All cards (scrolls sideways)" tabIndex={0}>
          <ConnectAccountProvider key={numbers.mountKey} account={account}>
            <IssuingCardsList
              key={listVersion}
              showSpendControls={ui.showSpendControls}
              fetchEphemeralKey={numbers.fetchEphemeralKey}
              keyProblem={numbers.problem}
            />
          </ConnectAccountProvider>
        </div>
      </section>

      <section aria-labelledby="open-card-heading" className="panel">
        <h2 id="open-card-heading">Open a card</h2>
        <CardLinks account={account} />
      </section>

      {/* What happens on them. */}
      <AuthorizationsPanel
        subject={{ account }}
        live={live}
        editControlsHref={
          me.permissions.editSpendingControls
            ? (row) => `${paths.card.href(account, row.card)}#spend-controls`
            : undefined
        }
      />

      {me.permissions.issueCards && (
        <section aria-labelledby="issue-card-heading" className="panel">
          <h2 id="issue-card-heading">Issue a card</h2>
          <IssueCardForm
            account={account}
            disabledReason={
              canIssue
                ? undefined
                : 'Cards can be issued once Stripe activates card issuing for this account (see the top of this page).'
            }
            onIssued={() => setListVersion((n) => n + 1)}
          />
        </section>
      )}
    </>
  );
}
