import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardSummary } from '../../../../../shared/api.ts';

export function getCard(id: string, signal?: AbortSignal): Promise<CardSummary> {
  return api.get<CardSummary>(`/api/cards/${encodeURIComponent(id)}`, undefined, signal);
}

export function cardQueryOptions(id: string) {
  return queryOptions({ queryKey: ['cards', 'detail', id], queryFn: ({ signal }) => getCard(id, signal) });
}

export function useCard(id: string) {
  return useQuery(cardQueryOptions(id));
}
