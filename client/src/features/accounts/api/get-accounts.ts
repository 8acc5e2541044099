import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { AccountsResponse } from '@shared/api.ts';

export function getAccounts(q?: string, signal?: AbortSignal): Promise<AccountsResponse> {
  return api.get<AccountsResponse>('/api/accounts', { q: q?.trim() || undefined }, signal);
}

export function accountsQueryOptions(q = '') {
  return queryOptions({
    queryKey: ['accounts', { q: q.trim() }],
    queryFn: ({ signal }) => getAccounts(q, signal),
    // While a new search runs, keep showing the previous results instead of a spinner.
    placeholderData: keepPreviousData,
  });
}

export function useAccounts(q = '', { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...accountsQueryOptions(q), enabled });
}
