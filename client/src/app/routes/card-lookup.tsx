import { useSearchParams } from 'react-router';
import type { CardSummary } from '@shared/api.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { useMe } from '../../lib/me.ts';
import { CardLookup } from '../../features/cards/components/card-lookup.tsx';
import { paths } from '../../lib/paths.ts';

export default function CardLookupPage() {
  usePageTitle('Find a card');
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const me = useMe().data;
  const reveal = me?.permissions.reveal;
  // Offer the reveal view for the cards the policy lets this role reveal (never canceled ones).
  const revealHref = reveal?.allowed
    ? (card: CardSummary) =>
        reveal.cardTypes.includes(card.type as 'virtual' | 'physical') && card.status !== 'canceled'
          ? paths.cardReveal.href(card.account, card.id)
          : undefined
    : undefined;
  return (
    <>
      <h1>Find a card</h1>
      <CardLookup
        query={query}
        onQueryChange={(q) => setParams(q ? { q } : {})}
        specificOnly={me?.accountScope === 'lookup'}
        {...(revealHref ? { revealHref } : {})}
      />
    </>
  );
}
