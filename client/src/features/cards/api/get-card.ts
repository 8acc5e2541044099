import { queryOptions, useQuery, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardSummary, CardsResponse } from '@shared/api.ts';

/**
 * `account`: the account the page's URL names. The server checks it and finds there a card its
 * index does not know yet; without it such a card is not found (it never asks every account).
 */
export function getCard(id: string, signal?: AbortSignal, account?: string): Promise<CardSummary> {
  return api.get<CardSummary>(`/api/cards/${encodeURIComponent(id)}`, account ? { account } : undefined, signal);
}

export function cardQueryOptions(id: string, account?: string) {
  return queryOptions({ queryKey: ['cards', 'detail', id], queryFn: ({ signal }) => getCard(id, signal, account) });
}

/** The card as a list of this session already shows it (an account's cards, a lookup), and when that list was fetched. */
function listedCard(queryClient: QueryClient, id: string): { card: CardSummary; updatedAt: number } | undefined {
  for (const query of queryClient.getQueryCache().findAll({ queryKey: ['cards'] })) {
    const data = query.state.data as InfiniteData<CardsResponse> | CardSummary | undefined;
    if (!data || !('pages' in data)) continue;
    for (const page of data.pages) {
      const card = page.data.find((candidate) => candidate.id === id);
      if (card) return { card, updatedAt: query.state.dataUpdatedAt };
    }
  }
  return undefined;
}

/**
 * A card opened from a list (a link on the account page, a lookup result) starts from the list's
 * copy, as fresh as the list (the same server's answer from the mirror): the page's panels and Stripe's component (which waits for
 * the card's account, type and status) start with the click instead of one request later, which
 * is most of what the card page waits for while Stripe is slow (issue 18: median ≤ 800 ms with
 * 200 ms per Stripe call, test/e2e/view-costs.test.ts). The list came from the same server for
 * this user (its scope checked); a refetch (the list stale, a change, a live update) replaces it.
 */
export function useCard(id: string, account?: string) {
  const queryClient = useQueryClient();
  return useQuery({
    ...cardQueryOptions(id, account),
    initialData: () => listedCard(queryClient, id)?.card,
    // As old as the list: fetched again on mount only when the list is stale (a request less
    // while the page's panels and its component load).
    initialDataUpdatedAt: () => listedCard(queryClient, id)?.updatedAt,
  });
}
