import { useSearchParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { CardLookup } from '../../features/cards/components/card-lookup.tsx';

export default function CardLookupPage() {
  usePageTitle('Find a card');
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  return (
    <>
      <h1>Find a card</h1>
      <CardLookup query={query} onQueryChange={(q) => setParams(q ? { q } : {})} />
    </>
  );
}
