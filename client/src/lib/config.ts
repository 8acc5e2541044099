import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from './api-client.ts';
import type { ConfigResponse } from '@shared/api.ts';

export function getConfig(signal?: AbortSignal): Promise<ConfigResponse> {
  return api.get<ConfigResponse>('/api/config', undefined, signal);
}

export function configQueryOptions() {
  // Fixed for the life of the server process.
  return queryOptions({ queryKey: ['config'], queryFn: ({ signal }) => getConfig(signal), staleTime: Infinity });
}

export function useConfig() {
  return useQuery(configQueryOptions());
}
