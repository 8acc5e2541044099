import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { AccountSummary } from '../../../lib/api-types.ts';

export function getAccounts(q?: string, signal?: AbortSignal): Promise<{ data: AccountSummary[] }> {
  return api.get<{ data: AccountSummary[] }>('/api/accounts', { q: q?.trim() || undefined }, signal);
}

export function accountsQueryOptions(q = '') {
  return queryOptions({
    queryKey: ['accounts', { q: q.trim() }],
    queryFn: ({ signal }) => getAccounts(q, signal),
    // While a new search runs, keep showing the previous results instead of a spinner.
    placeholderData: keepPreviousData,
  });
}

export function useAccounts(q = '') {
  return useQuery(accountsQueryOptions(q));
}
