import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { MeResponse } from '@shared/api.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { IssuingNotReady } from '../../features/accounts/components/issuing-readiness.tsx';
import {
  FinishOnboardingButton,
  OnboardingOutcome,
  useHostedOnboarding,
} from '../../features/accounts/components/finish-onboarding.tsx';
import { AuthorizationsPanel } from '../../features/activity/components/authorizations-panel.tsx';
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
  return <AccountContent me={me} account={account} />;
}

function AccountContent({ me, account }: { me: MeResponse; account: string }) {
  const accounts = useAccounts();
  const summary = accounts.data?.data.find((candidate) => candidate.id === account);
  const name = summary?.name;
  // Stripe refuses cardholders and cards until the account's card_issuing capability is active.
  const canIssue = !summary || summary.card_issuing.status === 'active';
  usePageTitle(name ?? account);
  // For staff only while the second-factor check is fresh (decision 104).
  const numbers = useComponentNumbers(me, 'issuing_cards_list', account || undefined);
  // Bumped when a card is issued: Stripe's embedded list does not reload by itself.
  const [listVersion, setListVersion] = useState(0);
  const live = useLiveActivity({ account });
  // Stripe's hosted onboarding, and what the page says when Stripe sends the user back (decision 157).
  const onboarding = useHostedOnboarding(account, me.permissions.finishOnboarding);

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
      <p className="muted small">
        <code>{account}</code>
      </p>

      {me.permissions.finishOnboarding && <OnboardingOutcome onboarding={onboarding} />}
      {summary && (
        <IssuingNotReady readiness={summary.card_issuing}>
          {me.permissions.finishOnboarding && <FinishOnboardingButton onboarding={onboarding} />}
        </IssuingNotReady>
      )}
      {me.permissions.viewCardholders && (
        <p>
          <Link to={paths.cardholders.href(account)}>Cardholders</Link>: search them, see their cards, their spending
          limits
          {me.permissions.manageCardholders ? ', and create new ones' : ''}.
        </p>
      )}

      {me.permissions.makeTestPurchases && (
        <p>
          <Link to={paths.purchase.href()}>Make a test purchase</Link> with one of these cards.
        </p>
      )}

      {me.permissions.issueCards && (
        <section aria-labelledby="issue-card-heading" className="panel">
          <h2 id="issue-card-heading">Issue a card</h2>
          <IssueCardForm
            account={account}
            disabledReason={
              canIssue
                ? undefined
                : 'Cards can be issued once Stripe activates card issuing for this account (see above).'
            }
            onIssued={() => setListVersion((n) => n + 1)}
          />
        </section>
      )}

      <section aria-labelledby="open-card-heading" className="panel">
        <h2 id="open-card-heading">Open a card</h2>
        <CardLinks account={account} />
      </section>

      <AuthorizationsPanel
        subject={{ account }}
        live={live}
        editControlsHref={
          me.permissions.editSpendingControls
            ? (row) => `${paths.card.href(account, row.card)}#spend-controls`
            : undefined
        }
      />

      <section aria-labelledby="cards-heading" className="panel">
        <h2 id="cards-heading">All cards</h2>
        {/* The list's table is wider than a phone: it scrolls in its own box, not the page. */}
        {numbers.offerVerify && <VerifyToShowNumbers what="cards" />}
        <div className="table-scroll">
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
    </>
  );
}
