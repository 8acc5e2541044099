import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { SessionStatus } from '@shared/api.ts';

export const sessionQueryKey = ['session'] as const;

/**
 * Whether this browser is signed in (GET /api/session, 200 for anyone). Asked before /api/me,
 * which answers 401 to a signed-out visitor: a refused request the browser logs as an error on
 * the way to the sign-in page.
 */
export function getSession(signal?: AbortSignal): Promise<SessionStatus> {
  return api.get<SessionStatus>('/api/session', undefined, signal);
}

export function sessionQueryOptions() {
  // Like /api/me: changes only by signing in or out, which clear the cache.
  return queryOptions({ queryKey: sessionQueryKey, queryFn: ({ signal }) => getSession(signal), staleTime: Infinity });
}

export function useSession() {
  return useQuery(sessionQueryOptions());
}
