import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { MirrorStatusResponse } from '@shared/mirror-api.ts';
import { showsBanner } from '../lib/freshness-text.ts';

export const MIRROR_STATUS_PATH = '/api/mirror/status';
export const mirrorStatusQueryKey = ['mirror-status'] as const;

/** How often the page asks: every 30 s, every 10 s while the banner shows (so that it goes soon after Stripe answers again). */
export const POLL_MS = 30_000;
export const POLL_WHILE_SHOWN_MS = 10_000;

export function getMirrorStatus(signal?: AbortSignal): Promise<MirrorStatusResponse> {
  return api.get<MirrorStatusResponse>(MIRROR_STATUS_PATH, undefined, signal);
}

export function useMirrorStatus() {
  return useQuery({
    queryKey: mirrorStatusQueryKey,
    queryFn: ({ signal }) => getMirrorStatus(signal),
    staleTime: 0,
    // A failed status request keeps the last answer; the next poll asks again.
    retry: false,
    refetchInterval: (query) => (query.state.data && showsBanner(query.state.data) ? POLL_WHILE_SHOWN_MS : POLL_MS),
  });
}

/** Asks again now (after a request failed on the server's or Stripe's side), joining a request already out. */
export function refreshMirrorStatus(queryClient: QueryClient): void {
  void queryClient.refetchQueries({ queryKey: mirrorStatusQueryKey, type: 'active' }, { cancelRefetch: false });
}
