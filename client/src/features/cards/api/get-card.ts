import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardSummary } from '../../../../../shared/api.ts';

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

export function useCard(id: string, account?: string) {
  return useQuery(cardQueryOptions(id, account));
}
