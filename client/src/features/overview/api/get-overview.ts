import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { OverviewResponse } from '@shared/overview.ts';

export function getOverview(signal?: AbortSignal): Promise<OverviewResponse> {
  return api.get<OverviewResponse>('/api/overview', undefined, signal);
}

/** The overview, asked again every minute while open (it costs Stripe nothing: decision 160). */
export const overviewQueryOptions = () =>
  queryOptions({
    queryKey: ['overview'],
    queryFn: ({ signal }) => getOverview(signal),
    staleTime: 30_000,
    refetchInterval: 60_000,
  });

export const useOverview = ({ enabled = true }: { enabled?: boolean } = {}) =>
  useQuery({ ...overviewQueryOptions(), enabled });
