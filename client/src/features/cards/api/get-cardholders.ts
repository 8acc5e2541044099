import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardholdersResponse } from '@shared/api.ts';

export function getCardholders(account: string, signal?: AbortSignal): Promise<CardholdersResponse> {
  return api.get<CardholdersResponse>('/api/cardholders', { account }, signal);
}

export function cardholdersQueryOptions(account: string) {
  return queryOptions({ queryKey: ['cardholders', account], queryFn: ({ signal }) => getCardholders(account, signal) });
}

export function useCardholders(account: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...cardholdersQueryOptions(account), enabled });
}
