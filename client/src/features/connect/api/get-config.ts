import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { AppConfig } from '../../../lib/api-types.ts';

export function getConfig(signal?: AbortSignal): Promise<AppConfig> {
  return api.get<AppConfig>('/api/config', undefined, signal);
}

export function configQueryOptions() {
  // Fixed for the life of the server process.
  return queryOptions({ queryKey: ['config'], queryFn: ({ signal }) => getConfig(signal), staleTime: Infinity });
}

export function useConfig() {
  return useQuery(configQueryOptions());
}
