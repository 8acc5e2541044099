import { Link, useParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { ErrorMessage, Loading } from '../../components/status.tsx';
import { useMe } from '../../lib/me.ts';
import { useCard } from '../../features/cards/api/get-card.ts';
import { cardLabel, statusLabel } from '../../features/cards/components/card-label.ts';
import { useConfig } from '../../lib/config.ts';
import { CardReveal } from '../../features/reveal/components/card-reveal.tsx';
import { paths } from '../../lib/paths.ts';

/** Reveal a card's number, CVC, expiry (and PIN) with Stripe's Issuing Elements. */
export default function CardRevealPage() {
  const { account, card: cardId = '' } = useParams();
  const me = useMe().data;
  const card = useCard(cardId, account || undefined);
  const config = useConfig();
  const title = card.data ? `Reveal ${cardLabel(card.data)}` : 'Reveal card details';
  usePageTitle(title);
  if (!me) return null;

  const backToLookup = me.accountScope === 'lookup' || me.accountScope === 'all';
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        {backToLookup ? (
          <Link to={paths.cardLookup.href(card.data?.last4)}>Find a card</Link>
        ) : card.data ? (
          <Link to={paths.account.href(card.data.account)}>Cards</Link>
        ) : null}{' '}
        <span aria-hidden="true">›</span> <span aria-current="page">Reveal card details</span>
      </nav>
      <h1>{title}</h1>
      {card.isPending || config.isPending ? (
        <Loading label="Loading the card…" />
      ) : card.isError ? (
        <ErrorMessage error={card.error} title="Could not load this card" onRetry={() => void card.refetch()} />
      ) : config.isError ? (
        <ErrorMessage
          error={config.error}
          title="Could not load the configuration"
          onRetry={() => void config.refetch()}
        />
      ) : (
        <>
          <p className="muted">
            {card.data.cardholder.name || 'Unnamed cardholder'}
            {card.data.cardholder.email ? ` (${card.data.cardholder.email})` : ''} ·{' '}
            {card.data.type === 'virtual' ? 'Virtual' : 'Physical'} ·{' '}
            <span className={`badge badge-${card.data.status}`}>{statusLabel(card.data.status)}</span> · account{' '}
            <code>{card.data.account}</code>
          </p>
          <CardReveal card={card.data} publishableKey={config.data.publishableKey} policy={me.permissions.reveal} />
        </>
      )}
    </>
  );
}
