import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type {
  AccountCardholdersQuery,
  CardholderDetails,
  CardholderDetailsResponse,
  CreateCardholderBody,
  UpdateCardholderBody,
} from '@shared/api.ts';

export function getAccountCardholders(
  account: string,
  query: AccountCardholdersQuery,
  signal?: AbortSignal,
): Promise<CardholderDetailsResponse> {
  return api.get<CardholderDetailsResponse>(
    `/api/accounts/${encodeURIComponent(account)}/cardholders`,
    { q: query.q?.trim() || undefined, status: query.status },
    signal,
  );
}

export function accountCardholdersQueryOptions(account: string, query: AccountCardholdersQuery) {
  return queryOptions({
    queryKey: ['account-cardholders', account, query],
    queryFn: ({ signal }) => getAccountCardholders(account, query, signal),
    placeholderData: keepPreviousData,
  });
}

export function useAccountCardholders(account: string, query: AccountCardholdersQuery) {
  return useQuery(accountCardholdersQueryOptions(account, query));
}

/** Creates a cardholder; the account's cardholder lists (here and in the issue form) reload. */
export function useCreateCardholder({ onSuccess }: { onSuccess?: (holder: CardholderDetails) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateCardholderBody) => api.post<CardholderDetails>('/api/cardholders', input),
    onSuccess: async (holder) => {
      // This page's list and the issue-card form's.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['account-cardholders'] }),
        queryClient.invalidateQueries({ queryKey: ['cardholders'] }),
      ]);
      onSuccess?.(holder);
    },
  });
}

export function useUpdateCardholder(
  id: string,
  { onSuccess }: { onSuccess?: (holder: CardholderDetails) => void } = {},
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: UpdateCardholderBody) =>
      api.post<CardholderDetails>(`/api/cardholders/${encodeURIComponent(id)}`, input),
    onSuccess: async (holder) => {
      await queryClient.invalidateQueries({ queryKey: ['account-cardholders'] });
      onSuccess?.(holder);
    },
  });
}
