import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from './api-client.ts';
import type { MeResponse } from '@shared/api.ts';

export const meQueryKey = ['me'] as const;

export function getMe(signal?: AbortSignal): Promise<MeResponse> {
  return api.get<MeResponse>('/api/me', undefined, signal);
}

export function meQueryOptions() {
  // Who is signed in changes only by signing in or out, which reset this query.
  return queryOptions({ queryKey: meQueryKey, queryFn: ({ signal }) => getMe(signal), staleTime: Infinity });
}

export function useMe() {
  return useQuery(meQueryOptions());
}
