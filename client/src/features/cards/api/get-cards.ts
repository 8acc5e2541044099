import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardList } from '../../../lib/api-types.ts';

export interface CardFilters {
  account?: string;
  /** Free text: card id, last4 or cardholder name/email (support lookup). */
  q?: string;
  last4?: string;
  cardholder?: string;
  status?: 'active' | 'inactive' | 'canceled';
  type?: 'virtual' | 'physical';
}

export const PAGE_SIZE = 20;

export function getCards(
  filters: CardFilters & { limit?: number; starting_after?: string },
  signal?: AbortSignal,
): Promise<CardList> {
  return api.get<CardList>('/api/cards', { ...filters }, signal);
}

/** Pages through the list with Stripe-style cursors (`starting_after` = last id seen). */
export function cardsQueryOptions(filters: CardFilters) {
  return infiniteQueryOptions({
    queryKey: ['cards', filters],
    queryFn: ({ pageParam, signal }) =>
      getCards({ ...filters, limit: PAGE_SIZE, starting_after: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
    placeholderData: keepPreviousData,
  });
}

export function useCards(filters: CardFilters, { enabled = true }: { enabled?: boolean } = {}) {
  return useInfiniteQuery({ ...cardsQueryOptions(filters), enabled });
}
