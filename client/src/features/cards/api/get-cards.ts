import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardsQuery, CardsResponse } from '@shared/api.ts';

/** Everything but the paging parameters; `q` is the free lookup (card id, last4, cardholder). */
export type CardFilters = Omit<CardsQuery, 'limit' | 'starting_after'>;

export const PAGE_SIZE = 20;

export function getCards(filters: CardsQuery, signal?: AbortSignal): Promise<CardsResponse> {
  return api.get<CardsResponse>('/api/cards', { ...filters }, signal);
}

/** Pages through the list with Stripe-style cursors (`starting_after` = last id seen). */
export function cardsQueryOptions(filters: CardFilters) {
  return infiniteQueryOptions({
    queryKey: ['cards', filters],
    queryFn: ({ pageParam, signal }) => getCards({ ...filters, limit: PAGE_SIZE, starting_after: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
    placeholderData: keepPreviousData,
  });
}

export function useCards(filters: CardFilters, { enabled = true }: { enabled?: boolean } = {}) {
  return useInfiniteQuery({ ...cardsQueryOptions(filters), enabled });
}
