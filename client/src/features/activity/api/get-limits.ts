import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { LimitsResponse } from '@shared/authorizations-api.ts';

export function getLimits(card: string, signal?: AbortSignal): Promise<LimitsResponse> {
  return api.get<LimitsResponse>(`/api/cards/${encodeURIComponent(card)}/limits`, undefined, signal);
}

export function limitsQueryOptions(card: string) {
  return queryOptions({ queryKey: ['limits', card], queryFn: ({ signal }) => getLimits(card, signal) });
}

export function useLimits(card: string) {
  return useQuery(limitsQueryOptions(card));
}
